using System.Text.Json;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Pipeline;
using MailFlow.Exporter.Records;
using MailFlow.Exporter.Report;
using MailFlow.Exporter.Tests.Support;
using MailFlow.Testing;

namespace MailFlow.Exporter.Tests.Report;

/// <summary>The report's "Transit security" section: from the real corpus through the CLI, and from records built by hand.</summary>
public sealed class TransitSecurityReportTests
{
    private static readonly ConnectorSet Connectors = ConnectorSet.Load(Path.Combine(RepoPaths.Root, "samples", "connectors.yaml"));
    private static readonly DateTimeOffset Day = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    private static JsonElement Json(ExporterProcess.Result result)
    {
        Assert.True(result.ExitCode == 0, result.StdErr);
        return JsonDocument.Parse(result.StdOut).RootElement;
    }

    // The corpus's expected numbers are derived in Formats/Postfix/PostfixCorpusTests.cs (the awk over the smtpd
    // sessions and the trust word of each summary): inbound 159 = anonymous 141 + none 18, cipher strong 129,
    // legacy 12 (ECDHE-RSA-AES128-SHA256), none 18; submission 16 anonymous and strong; outbound 3 trusted and strong.
    // grep -cE 'TLS is required|Server certificate not (verified|trusted)|TLSA|MTA-STS|Cannot start TLS' x => 0: nothing blocked;
    // and every outbound delivery used TLS, so no recipient domain is listed as not supporting it.
    [Fact]
    public void Report_Corpus_AuthAndCipherByDirectionEqualTheLog()
    {
        var json = Json(ExporterProcess.Run(["report", RepoPaths.PostfixCorpus, "--output", "json", "--from", "2023-03-01T00:00:00Z", "--to", "2023-04-01T00:00:00Z"]));

        var security = json.GetProperty("transitSecurity");
        var directions = security.GetProperty("directions");
        long Auth(string direction, string level) => directions.GetProperty(direction).GetProperty("auth").GetProperty(level).GetProperty("messages").GetInt64();
        long Cipher(string direction, string cls) => directions.GetProperty(direction).GetProperty("cipher").GetProperty(cls).GetProperty("messages").GetInt64();

        Assert.Equal(159, directions.GetProperty("inbound").GetProperty("messages").GetInt64());
        Assert.Equal(141, Auth("inbound", "anonymous"));
        Assert.Equal(18, Auth("inbound", "none"));
        Assert.Equal(0, Auth("inbound", "verified") + Auth("inbound", "trusted") + Auth("inbound", "untrusted") + Auth("inbound", "unknown"));
        Assert.Equal(129, Cipher("inbound", "strong"));
        Assert.Equal(12, Cipher("inbound", "legacy"));
        Assert.Equal(18, Cipher("inbound", "none"));
        Assert.Equal(0, Cipher("inbound", "weak") + Cipher("inbound", "unknown"));
        Assert.Equal(16, Auth("submission", "anonymous"));
        Assert.Equal(16, Cipher("submission", "strong"));
        Assert.Equal(3, Auth("outbound", "trusted"));
        Assert.Equal(3, Cipher("outbound", "strong"));
        Assert.Equal(7.55, directions.GetProperty("inbound").GetProperty("cipher").GetProperty("legacy").GetProperty("percent").GetDouble()); // 12 / 159 = 7.547%

        // Every connector here is an internet one (no connectors file): nothing should verify, no cipher is weak.
        Assert.Equal(0, security.GetProperty("peers").GetArrayLength());
        Assert.Equal(0, security.GetProperty("blocked").GetArrayLength());
        Assert.Equal(0, security.GetProperty("noTlsDomains").GetArrayLength());
    }

    [Fact]
    public void Report_Corpus_CsvCarriesTheSameCountsWithTheHeaderColumns()
    {
        var result = ExporterProcess.Run(["report", RepoPaths.PostfixCorpus, "--output", "csv", "--from", "2023-03-01T00:00:00Z", "--to", "2023-04-01T00:00:00Z"]);
        Assert.True(result.ExitCode == 0, result.StdErr);
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.All(lines, line => Assert.Equal(CsvReportWriter.Header.Count(c => c == ','), line.Count(c => c == ',')));
        // section,date,direction,connector,...,messages(7),percent(8),...,auth(14),cipher(15),reason(16)
        var security = lines.Select(l => l.Split(',')).Where(f => f[0] == "security" && f[3].Length == 0).ToList();
        Assert.Equal("141", Assert.Single(security, f => f[2] == "inbound" && f[14] == "anonymous")[7]);
        Assert.Equal("12", Assert.Single(security, f => f[2] == "inbound" && f[15] == "legacy")[7]);
        Assert.Equal("3", Assert.Single(security, f => f[2] == "outbound" && f[14] == "trusted")[7]);
    }

