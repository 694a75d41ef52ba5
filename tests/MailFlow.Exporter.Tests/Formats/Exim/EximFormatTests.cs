using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats.Exim;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Formats.Exim;

/// <summary>Exim main log, from Fixtures/exim/mainlog; expected numbers are in its header comment (messages A-I).</summary>
public sealed class EximFormatTests
{
    private static readonly string MainLog = Fixtures.Path("exim", "mainlog");

    [Fact]
    public void Parse_MainLog_CountsArrivalsAndRemoteDeliveries()
    {
        var (sink, result) = CollectingSink.Parse(MainLog, new EximFormat());

        Assert.Null(result.Error);
        Assert.Empty(sink.Problems);
        var inbound = sink.Records.Where(r => r.Direction == Direction.Inbound).ToList();
        Assert.Equal(5, inbound.Count);
        Assert.Equal(2, inbound.Count(r => r.Tls == TlsVersion.Tls12));
        Assert.Equal(1, inbound.Count(r => r.Tls == TlsVersion.Tls10));
        Assert.Equal(2, inbound.Count(r => r.Tls == TlsVersion.None));

        var submission = Assert.Single(sink.Records, r => r.Direction == Direction.Submission);
        Assert.Equal(TlsVersion.Tls13, submission.Tls);
        Assert.Equal("esmtpsa", submission.Service);

        var outbound = sink.Records.Where(r => r.Direction == Direction.Outbound).ToList();
        Assert.Equal(4, outbound.Count);
        Assert.Equal(2, outbound.Count(r => r.Tls == TlsVersion.Tls10));
        Assert.Equal(1, outbound.Count(r => r.Tls == TlsVersion.None));
        Assert.Equal(10, sink.Records.Count);
    }

    [Fact]
    public void Parse_DeliveryWithExtraRecipient_IsOneMessageWithTwoRecipients()
    {
        var (sink, _) = CollectingSink.Parse(MainLog, new EximFormat());

        var contoso = Assert.Single(sink.Records, r => r.Direction == Direction.Outbound && r.RemoteHost == "mail.contoso.com");
        Assert.Equal(TlsVersion.Tls13, contoso.Tls);
        Assert.Equal(2, contoso.Recipients);
        Assert.Equal("TLS_AES_256_GCM_SHA384", contoso.Cipher);
        Assert.Equal("remote_smtp", contoso.Service);
        Assert.Equal("203.0.113.10", contoso.RemoteIp);
        Assert.Equal("contoso.com", contoso.RecipientDomain);

        // The sender and size come from the message's arrival line (D: dave@example.org, S=3000).
        Assert.Equal("example.org", contoso.SenderDomain);
        Assert.Equal(3000, contoso.Bytes);
    }

    [Fact]
    public void Parse_ArrivalFields_FromHostProtocolAndSize()
    {
        var (sink, _) = CollectingSink.Parse(MainLog, new EximFormat());

        var a = Assert.Single(sink.Records, r => r.LogId == "1vAb01-000Ab1-01");
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 8, 0, 2, TimeSpan.Zero), a.Timestamp);
        Assert.Equal("mail.contoso.com", a.RemoteHost);
        Assert.Equal("203.0.113.10", a.RemoteIp);
        Assert.Equal("contoso.com", a.SenderDomain);
        Assert.Equal(5120, a.Bytes);
        Assert.Equal("ECDHE-RSA-AES256-GCM-SHA384", a.Cipher);

        var c = Assert.Single(sink.Records, r => r.LogId == "1vAb03-000Ab3-03");
        Assert.Equal("helo.example.net", c.RemoteHost);
        Assert.Equal(TlsVersion.None, c.Tls);
    }

    [Fact]
    public void Parse_ZoneFractionAndPidPrefix_ReadAsUtc()
    {
        var (sink, _) = CollectingSink.Parse(MainLog, new EximFormat());

        var h = Assert.Single(sink.Records, r => r.LogId == "1vAb08-00000000Ab8-0008");
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 8, 30, 0, 250, TimeSpan.Zero), h.Timestamp.ToUniversalTime());
        Assert.Equal(TlsVersion.Tls12, h.Tls);
    }

    [Fact]
    public void Parse_LoopbackLocalDeferredAndFailed_CountNothing()
    {
        var (sink, _) = CollectingSink.Parse(MainLog, new EximFormat());

        Assert.DoesNotContain(sink.Records, r => r.RemoteIp == "127.0.0.1");
        Assert.DoesNotContain(sink.Records, r => r.LogId == "1vAb06-000Ab6-06");
        Assert.DoesNotContain(sink.Records, r => r.RecipientDomain == "example.org" && r.Direction == Direction.Outbound);
    }

    [Fact]
    public void Detect_EximMainLog_IsExim()
    {
        var (_, result) = CollectingSink.Parse(MainLog);

        Assert.Equal("exim", result.Format);
    }

    [Fact]
    public void Parse_GarbageLines_ReportedWithLineNumbersAndGoodLinesKept()
    {
        var lines = File.ReadAllLines(MainLog).ToList();
        lines.Insert(24, "\u0001\u0002 garbage without a timestamp");
        lines.Insert(29, "26/11/2026 08:00 not an exim line");
        var path = Path.Combine(Path.GetTempPath(), $"exim-garbage-{Guid.NewGuid():N}.log");
        File.WriteAllLines(path, lines);
        try
        {
            var (sink, _) = CollectingSink.Parse(path, new EximFormat());

            Assert.Equal(10, sink.Records.Count);
            Assert.Equal([25L, 30L], sink.Problems.Select(p => p.Line));
            Assert.All(sink.Problems, p => Assert.Equal("no Exim timestamp", p.Reason));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
