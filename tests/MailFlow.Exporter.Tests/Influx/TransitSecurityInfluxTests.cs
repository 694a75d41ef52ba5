using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Tailing;
using MailFlow.Exporter.Tests.Influx.Support;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Influx;

/// <summary>
/// The transit-security, blocked and security-peers measurements through the real program into the real influxd, their rollup
/// tiers, and the daemon's checkpoint carrying them (old checkpoints without them still load).
/// </summary>
[Collection(InfluxCollection.Name)]
public sealed class TransitSecurityInfluxTests(InfluxFixture influx) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mailflow-security-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // Hand-written: 3 outbound deliveries (verified/strong to partner.example, untrusted/legacy to other.example,
    // plaintext to plain.example) and 3 deliveries stopped by a policy: strict.example twice (a retry of the same
    // message: one blocked delivery) for "TLS is required, but was not offered", dane.example once for a TLSA error,
    // and partner.example once for "Server certificate not verified". Then one more outbound delivery, to old.example
    // with RC4 (a weak cipher, anonymous): the only message with a concern (the untrusted one to other.example went
    // through the internet connector, which is not expected to verify), so the only security-peers point.
    private static readonly string[] Log =
    [
        "2026-03-01T10:00:00Z mx1 postfix/smtp[5]: Verified TLS connection established to mx.partner.example[198.51.100.1]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
        "2026-03-01T10:00:01Z mx1 postfix/smtp[5]: AAAAA11111: to=<a@partner.example>, relay=mx.partner.example[198.51.100.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)",
        "2026-03-01T10:00:02Z mx1 postfix/smtp[6]: Untrusted TLS connection established to mx.other.example[198.51.100.2]:25: TLSv1.2 with cipher AES128-SHA (128/128 bits)",
        "2026-03-01T10:00:03Z mx1 postfix/smtp[6]: BBBBB22222: to=<b@other.example>, relay=mx.other.example[198.51.100.2]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)",
        "2026-03-01T10:00:04Z mx1 postfix/smtp[7]: CCCCC33333: to=<c@plain.example>, relay=mx.plain.example[198.51.100.3]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)",
        "2026-03-01T10:00:05Z mx1 postfix/qmgr[2]: AAAAA11111: removed",
        "2026-03-01T10:00:05Z mx1 postfix/qmgr[2]: BBBBB22222: removed",
        "2026-03-01T10:00:05Z mx1 postfix/qmgr[2]: CCCCC33333: removed",
        "2026-03-01T10:04:06Z mx1 postfix/smtp[12]: Anonymous TLS connection established to mx.old.example[198.51.100.4]:25: TLSv1 with cipher RC4-SHA (128/128 bits)",
        "2026-03-01T10:04:07Z mx1 postfix/smtp[12]: GGGGG77777: to=<g@old.example>, relay=mx.old.example[198.51.100.4]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)",
        "2026-03-01T10:04:08Z mx1 postfix/qmgr[2]: GGGGG77777: removed",
        "2026-03-01T10:01:00Z mx1 postfix/smtp[8]: DDDDD44444: to=<d@strict.example>, relay=mx.strict.example[192.0.2.5]:25, delay=1, delays=0/0/1/0, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mx.strict.example[192.0.2.5])",
        "2026-03-01T11:01:00Z mx1 postfix/smtp[9]: DDDDD44444: to=<d@strict.example>, relay=mx.strict.example[192.0.2.5]:25, delay=3601, delays=3600/0/1/0, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mx.strict.example[192.0.2.5])",
        "2026-03-01T10:02:00Z mx1 postfix/smtp[10]: EEEEE55555: to=<e@dane.example>, relay=none, delay=1, delays=0/0/1/0, dsn=4.7.5, status=deferred (TLSA lookup error for mx.dane.example:25)",
        "2026-03-01T10:03:00Z mx1 postfix/smtp[11]: FFFFF66666: to=<f@partner.example>, relay=mx.partner.example[198.51.100.1]:25, delay=1, delays=0/0/1/0, dsn=4.7.5, status=deferred (Server certificate not verified)",
    ];

    [Fact]
    public void Ingest_WritesSecurityAndBlockedMeasurementsWithTheirTiers_Twice()
    {
        var database = influx.NewDatabase("security");
        var path = Path.Combine(_directory, "mail.log");
        File.WriteAllLines(path, Log);
        string[] arguments = ["ingest", path, "--format", "postfix", "--timezone", "UTC", "--influx-url", influx.Server.Url.ToString(), "--influx-database", database];

        var first = ExporterProcess.Run(arguments);
        var second = ExporterProcess.Run(arguments);

        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.True(second.ExitCode == 0, second.StdErr);
        Assert.Contains("records   4 messages", first.StdOut, StringComparison.Ordinal); // the blocked deliveries are not messages
        Assert.Equal(4, influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database));
        Assert.Equal(4, influx.Scalar("SELECT sum(messages) FROM mailflow_security", database));
        Assert.Equal(1, influx.Scalar("SELECT sum(messages) FROM mailflow_security WHERE auth = 'anonymous' AND cipher = 'weak'", database));
        Assert.Equal(1, influx.Scalar("SELECT sum(messages) FROM mailflow_security WHERE auth = 'verified' AND cipher = 'strong'", database));
        Assert.Equal(1, influx.Scalar("SELECT sum(messages) FROM mailflow_security WHERE auth = 'untrusted' AND cipher = 'legacy'", database));
        Assert.Equal(1, influx.Scalar("SELECT sum(messages) FROM mailflow_security WHERE auth = 'none' AND cipher = 'none'", database));
        Assert.Equal(3, influx.Scalar("SELECT sum(messages) FROM mailflow_blocked", database));
        Assert.Equal(1, influx.Scalar("SELECT sum(messages) FROM mailflow_blocked WHERE recipient_domain = 'strict.example' AND reason = 'tls-not-offered'", database));
        Assert.Equal(1, influx.Scalar("SELECT sum(messages) FROM mailflow_blocked WHERE recipient_domain = 'dane.example' AND reason = 'dane'", database));
        Assert.Equal(1, influx.Scalar("SELECT sum(messages) FROM mailflow_blocked WHERE recipient_domain = 'partner.example' AND reason = 'certificate-not-verified'", database));
        // last_seen of strict.example: its first (counted) deferral, 10:01.
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 1, 0, TimeSpan.Zero).ToUnixTimeSeconds(),
            influx.Scalar("SELECT max(last_seen) FROM mailflow_blocked_1d WHERE recipient_domain = 'strict.example'", database));
        Assert.Equal(3, influx.Scalar("SELECT sum(messages) FROM mailflow_blocked_1d", database));
        Assert.Equal(4, influx.Scalar("SELECT sum(messages) FROM mailflow_security_1h", database));
        // Security peers: old.example's one message, once although ingested twice, in the minutes and every tier; last seen 10:04.
        Assert.Equal(1, influx.Scalar("SELECT sum(messages) FROM mailflow_security_peers", database));
        Assert.Equal(1, influx.Scalar(
            "SELECT sum(messages) FROM mailflow_security_peers WHERE peer = 'old.example' AND concern = 'weak-cipher' AND auth = 'anonymous' AND cipher = 'weak' AND direction = 'outbound' AND source = 'mx1'", database));
        Assert.Equal(1, influx.Scalar("SELECT sum(messages) FROM mailflow_security_peers_1d", database));
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 4, 0, TimeSpan.Zero).ToUnixTimeSeconds(),
            influx.Scalar("SELECT max(last_seen) FROM mailflow_security_peers_1h WHERE peer = 'old.example'", database));
        TierCheck.AssertTiersMatchMinutes(influx, database, new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Checkpoint_CarriesSecurityAndBlockedTotals_AndOldCheckpointsLoad()
    {
        var minute = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);
        var partner = new ConnectorInfo("Contoso", ConnectorType.Partner, true);
        var checkpoint = new Checkpoint();
        checkpoint.Totals.Add(new SeriesPoint(minute, new SeriesKey(Direction.Inbound, partner, TlsVersion.Tls12, "mx1"), new Counts(5, 6, 700)));
        checkpoint.Totals.Add(new SecurityPoint(minute, new SecurityKey(Direction.Inbound, partner, TransitAuth.Untrusted, CipherClass.Legacy, "mx1"), new Counts(5, 6, 700)));
        checkpoint.Totals.Add(new BlockedPoint(minute, new BlockedKey(ConnectorInfo.OutboundInternet, BlockReason.MtaSts, "mx1", "sts.example"), new Counts(2, 2, 0)));
        checkpoint.Totals.Add(new SecurityPeerPoint(minute, new SecurityPeerKey(Direction.Inbound, partner, SecurityConcern.UnverifiedCertificate, TransitAuth.Untrusted, CipherClass.Legacy, "mx1", "contoso.com"), new Counts(5, 6, 700)));
        var path = Path.Combine(_directory, "checkpoint.json");
        checkpoint.Save(path);

        var loaded = Checkpoint.Load(path);

        var security = Assert.Single(loaded.Totals.Security);
        Assert.Equal((TransitAuth.Untrusted, CipherClass.Legacy, "Contoso", ConnectorType.Partner, true, 5L), (security.Key.Auth, security.Key.Cipher, security.Key.Connector.Name, security.Key.Connector.Type, security.Key.Connector.ForcedTls, security.Counts.Messages));
        var blocked = Assert.Single(loaded.Totals.Blocked);
        Assert.Equal((BlockReason.MtaSts, "sts.example", ConnectorInfo.OutboundInternet, 2L), (blocked.Key.Reason, blocked.Key.Domain, blocked.Key.Connector, blocked.Counts.Messages));
        var peer = Assert.Single(loaded.Totals.SecurityPeers);
        Assert.Equal(("contoso.com", SecurityConcern.UnverifiedCertificate, TransitAuth.Untrusted, CipherClass.Legacy, "Contoso", true, 5L), (peer.Key.Peer, peer.Key.Concern, peer.Key.Auth, peer.Key.Cipher, peer.Key.Connector.Name, peer.Key.Connector.ForcedTls, peer.Counts.Messages));
        Assert.Equal(4, loaded.Totals.PointCount);

        // A checkpoint of an exporter before transit security: no "security" or "blocked" arrays.
        var old = File.ReadAllText(path);
        var cut = old.IndexOf(",\"security\":", StringComparison.Ordinal);
        Assert.True(cut > 0);
        File.WriteAllText(path, old[..cut] + "}");
        var fromOld = Checkpoint.Load(path);
        Assert.Single(fromOld.Totals.Series);
        Assert.Empty(fromOld.Totals.Security);
        Assert.Empty(fromOld.Totals.SecurityPeers);
    }
}
