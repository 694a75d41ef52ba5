using System.IO.Compression;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Formats.Postfix;
using MailFlow.Exporter.Records;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Formats.Postfix;

/// <summary>The Postfix parser on the hand-written fixtures; each fixture's header comment lists what it expects.</summary>
public sealed class PostfixParserTests
{
    private static readonly PostfixFormat Format = new();

    private static MailRecord ByQueueId(CollectingSink sink, string queueId) => Assert.Single(sink.Records, r => r.LogId == queueId);

    [Fact]
    public void Parse_InboundFixture_CountsEachMessageOnceWithItsSessionTls()
    {
        var (sink, _) = CollectingSink.Parse(Fixtures.Path("postfix", "inbound.log"), Format);

        Assert.Empty(sink.Problems);
        Assert.Equal(
            ["AAAA000001", "CCCC000002", "CCCC000003", "CCCC000004", "CCCC000005", "CCCC000006", "CCCC000008"],
            sink.Records.Select(r => r.LogId).Order());
        Assert.Equal(TlsVersion.Tls13, ByQueueId(sink, "AAAA000001").Tls);
        Assert.Equal(TlsVersion.Tls12, ByQueueId(sink, "CCCC000002").Tls);
        Assert.Equal(TlsVersion.Tls10, ByQueueId(sink, "CCCC000003").Tls);
        Assert.Equal(TlsVersion.Unknown, ByQueueId(sink, "CCCC000005").Tls);
        Assert.Equal(6, sink.Records.Count(r => r.Direction == Direction.Inbound));
    }

    [Fact]
    public void Parse_PlaintextMessageAfterTlsSessionOnSamePid_IsNone()
    {
        var (sink, _) = CollectingSink.Parse(Fixtures.Path("postfix", "inbound.log"), Format);

        // smtpd[1001] served session A over TLS 1.3, then the plaintext session of CCCC000004.
        var reused = ByQueueId(sink, "CCCC000004");
        Assert.Equal(TlsVersion.None, reused.Tls);
        Assert.Null(reused.Cipher);
        Assert.Equal("mail.wingtip.example", reused.RemoteHost);
    }

