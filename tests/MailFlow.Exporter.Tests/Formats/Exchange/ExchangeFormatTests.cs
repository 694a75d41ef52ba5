using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats.Exchange;
using MailFlow.Exporter.Records;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Formats.Exchange;

/// <summary>
/// Exchange protocol logs, from the hand-written fixtures in Fixtures/exchange. Every expected number below is
/// stated in the fixture's header comment, session by session.
/// </summary>
public sealed class ExchangeFormatTests
{
    private static readonly string ReceiveLog = Fixtures.Path("exchange", "SMTPRECV-fixture.LOG");
    private static readonly string SendLog = Fixtures.Path("exchange", "SMTPSEND-fixture.LOG");

    [Fact]
    public void Parse_ReceiveLog_CountsOneRecordPerQueuedMessage()
    {
        var (sink, result) = CollectingSink.Parse(ReceiveLog, new ExchangeFormat());

        Assert.Null(result.Error);
        Assert.Empty(sink.Problems);
        var inbound = sink.Records.Where(r => r.Direction == Direction.Inbound).ToList();
        Assert.Equal(5, inbound.Count);
        Assert.Equal(1, inbound.Count(r => r.Tls == TlsVersion.Tls12));
        Assert.Equal(1, inbound.Count(r => r.Tls == TlsVersion.Tls10));
        Assert.Equal(2, inbound.Count(r => r.Tls == TlsVersion.Tls11));
        Assert.Equal(1, inbound.Count(r => r.Tls == TlsVersion.None));
        var submission = Assert.Single(sink.Records, r => r.Direction == Direction.Submission);
        Assert.Equal(TlsVersion.Tls12, submission.Tls);
        Assert.Equal(6, sink.Records.Count);
    }

