using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Records;
using MailFlow.Exporter.Tests.Support;
using MailFlow.Testing;

namespace MailFlow.Exporter.Tests.Formats;

/// <summary>
/// Every sample log carries a few messages of each auth level and cipher class its format can express, and the
/// deliveries stopped by a TLS policy (samples/tools/*.py choose them per peer, see their headers).
/// </summary>
public sealed class SampleTransitSecurityTests
{
    private static List<MailRecord> Records(params string[] files) =>
        files.SelectMany(f => CollectingSink.Parse(Path.Combine(RepoPaths.Root, "samples", "logs", f), options: new MailFlow.Exporter.Formats.ParseOptions { TimeZone = TimeZoneInfo.Utc, Year = 2026 }).Sink.Records).ToList();

    private static void AssertCarries(List<MailRecord> records, TransitAuth[] auth, CipherClass[] ciphers)
    {
        var messages = records.Where(r => r.Blocked == BlockReason.None).ToList();
        Assert.All(auth, a => Assert.Contains(messages, r => r.Auth == a));
        Assert.All(ciphers, c => Assert.Contains(messages, r => r.CipherClass == c));
    }

    private static readonly CipherClass[] AllCiphers = [CipherClass.Strong, CipherClass.Legacy, CipherClass.Weak, CipherClass.None];

    [Fact]
    public void Postfix_EveryTrustWordCipherClassAndBlockedReason()
    {
        var records = Records("postfix/mail.log");

        AssertCarries(records, [TransitAuth.Verified, TransitAuth.Trusted, TransitAuth.Untrusted, TransitAuth.Anonymous, TransitAuth.None], AllCiphers);
        // grep -c 'Anonymous TLS connection established from mx.oldbank.example.*DES-CBC3-SHA' => 17 sessions, one message each.
        Assert.Equal(17, records.Count(r => r.CipherClass == CipherClass.Weak));
        // One deferral a day to strict.example and sts.example (7 days), dane.example on days 0, 2, 4, 6.
        Assert.Equal(7, records.Count(r => r.Blocked == BlockReason.TlsNotOffered && r.RecipientDomain == "strict.example"));
        Assert.Equal(7, records.Count(r => r.Blocked == BlockReason.CertificateNotVerified && r.RecipientDomain == "sts.example"));
        Assert.Equal(4, records.Count(r => r.Blocked == BlockReason.Dane && r.RecipientDomain == "dane.example"));
    }

    [Fact]
    public void Sendmail_EveryVerifyValueCipherClassAndBlockedReason()
    {
        var records = Records("sendmail/maillog");

        AssertCarries(records, [TransitAuth.Trusted, TransitAuth.Untrusted, TransitAuth.Anonymous], [CipherClass.Strong, CipherClass.Legacy, CipherClass.Weak]);
        // grep -c 'STARTTLS=server, relay=mx.oldbank.example.*cipher=DES-CBC3-SHA' => 22, each followed by one from= line.
        Assert.Equal(22, records.Count(r => r.CipherClass == CipherClass.Weak));
        Assert.Equal(7, records.Count(r => r.Blocked == BlockReason.TlsHandshake));
    }

    [Fact]
    public void Exim_EveryCvValueCipherClassAndBlockedReason()
    {
        var records = Records("exim/mainlog");

        AssertCarries(records, [TransitAuth.Verified, TransitAuth.Trusted, TransitAuth.Untrusted, TransitAuth.Unknown, TransitAuth.None], [CipherClass.Strong, CipherClass.Legacy]);
        Assert.Equal([BlockReason.TlsNotOffered, BlockReason.Dane], records.Where(r => r.Blocked != BlockReason.None).Select(r => r.Blocked).Order());
    }

    [Fact]
    public void Exchange_CipherClassesFromSchannel_AuthNeverGuessed()
    {
        var records = Records("exchange/SMTPRECV2026112700-1.LOG", "exchange/SMTPSEND2026112700-1.LOG");

        AssertCarries(records, [TransitAuth.Unknown, TransitAuth.None], AllCiphers);
        Assert.DoesNotContain(records, r => r.Auth is TransitAuth.Verified or TransitAuth.Trusted or TransitAuth.Untrusted or TransitAuth.Anonymous);
    }

    [Fact]
    public void Csv_AuthColumnAndCipherNames()
    {
        var records = Records("csv/mailflow.csv");

        AssertCarries(records, [TransitAuth.Verified, TransitAuth.Trusted, TransitAuth.Untrusted, TransitAuth.Anonymous, TransitAuth.None], AllCiphers);
        // awk: the 4 outbound TLSv1.1 rows name DES-CBC3-SHA (weak); the 25 TLSv1 rows AES256-SHA (legacy).
        Assert.Equal(4, records.Count(r => r.CipherClass == CipherClass.Weak));
        Assert.Equal(25, records.Count(r => r.CipherClass == CipherClass.Legacy));
    }
}