    [Fact]
    public void Report_Table_HasTheTransitSecuritySection()
    {
        var result = ExporterProcess.Run(["report", RepoPaths.PostfixCorpus, "--from", "2023-03-01T00:00:00Z", "--to", "2023-04-01T00:00:00Z"]);
        Assert.True(result.ExitCode == 0, result.StdErr);

        Assert.Contains("Transit security (messages by how the other server was authenticated", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("Messages blocked by a TLS policy", result.StdOut, StringComparison.Ordinal);
        // inbound: 141 of 159 anonymous = 88.7%, 18 plaintext = 11.3%.
        Assert.Matches(@"inbound\s+159\s+0\.0%\s+0\.0%\s+0\.0%\s+88\.7%\s+11\.3%", result.StdOut);
    }

    private static MailRecord Mail(Direction direction, TlsVersion tls, TransitAuth auth, CipherClass cipher, string? sender = null, string? recipient = null, string? host = null, string? ip = null, BlockReason blocked = BlockReason.None) => new()
    {
        Timestamp = Day,
        Direction = direction,
        Tls = tls,
        Auth = auth,
        CipherClass = cipher,
        SenderDomain = sender,
        RecipientDomain = recipient,
        RemoteHost = host,
        RemoteIp = ip,
        Recipients = 1,
        SourceHost = "mx1",
        Blocked = blocked,
    };

    private static ReportModel Build(IEnumerable<MailRecord> records)
    {
        var aggregator = new MailFlowAggregator(Connectors, TimeSpan.FromDays(1));
        foreach (var record in records)
        {
            aggregator.OnRecord(record);
        }

        return ReportBuilder.Build(new BatchResult(aggregator, []), null, null, new InsightSettings());
    }

    [Fact]
    public void Build_PeersBlockedAndPlaintextDomains()
    {
        var report = Build(
        [
            // Fabrikam (inbound Partner): 3 untrusted (listed: a Partner should verify), 1 verified.
            Mail(Direction.Inbound, TlsVersion.Tls12, TransitAuth.Untrusted, CipherClass.Strong, sender: "fabrikam.com", host: "mx.fabrikam.com", ip: "198.51.100.20"),
            Mail(Direction.Inbound, TlsVersion.Tls12, TransitAuth.Untrusted, CipherClass.Strong, sender: "fabrikam.com", host: "mx.fabrikam.com", ip: "198.51.100.20"),
            Mail(Direction.Inbound, TlsVersion.Tls12, TransitAuth.Untrusted, CipherClass.Strong, sender: "fabrikam.com", host: "mx.fabrikam.com", ip: "198.51.100.20"),
            Mail(Direction.Inbound, TlsVersion.Tls12, TransitAuth.Verified, CipherClass.Strong, sender: "fabrikam.com", host: "mx.fabrikam.com", ip: "198.51.100.20"),
            // Internet: anonymous is normal inbound (not listed); a weak cipher is listed whatever the connector.
            Mail(Direction.Inbound, TlsVersion.Tls12, TransitAuth.Anonymous, CipherClass.Strong, sender: "a.example", host: "mx.a.example", ip: "192.0.2.1"),
            Mail(Direction.Inbound, TlsVersion.Tls10, TransitAuth.Anonymous, CipherClass.Weak, sender: "old.example", host: "mx.old.example", ip: "192.0.2.2"),
            // Outbound plaintext to two domains (2 + 1), and three blocked deliveries (not messages).
            Mail(Direction.Outbound, TlsVersion.None, TransitAuth.None, CipherClass.None, recipient: "plain.example", host: "mx.plain.example", ip: "192.0.2.3"),
            Mail(Direction.Outbound, TlsVersion.None, TransitAuth.None, CipherClass.None, recipient: "plain.example", host: "mx.plain.example", ip: "192.0.2.3"),
            Mail(Direction.Outbound, TlsVersion.None, TransitAuth.None, CipherClass.None, recipient: "other.example", host: "mx.other.example", ip: "192.0.2.4"),
            Mail(Direction.Outbound, TlsVersion.None, TransitAuth.None, CipherClass.None, recipient: "strict.example", host: "mx.strict.example", ip: "192.0.2.5", blocked: BlockReason.TlsNotOffered),
            Mail(Direction.Outbound, TlsVersion.None, TransitAuth.None, CipherClass.None, recipient: "strict.example", host: "mx.strict.example", ip: "192.0.2.5", blocked: BlockReason.TlsNotOffered),
            Mail(Direction.Outbound, TlsVersion.None, TransitAuth.None, CipherClass.None, recipient: "dane.example", host: "mx.dane.example", ip: "192.0.2.6", blocked: BlockReason.Dane),
        ]);

        var security = report.TransitSecurity;
        Assert.Equal(6, security.Directions[Direction.Inbound].Messages);
        Assert.Equal(3, security.Directions[Direction.Outbound].Messages); // blocked deliveries are not messages
        Assert.Equal(9, report.Input.Records);
        var fabrikam = Assert.Single(security.Connectors, c => c.Name == "Fabrikam");
        Assert.Equal(75, fabrikam.Total.Percent(TransitAuth.Untrusted));
        Assert.Equal(25, fabrikam.Total.Percent(TransitAuth.Verified));

        Assert.Equal(2, security.Peers.Count);
        Assert.Equal(("old.example", SecurityConcern.WeakCipher, 1L), (security.Peers[0].Peer, security.Peers[0].Concern, security.Peers[0].Messages));
        Assert.Equal(("fabrikam.com", SecurityConcern.UnverifiedCertificate, 3L, "Fabrikam"), (security.Peers[1].Peer, security.Peers[1].Concern, security.Peers[1].Messages, security.Peers[1].Connector));

        Assert.Equal([("strict.example", BlockReason.TlsNotOffered, 2L), ("dane.example", BlockReason.Dane, 1L)], security.Blocked.Select(b => (b.Domain, b.Reason, b.Deliveries)));
        Assert.Equal([("plain.example", 2L), ("other.example", 1L)], security.NoTlsDomains.Select(d => (d.Domain, d.Messages)));
    }
}
