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

    // Fixtures/postfix/transit-insights.log with samples/connectors.yaml (its header lists every delivery):
    // Contoso (Partner, Forced TLS) 1 anonymous of 2 = 50 %, critical from one message; "Fabrikam outbound" (Partner,
    // 10 messages) 2 untrusted = 20 % (>= 5 %) and 1 3DES = 10 % (>= 1 %); the internet delivery (untrusted, RC4)
    // raises nothing. Critical first, then the larger share.
    private static readonly string InsightsLog = Fixtures.Path("postfix", "transit-insights.log");

    private static ExporterProcess.Result ReportInsights(string output) =>
        ExporterProcess.Run(["report", "--connectors", Path.Combine(RepoPaths.Root, "samples", "connectors.yaml"), InsightsLog, "--output", output]);

    [Fact]
    public void Report_Json_TransitSecurityInsightsFromTheLog()
    {
        var json = Json(ReportInsights("json"));

        var insights = json.GetProperty("transitSecurity").GetProperty("insights").EnumerateArray().ToList();
        string Row(JsonElement i) => string.Join('|', i.GetProperty("id").GetString(), i.GetProperty("kind").GetString(), i.GetProperty("severity").GetString(),
            i.GetProperty("direction").GetString(), i.GetProperty("connector").GetString(), i.GetProperty("connectorType").GetString(), i.GetProperty("messages").GetInt64(),
            i.GetProperty("connectorMessages").GetInt64(), i.GetProperty("sharePercent").GetDouble(), i.GetProperty("thresholdPercent").GetDouble());
        Assert.Equal(
        [
            "OutboundForcedTlsUnverifiedPeers|ForcedTlsUnverifiedPeers|critical|outbound|Contoso|Partner|1|2|50|0",
            "OutboundPartnerUnverifiedCertificates|PartnerUnverifiedCertificates|warning|outbound|Fabrikam outbound|Partner|2|10|20|5",
            "OutboundPartnerWeakCiphers|WeakCiphers|warning|outbound|Fabrikam outbound|Partner|1|10|10|1",
        ], insights.Select(Row));
        Assert.Equal("Forced TLS connector with unverified peers", insights[0].GetProperty("title").GetString());
        Assert.Equal("Weak ciphers on a Partner connector", insights[2].GetProperty("title").GetString());
        Assert.All(insights, i => Assert.False(string.IsNullOrWhiteSpace(i.GetProperty("advice").GetString())));

        // The TLS-version insights are another list: TLS 1.2 and 1.3 only on the Partner connectors, no plaintext.
        Assert.Equal(0, json.GetProperty("insights").GetArrayLength());
    }

    [Fact]
    public void Report_Table_TransitSecurityInsightsFromTheLog()
    {
        var result = ReportInsights("table");
        Assert.True(result.ExitCode == 0, result.StdErr);

        var section = result.StdOut[result.StdOut.IndexOf("Transit security insights", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n\n", StringComparison.Ordinal)];
        var lines = section.Split('\n');
        Assert.Equal(1 + 3 * 2, lines.Length); // the heading, then each insight and its advice
        Assert.Equal("  [critical] Forced TLS connector with unverified peers: outbound 'Contoso' (Partner): 1 of 2 messages (50%)", lines[1]);
        Assert.Equal("  [warning] Outbound Partner connector delivering to unverified certificates: outbound 'Fabrikam outbound' (Partner): 2 of 10 messages (20%; threshold 5%)", lines[3]);
        Assert.Equal("  [warning] Weak ciphers on a Partner connector: outbound 'Fabrikam outbound' (Partner): 1 of 10 messages (10%; threshold 1%)", lines[5]);
        Assert.StartsWith("      Disable RC4, 3DES", lines[6], StringComparison.Ordinal);
    }

    [Fact]
    public void Report_Csv_TransitSecurityInsightsFromTheLog()
    {
        var result = ReportInsights("csv");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        // Titles have no comma; the advice (quoted, with commas) is the last column, so the first 21 fields split plainly.
        var header = lines[0].Split(',');
        var rows = lines.Where(l => l.StartsWith("security-insight,", StringComparison.Ordinal)).Select(l => l.Split(',')).ToList();
        string Field(string[] row, string column) => row[Array.IndexOf(header, column)];
        Assert.Equal(
        [
            "OutboundForcedTlsUnverifiedPeers critical outbound Contoso Partner 1 2 50 0 Forced TLS connector with unverified peers",
            "OutboundPartnerUnverifiedCertificates warning outbound Fabrikam outbound Partner 2 10 20 5 Outbound Partner connector delivering to unverified certificates",
            "OutboundPartnerWeakCiphers warning outbound Fabrikam outbound Partner 1 10 10 1 Weak ciphers on a Partner connector",
        ], rows.Select(r => string.Join(' ', Field(r, "reason"), Field(r, "severity"), Field(r, "direction"), Field(r, "connector"), Field(r, "connector_type"),
            Field(r, "messages"), Field(r, "total"), Field(r, "percent"), Field(r, "threshold_percent"), Field(r, "title"))));
        Assert.All(rows, r => Assert.StartsWith("\"", Field(r, "advice"), StringComparison.Ordinal));
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
