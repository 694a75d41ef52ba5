using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Formats.Postfix;
using MailFlow.Exporter.Formats.Sendmail;
using MailFlow.Exporter.Records;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Formats.Sendmail;

/// <summary>The Sendmail parser on the hand-written fixture; its header comment lists what it expects.</summary>
public sealed class SendmailParserTests
{
    private static readonly ParseOptions Options = new() { Year = 2026, TimeZone = TimeZoneInfo.Utc };

    private static CollectingSink Parse() => CollectingSink.Parse(Fixtures.Path("sendmail", "maillog"), new SendmailFormat(), Options).Sink;

    private static MailRecord ByQueueId(CollectingSink sink, string queueId, Direction direction) =>
        Assert.Single(sink.Records, r => r.LogId == queueId && r.Direction == direction);

    [Fact]
    public void Parse_Fixture_CountsEveryDirectionByTlsVersion()
    {
        var sink = Parse();

        Assert.Empty(sink.Problems);
        Assert.Equal(3, sink.Records.Count(r => r.Direction == Direction.Inbound));
        Assert.Equal(1, sink.Records.Count(r => r.Direction == Direction.Submission));
        Assert.Equal(2, sink.Records.Count(r => r.Direction == Direction.Outbound));
        Assert.DoesNotContain(sink.Records, r => r.LogId is "u1A0004000104" or "u1A0008000108");
    }

    [Fact]
    public void Parse_StartTlsServer_GivesInboundVersionCipherAndFields()
    {
        var s1 = ByQueueId(Parse(), "u1A0001000101", Direction.Inbound);

        Assert.Equal(TlsVersion.Tls12, s1.Tls);
        Assert.Equal("ECDHE-RSA-AES256-GCM-SHA384", s1.Cipher);
        Assert.Equal(new DateTimeOffset(2026, 3, 5, 9, 0, 1, TimeSpan.Zero), s1.Timestamp);
        Assert.Equal("mail.contoso.com", s1.RemoteHost);
        Assert.Equal("203.0.113.10", s1.RemoteIp);
        Assert.Equal("contoso.com", s1.SenderDomain);
        Assert.Equal("example.org", s1.RecipientDomain);
        Assert.Equal(3, s1.Recipients);
        Assert.Equal(4000, s1.Bytes);
        Assert.Equal("pf", s1.SourceHost);
    }

    [Fact]
    public void Parse_TlsV1SlashSslV3_IsUnknownNotTls10()
    {
        Assert.Equal(TlsVersion.Unknown, ByQueueId(Parse(), "u1A0002000102", Direction.Inbound).Tls);
    }

    [Fact]
    public void Parse_NoStartTlsOnPid_IsPlaintext()
    {
        var s3 = ByQueueId(Parse(), "u1A0003000103", Direction.Inbound);

        Assert.Equal(TlsVersion.None, s3.Tls);
        Assert.Equal("192.0.2.30", s3.RemoteIp);
    }

    [Fact]
    public void Parse_AuthServerWithQueueIdPrefixedStartTls_IsTls13Submission()
    {
        var s5 = ByQueueId(Parse(), "u1A0005000105", Direction.Submission);

        Assert.Equal(TlsVersion.Tls13, s5.Tls);
        Assert.Equal("MSA", s5.Service);
    }

    [Fact]
    public void Parse_StatSentToRelay_UsesStartTlsClientOfSamePidAndHost()
    {
        var sink = Parse();

        var s6 = ByQueueId(sink, "u1A0006000106", Direction.Outbound);
        Assert.Equal(TlsVersion.Tls13, s6.Tls);
        Assert.Equal(2, s6.Recipients);
        Assert.Equal("mx.fabrikam.com", s6.RemoteHost);
        Assert.Equal("fabrikam.com", s6.RecipientDomain);
        Assert.Equal("example.org", s6.SenderDomain);
        Assert.Equal(900, s6.Bytes);
        Assert.Equal("esmtp", s6.Service);

        var s7 = ByQueueId(sink, "u1A0007000107", Direction.Outbound);
        Assert.Equal(TlsVersion.None, s7.Tls);
    }

    [Fact]
    public void Detect_SendmailSample_BeatsPostfix()
    {
        var sample = File.ReadAllLines(Fixtures.Path("sendmail", "maillog")).Where(l => !l.StartsWith('#')).ToList();

        Assert.True(new SendmailFormat().Detect(sample) >= 0.5);
        Assert.Equal(0, new PostfixFormat().Detect(sample));
    }

    [Fact]
    public void Parse_NotSyslog_ReportsLineAndKeepsGoodLines()
    {
        var sink = new CollectingSink();
        var parser = new SendmailFormat().CreateParser(new ParseContext("inline", sink, Options));
        parser.ParseLine("garbage"u8, 1);
        parser.ParseLine("Mar  5 09:00:00 pf sm-mta[101]: STARTTLS=server, relay=a.example [192.0.2.1], version=TLSv1.2, verify=NO, cipher=X, bits=256/256"u8, 2);
        parser.ParseLine("Mar  5 09:00:01 pf sm-mta[101]: q1AAA0001: from=<a@a.example>, size=1, class=0, nrcpts=1, proto=ESMTP, daemon=MTA, relay=a.example [192.0.2.1]"u8, 3);
        parser.Complete();

        var problem = Assert.Single(sink.Problems);
        Assert.Equal(1, problem.Line);
        Assert.Equal("no syslog header", problem.Reason);
        Assert.Equal(TlsVersion.Tls12, Assert.Single(sink.Records).Tls);
    }
}
