using System.Text;
using MailFlow.Exporter.Formats.Text;

namespace MailFlow.Exporter.Tests.Formats.Text;

public sealed class Utf8TextTests
{
    [Theory]
    [InlineData("2026-11-26T08:15:02Z", "2026-11-26T08:15:02.0000000+00:00")]
    [InlineData("2026-11-26T08:15:02.123Z", "2026-11-26T08:15:02.1230000+00:00")]
    [InlineData("2026-11-26 08:15:02.5 +0100", "2026-11-26T08:15:02.5000000+01:00")]
    [InlineData("2026-11-26T08:15:02-05:30", "2026-11-26T08:15:02.0000000-05:30")]
    [InlineData("2026-11-26T08:15:02", "2026-11-26T08:15:02.0000000+00:00")]
    public void TryParse_IsoVariants_ReadsInstant(string text, string expected)
    {
        Assert.True(Utf8Timestamp.TryParse(Encoding.UTF8.GetBytes(text), TimeZoneInfo.Utc, out var value));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), value);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture).Offset, value.Offset);
    }

    [Theory]
    [InlineData("2026-02-30T08:15:02Z")]
    [InlineData("2026-11-26T25:15:02Z")]
    [InlineData("26/11/2026 08:15")]
    [InlineData("2026-11-26T08:15:02Zjunk")]
    [InlineData("2026-11-26T08:15:02.Z")]
    public void TryParse_Invalid_ReturnsFalse(string text)
    {
        Assert.False(Utf8Timestamp.TryParse(Encoding.UTF8.GetBytes(text), TimeZoneInfo.Utc, out _));
    }

    [Theory]
    [InlineData("192.0.2.1:25", "192.0.2.1")]
    [InlineData("[2001:db8::1]:25", "2001:db8::1")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("192.0.2.1", "192.0.2.1")]
    public void EndpointAddress_StripsPort(string endpoint, string expected)
    {
        Assert.Equal(expected, Encoding.UTF8.GetString(Utf8Text.EndpointAddress(Encoding.UTF8.GetBytes(endpoint))));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.10.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.1.2.3", false)]
    [InlineData("1127.0.0.1", false)]
    public void IsLoopback_Addresses(string ip, bool expected)
    {
        Assert.Equal(expected, Utf8Text.IsLoopback(Encoding.UTF8.GetBytes(ip)));
    }

    [Fact]
    public void Cache_SameBytes_SameStringAndLowerCased()
    {
        var cache = new Utf8StringCache();
        var first = cache.Get("Mail.Contoso.COM"u8, lowerCase: true);
        var second = cache.Get("mail.contoso.com"u8, lowerCase: true);

        Assert.Equal("mail.contoso.com", first);
        Assert.Same(first, second);
        Assert.Equal("Mail.Contoso.COM", cache.Get("Mail.Contoso.COM"u8));
        Assert.Equal("größe.example", cache.Get(Encoding.UTF8.GetBytes("GRÖßE.Example"), lowerCase: true));
        Assert.Null(cache.Get(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Csv_Split_QuotedFieldsWithCommasAndDoubledQuotes()
    {
        var line = "a,\"b, \"\"c\"\"\",,d"u8;
        Span<Range> fields = stackalloc Range[8];
        var count = Utf8Csv.Split(line, fields, out var unterminated);

        Assert.False(unterminated);
        Assert.Equal(4, count);
        Assert.Equal("b, \"c\"", Utf8Csv.Unescape(line[fields[1]], new Utf8StringCache()));
        Assert.True(line[fields[2]].IsEmpty);
        Assert.Equal("d", Encoding.UTF8.GetString(line[fields[3]]));
    }
}