    [Fact]
    public void Parse_FirstInboundMessage_CarriesAllFields()
    {
        var (sink, _) = CollectingSink.Parse(Fixtures.Path("postfix", "inbound.log"), Format);

        var a = ByQueueId(sink, "AAAA000001");
        Assert.Equal(Direction.Inbound, a.Direction);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 9, 0, 0, 300, TimeSpan.Zero), a.Timestamp);
        Assert.Equal("TLS_AES_256_GCM_SHA384", a.Cipher);
        Assert.Equal("mail.contoso.com", a.RemoteHost);
        Assert.Equal("203.0.113.10", a.RemoteIp);
        Assert.Equal("contoso.com", a.SenderDomain);
        Assert.Equal("example.org", a.RecipientDomain);
        Assert.Equal(2, a.Recipients);
        Assert.Equal(1000, a.Bytes);
        Assert.Equal("postfix/smtpd", a.Service);
        Assert.Equal("mx1", a.SourceHost);
    }

    [Fact]
    public void Parse_SubmissionWithSasl_IsSubmission()
    {
        var (sink, _) = CollectingSink.Parse(Fixtures.Path("postfix", "inbound.log"), Format);

        var submission = Assert.Single(sink.Records, r => r.Direction == Direction.Submission);
        Assert.Equal("CCCC000006", submission.LogId);
        Assert.Equal(TlsVersion.Tls13, submission.Tls);
        Assert.Equal("postfix/submission/smtpd", submission.Service);
        Assert.Equal("contoso.com", submission.RecipientDomain);
    }

    [Fact]
    public void Parse_AmavisReinjectionAndAbandonedTransaction_AreNotMessages()
    {
        var (sink, _) = CollectingSink.Parse(Fixtures.Path("postfix", "inbound.log"), Format);

        Assert.DoesNotContain(sink.Records, r => r.LogId == "BBBB000001");
        Assert.DoesNotContain(sink.Records, r => r.LogId == "CCCC000007");
        Assert.DoesNotContain(sink.Records, r => r.Direction == Direction.Outbound);
    }

    [Fact]
    public void Parse_MultiInstanceIpv6Client_KeepsServiceAndIp()
    {
        var (sink, _) = CollectingSink.Parse(Fixtures.Path("postfix", "inbound.log"), Format);

        var h = ByQueueId(sink, "CCCC000008");
        Assert.Equal("postfix-in/smtpd", h.Service);
        Assert.Null(h.RemoteHost);
        Assert.Equal("2001:db8::25", h.RemoteIp);
        Assert.Null(h.SenderDomain);
        Assert.Equal(TlsVersion.None, h.Tls);
    }

    [Fact]
    public void Parse_OutboundFixture_OneMessagePerQueueIdAndRelay()
    {
        var (sink, _) = CollectingSink.Parse(Fixtures.Path("postfix", "outbound.log"), Format);

        Assert.Empty(sink.Problems);
        Assert.All(sink.Records, r => Assert.Equal(Direction.Outbound, r.Direction));
        Assert.Equal(6, sink.Records.Count);
        Assert.Equal(7, sink.Records.Sum(r => r.Recipients));

        var contoso = Assert.Single(sink.Records, r => r.LogId == "DDDD000001" && r.RemoteHost == "mx.contoso.com");
        Assert.Equal(TlsVersion.Tls12, contoso.Tls);
        Assert.Equal(2, contoso.Recipients);
        Assert.Equal("contoso.com", contoso.RecipientDomain);
        Assert.Equal("example.org", contoso.SenderDomain);
        Assert.Equal(2048, contoso.Bytes);
        Assert.Equal("ECDHE-RSA-AES128-GCM-SHA256", contoso.Cipher);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 11, 0, 1, TimeSpan.Zero), contoso.Timestamp);

        var fabrikam = Assert.Single(sink.Records, r => r.LogId == "DDDD000001" && r.RemoteHost == "mx.fabrikam.com");
        Assert.Equal(TlsVersion.None, fabrikam.Tls);
        Assert.Equal(1, fabrikam.Recipients);
        Assert.Equal("fabrikam.com", fabrikam.RecipientDomain);
    }

    [Fact]
    public void Parse_OutboundOnPidWhoseSummaryIsForAnotherRelay_IsNone()
    {
        var (sink, _) = CollectingSink.Parse(Fixtures.Path("postfix", "outbound.log"), Format);

        Assert.Equal(TlsVersion.None, ByQueueId(sink, "DDDD000002").Tls);
    }

    [Fact]
    public void Parse_OutboundMultiInstanceAndTlsFeatureField_UseTheRightVersion()
    {
        var (sink, _) = CollectingSink.Parse(Fixtures.Path("postfix", "outbound.log"), Format);

        var m3 = ByQueueId(sink, "DDDD000003");
        Assert.Equal(TlsVersion.Tls13, m3.Tls);
        Assert.Equal("postfix-out/smtp", m3.Service);
        Assert.Equal(1, m3.Recipients);
        Assert.Equal(TlsVersion.None, ByQueueId(sink, "DDDD000004").Tls);
        var m5 = ByQueueId(sink, "DDDD000005");
        Assert.Equal(TlsVersion.Unknown, m5.Tls);
        Assert.Equal("192.0.2.50", m5.RemoteIp);
    }

    [Fact]
    public void Parse_ClassicTimestampsAcrossNewYear_AdvanceTheYear()
    {
        var options = new ParseOptions { Year = 2025, TimeZone = TimeZoneInfo.CreateCustomTimeZone("UTC-5", TimeSpan.FromHours(-5), "UTC-5", "UTC-5") };
        var (sink, _) = CollectingSink.Parse(Fixtures.Path("postfix", "classic-rollover.log"), Format, options);

        Assert.Empty(sink.Problems);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 4, 59, 59, TimeSpan.Zero), ByQueueId(sink, "FFFF000001").Timestamp);
        Assert.Equal(TlsVersion.Tls12, ByQueueId(sink, "FFFF000001").Tls);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 5, 5, 1, TimeSpan.Zero), ByQueueId(sink, "FFFF000002").Timestamp);
        Assert.Equal(TlsVersion.None, ByQueueId(sink, "FFFF000002").Tls);
    }

    [Fact]
    public void Parse_ClassicTimestampsWithoutYear_InferTheYearFromLastModified()
    {
        // Written in January 2026 and starting in December: the first line is from December 2025.
        var options = new ParseOptions { TimeZone = TimeZoneInfo.Utc, LastModified = new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero) };
        var (sink, _) = CollectingSink.Parse(Fixtures.Path("postfix", "classic-rollover.log"), Format, options);

        Assert.Equal(new DateTimeOffset(2025, 12, 31, 23, 59, 59, TimeSpan.Zero), ByQueueId(sink, "FFFF000001").Timestamp);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 5, 1, TimeSpan.Zero), ByQueueId(sink, "FFFF000002").Timestamp);
    }

    [Fact]
    public void Parse_GarbageLines_ReportedWithLineNumbersAndGoodLinesStillCount()
    {
        var (sink, result) = CollectingSink.Parse(Fixtures.Path("postfix", "garbage.log"), Format);

        var record = Assert.Single(sink.Records);
        Assert.Equal("GGGG000001", record.LogId);
        Assert.Equal(TlsVersion.Tls13, record.Tls);
        Assert.Equal([7L, 9, 12, 13, 15], sink.Problems.Where(p => p.Reason == "no syslog header").Select(p => p.Line));
        var badTime = Assert.Single(sink.Problems, p => p.Reason == "bad syslog timestamp");
        Assert.Equal(11, badTime.Line);
        Assert.All(sink.Problems, p => Assert.EndsWith("garbage.log", p.Source, StringComparison.Ordinal));
        Assert.Equal(17, result.Lines.Lines);
    }

    [Fact]
    public void Parse_NoTlsSummaryAnywhere_StarttlsIsUnknownAndUserIsTold()
    {
        var (sink, _) = CollectingSink.Parse(Fixtures.Path("postfix", "tls-logging-off.log"), Format);

        Assert.Equal(TlsVersion.Unknown, ByQueueId(sink, "HHHH000001").Tls);
        Assert.Equal(TlsVersion.None, ByQueueId(sink, "HHHH000002").Tls);
        var notice = Assert.Single(sink.Problems);
        Assert.Equal(ProblemSeverity.Notice, notice.Severity);
        Assert.Equal(0, notice.Line);
        Assert.Contains("smtpd_tls_loglevel = 1", notice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_GzipInput_GivesTheSameRecords()
    {
        var directory = Directory.CreateTempSubdirectory("mailflow-postfix-");
        try
        {
            var gz = Path.Combine(directory.FullName, "mail.log.1.gz");
            using (var output = new GZipStream(File.Create(gz), CompressionLevel.Optimal))
            using (var input = File.OpenRead(Fixtures.Path("postfix", "inbound.log")))
            {
                input.CopyTo(output);
            }

            // Detection too: no format is forced.
            var (sink, result) = CollectingSink.Parse(gz);

            Assert.Equal("postfix", result.Format);
            Assert.Equal(7, sink.Records.Count);
            Assert.Equal(TlsVersion.Unknown, ByQueueId(sink, "CCCC000005").Tls);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Detect_PostfixSample_IsConfidentAndSendmailIsNot()
    {
        var sample = File.ReadAllLines(Fixtures.Path("postfix", "outbound.log"));

        Assert.True(Format.Detect(sample) >= 0.5);
        Assert.Equal(0, new MailFlow.Exporter.Formats.Sendmail.SendmailFormat().Detect(sample));
        Assert.Equal(0, Format.Detect(["2017-06-24 15:41:05 1dOqvZ-0002HB-Ob <= sender@example.us H=in3f.electric.net [72.35.12.46]:47218 P=esmtps"]));
    }

    [Fact]
    public void Parse_EndlessSessionsThatNeverFinish_AreEvictedAndMemoryStaysFlat()
    {
        // Four hours of sessions that never disconnect and transactions that never reach qmgr, one a second.
        var sink = new CollectingSink();
        var parser = Format.CreateParser(new ParseContext("synthetic", sink, new ParseOptions { TimeZone = TimeZoneInfo.Utc }));
        var start = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        long before = 0;
        for (var i = 0; i < 4 * 3600; i++)
        {
            var time = start.AddSeconds(i).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
            var pid = 10_000 + i;
            parser.ParseLine(System.Text.Encoding.UTF8.GetBytes($"{time} mx1 postfix/smtpd[{pid}]: connect from a.example[192.0.2.1]"), (2 * i) + 1);
            parser.ParseLine(System.Text.Encoding.UTF8.GetBytes($"{time} mx1 postfix/smtpd[{pid}]: Q{i:D9}: client=a.example[192.0.2.1]"), (2 * i) + 2);
            if (i == 3600)
            {
                before = Held(parser);
            }
        }

        // Held state is bounded by about an hour of input (plus the sweep interval), not by the input's length.
        Assert.InRange(Held(parser), 1, before + 600);
        parser.Complete();
        Assert.Empty(sink.Records);
    }

    private static long Held(ILogParser parser)
    {
        var type = parser.GetType();
        long count = 0;
        foreach (var name in new[] { "_sessions", "_queue" })
        {
            var field = type.GetField(name, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
            count += ((System.Collections.ICollection)field.GetValue(parser)!).Count;
        }

        return count;
    }
}
