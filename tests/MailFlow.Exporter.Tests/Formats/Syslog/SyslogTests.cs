using System.Text;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Formats.Syslog;

namespace MailFlow.Exporter.Tests.Formats.Syslog;

public sealed class SyslogTests
{
    private static DateTimeOffset? Utc(SyslogClock clock, string line)
    {
        Assert.True(SyslogParser.TryParse(Encoding.UTF8.GetBytes(line), out var parsed));
        return clock.TryGetUtcTicks(parsed.Timestamp, parsed.IsRfc3339, out var ticks) ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
    }

    [Theory]
    [InlineData("2023-03-14T00:00:31.331110+01:00 helga postfix/submission/smtpd[297535]: connect from x", "helga", "postfix/submission/smtpd", 297535, "connect from x")]
    [InlineData("Mar  4 00:00:31 mx postfix-out/smtp[12]: 4PbC: to=<a@b>", "mx", "postfix-out/smtp", 12, "4PbC: to=<a@b>")]
    [InlineData("Mar 14 00:00:31 mx sm-mta[7]: STARTTLS=server, relay=x", "mx", "sm-mta", 7, "STARTTLS=server, relay=x")]
    [InlineData("<22>Mar 14 00:00:31 mx postfix/qmgr[950]: A: removed", "mx", "postfix/qmgr", 950, "A: removed")]
    [InlineData("2023-03-14T00:00:31Z mx amavis: (1234-01) Passed CLEAN", "mx", "amavis", -1, "(1234-01) Passed CLEAN")]
    public void TryParse_SyslogLines_SplitsHostProgramPidMessage(string line, string host, string program, int pid, string message)
    {
        Assert.True(SyslogParser.TryParse(Encoding.UTF8.GetBytes(line), out var parsed));
        Assert.Equal(host, Encoding.UTF8.GetString(parsed.Host));
        Assert.Equal(program, Encoding.UTF8.GetString(parsed.Program));
        Assert.Equal(pid, parsed.Pid);
        Assert.Equal(message, Encoding.UTF8.GetString(parsed.Message));
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello world")]
    [InlineData("2023-03-14 00:00:31 1dOqvZ-0002HB-Ob <= a@b H=x [1.2.3.4]")]
    [InlineData("Mar 14 00:00:31 host-only")]
    [InlineData("Foo 14 00:00:31 mx postfix/smtpd[1]: x")]
    public void TryParse_NotSyslog_ReturnsFalse(string line)
    {
        Assert.False(SyslogParser.TryParse(Encoding.UTF8.GetBytes(line), out _));
    }

    [Theory]
    [InlineData("2023-03-14T00:00:31.331110+01:00", "2023-03-13T23:00:31.3311100Z")]
    [InlineData("2023-03-14T00:00:31+05:30", "2023-03-13T18:30:31.0000000Z")]
    [InlineData("2023-03-14T00:00:31Z", "2023-03-14T00:00:31.0000000Z")]
    [InlineData("2023-03-14T23:59:59.5-0400", "2023-03-15T03:59:59.5000000Z")]
    public void TryGetUtcTicks_Rfc3339_HonoursZoneAndFraction(string timestamp, string expectedUtc)
    {
        var clock = new SyslogClock(new ParseOptions());
        Assert.Equal(DateTimeOffset.Parse(expectedUtc, System.Globalization.CultureInfo.InvariantCulture), Utc(clock, timestamp + " h p[1]: m"));
    }

    [Fact]
    public void TryGetUtcTicks_ConsecutiveLines_CacheDoesNotLeakAcrossMinutesOrZones()
    {
        var clock = new SyslogClock(new ParseOptions());
        Assert.Equal(new DateTimeOffset(2023, 3, 14, 0, 0, 59, TimeSpan.Zero), Utc(clock, "2023-03-14T00:00:59Z h p[1]: m"));
        Assert.Equal(new DateTimeOffset(2023, 3, 14, 0, 1, 0, TimeSpan.Zero), Utc(clock, "2023-03-14T00:01:00Z h p[1]: m"));
        Assert.Equal(new DateTimeOffset(2023, 3, 13, 23, 1, 1, TimeSpan.Zero), Utc(clock, "2023-03-14T00:01:01+01:00 h p[1]: m"));
    }

    [Theory]
    [InlineData("2023-02-30T00:00:31Z h p[1]: m")]
    [InlineData("2023-03-14T25:00:31Z h p[1]: m")]
    [InlineData("2023-03-14T00:00:31+1 h p[1]: m")]
    [InlineData("Feb 30 00:00:31 h p[1]: m")]
    public void TryGetUtcTicks_ImpossibleDates_ReturnFalse(string line)
    {
        Assert.Null(Utc(new SyslogClock(new ParseOptions { Year = 2023, TimeZone = TimeZoneInfo.Utc }), line));
    }

    [Fact]
    public void TryGetUtcTicks_ClassicWithZoneAndYear_ConvertsAndRollsOver()
    {
        var zone = TimeZoneInfo.CreateCustomTimeZone("UTC+2", TimeSpan.FromHours(2), "UTC+2", "UTC+2");
        var clock = new SyslogClock(new ParseOptions { Year = 2024, TimeZone = zone });

        Assert.Equal(new DateTimeOffset(2024, 12, 31, 21, 59, 0, TimeSpan.Zero), Utc(clock, "Dec 31 23:59:00 h p[1]: m"));
        Assert.Equal(new DateTimeOffset(2024, 12, 31, 22, 0, 0, TimeSpan.Zero), Utc(clock, "Jan  1 00:00:00 h p[1]: m"));
        Assert.Equal(new DateTimeOffset(2025, 1, 2, 8, 3, 4, TimeSpan.Zero), Utc(clock, "Jan  2 10:03:04 h p[1]: m"));
    }

    [Fact]
    public void TryGetUtcTicks_ClassicWithoutYear_UsesLastModifiedYear()
    {
        var clock = new SyslogClock(new ParseOptions { TimeZone = TimeZoneInfo.Utc, LastModified = new DateTimeOffset(2022, 6, 1, 0, 0, 0, TimeSpan.Zero) });

        Assert.Equal(new DateTimeOffset(2022, 3, 4, 5, 6, 7, TimeSpan.Zero), Utc(clock, "Mar  4 05:06:07 h p[1]: m"));
    }
}