    [Fact]
    public void Parse_ReceiveLog_FillsRecordFromSession()
    {
        var (sink, _) = CollectingSink.Parse(ReceiveLog, new ExchangeFormat());

        var contoso = Assert.Single(sink.Records, r => r.RemoteIp == "203.0.113.10");
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 8, 0, 1, 80, TimeSpan.Zero), contoso.Timestamp);
        Assert.Equal("mail.contoso.com", contoso.RemoteHost);
        Assert.Equal("contoso.com", contoso.SenderDomain);
        Assert.Equal("example.org", contoso.RecipientDomain);
        Assert.Equal(2, contoso.Recipients);
        Assert.Equal(5120, contoso.Bytes);
        Assert.Equal(@"EX01\Default Frontend EX01", contoso.ConnectorId);
        Assert.Equal("EX01", contoso.SourceHost);
        Assert.Equal("CALG_AES_256", contoso.Cipher);
        Assert.Equal("08DE1A0000000001", contoso.LogId);
    }

    [Fact]
    public void Parse_ReceiveLog_PlaintextSessionInterleavedWithTlsSessionStaysPlaintext()
    {
        var (sink, _) = CollectingSink.Parse(ReceiveLog, new ExchangeFormat());

        // Session 03 follows session 01's TLS line; its second message was rejected 550 and its RSET got a 250.
        var plaintext = Assert.Single(sink.Records, r => r.RemoteIp == "192.0.2.50");
        Assert.Equal(TlsVersion.None, plaintext.Tls);
        Assert.Equal("EX01\\Empfang, Internet \"Standard\" Größe", plaintext.ConnectorId);
        Assert.Equal("mail.example.net", plaintext.RemoteHost);
        Assert.Equal(900, plaintext.Bytes);
    }

    [Fact]
    public void Parse_ReceiveLog_HyphenSpellingAndLoopbackProbe()
    {
        var (sink, _) = CollectingSink.Parse(ReceiveLog, new ExchangeFormat());

        var fabrikam = Assert.Single(sink.Records, r => r.RemoteIp == "198.51.100.20");
        Assert.Equal(TlsVersion.Tls10, fabrikam.Tls);
        Assert.Equal(@"EX01\Partner Fabrikam", fabrikam.ConnectorId);
        Assert.Equal("fabrikam.com", fabrikam.SenderDomain);
        Assert.DoesNotContain(sink.Records, r => r.RemoteIp == "127.0.0.1");
    }

    [Fact]
    public void Parse_SendLog_CountsOnlyAcceptedEndOfData()
    {
        var (sink, _) = CollectingSink.Parse(SendLog, new ExchangeFormat());

        Assert.Empty(sink.Problems);
        Assert.All(sink.Records, r => Assert.Equal(Direction.Outbound, r.Direction));
        Assert.Equal(3, sink.Records.Count);

        var contoso = Assert.Single(sink.Records, r => r.ConnectorId == "Outbound to Contoso");
        Assert.Equal(TlsVersion.Tls12, contoso.Tls);
        Assert.Equal(2, contoso.Recipients);
        Assert.Equal(4096, contoso.Bytes);
        Assert.Equal("mail.contoso.com", contoso.RemoteHost);
        Assert.Equal("contoso.com", contoso.RecipientDomain);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 9, 0, 1, 60, TimeSpan.Zero), contoso.Timestamp);

        var fabrikam = Assert.Single(sink.Records, r => r.ConnectorId == "Outbound to Fabrikam");
        Assert.Equal(TlsVersion.Tls10, fabrikam.Tls);
        Assert.Equal(1, fabrikam.Recipients);
        Assert.Equal("mx.fabrikam.com", fabrikam.RemoteHost);

        var internet = Assert.Single(sink.Records, r => r.ConnectorId == "Internet");
        Assert.Equal(TlsVersion.None, internet.Tls);
        Assert.Equal(1, internet.Recipients);
        Assert.Equal("192.0.2.80", internet.RemoteIp);
    }

    [Theory]
    [InlineData("SMTPRECV-fixture.LOG")]
    [InlineData("SMTPSEND-fixture.LOG")]
    public void Detect_ExchangeFixture_IsExchange(string file)
    {
        var (_, result) = CollectingSink.Parse(Fixtures.Path("exchange", file));

        Assert.Equal("exchange", result.Format);
    }

    [Fact]
    public void Parse_GarbageLines_ReportedWithLineNumbersAndGoodLinesKept()
    {
        var lines = File.ReadAllLines(SendLog).ToList();
        var garbageAt = new[] { 20, 40 };
        lines.Insert(garbageAt[0] - 1, "this is not a protocol log line");
        lines.Insert(garbageAt[1] - 1, "2026-11-26T09:00:01.050Z,Internet,08DE1B0000000099,1,10.0.0.5:51002,192.0.2.80:25,?,x,");
        var path = Path.Combine(Path.GetTempPath(), $"exchange-garbage-{Guid.NewGuid():N}.LOG");
        File.WriteAllLines(path, lines);
        try
        {
            var (sink, _) = CollectingSink.Parse(path, new ExchangeFormat());

            Assert.Equal(3, sink.Records.Count);
            Assert.Equal(garbageAt.Select(l => (long)l), sink.Problems.Select(p => p.Line));
            Assert.All(sink.Problems, p => Assert.Equal(ProblemSeverity.Warning, p.Severity));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Parse_NoHeaderSessionsNeverClosed_StillCountsByInferredDirection()
    {
        // A file cut from the middle (no #Fields/#Log-type) and sessions without "-": the default field order
        // is used, the side is inferred from who sends reply codes, and nothing is lost or thrown.
        var path = Path.Combine(Path.GetTempPath(), $"exchange-cut-{Guid.NewGuid():N}.LOG");
        File.WriteAllLines(path, File.ReadAllLines(ReceiveLog).Where(l => !l.StartsWith('#') && !l.Contains(",-,", StringComparison.Ordinal)));
        try
        {
            var (sink, _) = CollectingSink.Parse(path, new ExchangeFormat());

            Assert.Equal(5, sink.Records.Count(r => r.Direction == Direction.Inbound));
            Assert.Equal(1, sink.Records.Count(r => r.Direction == Direction.Submission));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
