using System.Text.Json;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Pipeline;
using MailFlow.Exporter.Records;
using MailFlow.Exporter.Report;
using MailFlow.Testing;

namespace MailFlow.Exporter.Tests.Report;

/// <summary>
/// The report from records built by hand: 10 days of mail (2026-11-17 .. 2026-11-26), so the default window must
/// keep only the last 7 days (2026-11-20 .. 2026-11-26).
/// </summary>
public sealed class ReportBuilderTests
{
    private static readonly ConnectorSet Connectors = ConnectorSet.Load(Path.Combine(RepoPaths.Root, "samples", "connectors.yaml"));
    private static readonly DateTimeOffset Day0 = new(2026, 11, 17, 0, 0, 0, TimeSpan.Zero);

    private static MailRecord Mail(int day, Direction direction, TlsVersion tls, string? sender = null, string? recipient = null, string? host = null, string? ip = null, int recipients = 1, string source = "mx1", int hour = 10) => new()
    {
        Timestamp = Day0.AddDays(day).AddHours(hour),
        Direction = direction,
        Tls = tls,
        SenderDomain = sender,
        RecipientDomain = recipient,
        RemoteHost = host,
        RemoteIp = ip,
        Recipients = recipients,
        Bytes = 1000,
        SourceHost = source,
    };

    private static ReportModel Build(IEnumerable<MailRecord> records, InsightSettings? settings = null, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        var aggregator = new MailFlowAggregator(Connectors, TimeSpan.FromDays(1), from, to);
        foreach (var record in records)
        {
            aggregator.OnRecord(record);
        }

        return ReportBuilder.Build(new BatchResult(aggregator, []), from, to, settings ?? new InsightSettings());
    }

    private static IEnumerable<MailRecord> Week()
    {
        // Days 0-2 fall outside the default window: 5 internet TLS 1.3 messages each (15 in all) must not count.
        for (var day = 0; day < 3; day++)
        {
            for (var i = 0; i < 5; i++)
            {
                yield return Mail(day, Direction.Inbound, TlsVersion.Tls13, sender: "old.example", host: "old.example", ip: "192.0.2.9");
            }
        }

        // Day 3 (2026-11-20): Fabrikam (inbound Partner): 8 TLS 1.2 + 2 TLS 1.0 = 10 messages, 20% TLS 1.0.
        for (var i = 0; i < 8; i++)
        {
            yield return Mail(3, Direction.Inbound, TlsVersion.Tls12, sender: "fabrikam.com", host: "mx.fabrikam.com", ip: "198.51.100.20");
        }

        yield return Mail(3, Direction.Inbound, TlsVersion.Tls10, sender: "fabrikam.com", host: "mx.fabrikam.com", ip: "198.51.100.20");
        yield return Mail(9, Direction.Inbound, TlsVersion.Tls10, sender: "fabrikam.com", host: "mx2.fabrikam.com", ip: "198.51.100.21");

        // Day 5: on-premises relay (Forced TLS) sends 1 plaintext + 3 TLS 1.2 inbound.
        yield return Mail(5, Direction.Inbound, TlsVersion.None, sender: "example.com", ip: "10.1.2.3");
        for (var i = 0; i < 3; i++)
        {
            yield return Mail(5, Direction.Inbound, TlsVersion.Tls12, sender: "example.com", ip: "10.1.2.3");
        }

        // Day 9 (2026-11-26): 4 outbound to the internet, TLS 1.3, 2 recipients each; 1 submission TLS 1.2.
        for (var i = 0; i < 4; i++)
        {
            yield return Mail(9, Direction.Outbound, TlsVersion.Tls13, recipient: "gmx.de", host: "mx01.gmx.net", ip: "212.227.17.5", recipients: 2);
        }

        yield return Mail(9, Direction.Submission, TlsVersion.Tls12, sender: "example.com", host: "laptop", ip: "192.0.2.50");
    }

    [Fact]
    public void Build_DefaultWindow_KeepsTheLastSevenDaysOfData()
    {
        var report = Build(Week());

        Assert.Equal(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero), report.Window!.From);
        // Inbound in window: Fabrikam 10 + on-prem 4 = 14; the 15 older messages are out.
        Assert.Equal(14, report.Directions[Direction.Inbound].Total);
        Assert.Equal(2, report.Directions[Direction.Inbound][TlsVersion.Tls10]);
        Assert.Equal(1, report.Directions[Direction.Inbound][TlsVersion.None]);
        Assert.Equal(4, report.Directions[Direction.Outbound].Total);
        Assert.Equal(8, report.Directions[Direction.Outbound].Recipients);
        Assert.Equal(1, report.Directions[Direction.Submission].Total);
        Assert.DoesNotContain(report.Days, d => d.Date < new DateOnly(2026, 11, 20));
    }

    [Fact]
    public void Build_ConnectorRows_CarryTypeForcedTlsAndShares()
    {
        var report = Build(Week());

        var fabrikam = Assert.Single(report.Connectors, c => c.Name == "Fabrikam");
        Assert.Equal((ConnectorType.Partner, false, Direction.Inbound, 10L), (fabrikam.Type, fabrikam.ForcedTls, fabrikam.Direction, fabrikam.Total.Total));
        Assert.Equal(20.0, fabrikam.Total.Percent(TlsVersion.Tls10), 6);
        Assert.Equal(2, fabrikam.Days.Count); // 2026-11-20 and 2026-11-26

        var relay = Assert.Single(report.Connectors, c => c.Name == "On-premises relay");
        Assert.True(relay.ForcedTls);
        Assert.Equal(25.0, relay.Total.Percent(TlsVersion.None), 6);

        Assert.Single(report.Connectors, c => c.Name == ConnectorTypes.OutboundWithoutConnector && c.Total.Total == 4);
    }

    [Fact]
    public void Build_Insights_FlagPartnerTls10AndPlaintextOnForcedTls()
    {
        var report = Build(Week());

        var tls10 = Assert.Single(report.Insights, i => i.Id == "InboundPartnerTls10");
        Assert.Equal("Inbound Partner connector seeing significant TLS1.0 mail flow", tls10.Title);
        Assert.Equal(("Fabrikam", 2L, 10L), (tls10.Connector, tls10.Messages, tls10.TotalMessages));
        var plaintext = Assert.Single(report.Insights, i => i.Id == "InboundPlaintextOnForcedTlsConnector");
        Assert.Equal("On-premises relay", plaintext.Connector);
        Assert.Equal(2, report.Insights.Count);
    }

    [Fact]
    public void Build_ThresholdsAboveTheShareOrVolume_SilenceTheTls10Insight()
    {
        // Fabrikam's share is 20%: a 25% threshold silences it; so does requiring 11 messages (it has 10).
        Assert.DoesNotContain(Build(Week(), new InsightSettings { Tls10Percent = 25 }).Insights, i => i.Id == "InboundPartnerTls10");
        Assert.DoesNotContain(Build(Week(), new InsightSettings { MinMessages = 11 }).Insights, i => i.Id == "InboundPartnerTls10");
    }

    [Fact]
    public void Build_LegacyPeers_ListDomainCountAndLastHost()
    {
        var report = Build(Week());

        var fabrikam = Assert.Single(report.Peers, p => p.Peer == "fabrikam.com");
        Assert.Equal((TlsVersion.Tls10, 2L, "mx2.fabrikam.com"), (fabrikam.Tls, fabrikam.Messages, fabrikam.Host));
        Assert.Equal(Day0.AddDays(9).AddHours(10), fabrikam.LastSeen);
        Assert.Equal(["mx1"], fabrikam.Sources);
        var plaintext = Assert.Single(report.Peers, p => p.Tls == TlsVersion.None);
        Assert.Equal("example.com", plaintext.Peer);
        Assert.Equal(2, report.Peers.Count); // TLS 1.2/1.3 peers are not legacy
    }

    [Fact]
    public void Build_LegacyPeerOnTwoMailServers_IsOneRowWithBothAndTheSum()
    {
        // fabrikam.com on TLS 1.0 through two servers: 3 messages via mx2 (the latest on day 8 at 15:00, from
        // mx3.fabrikam.com) and 2 via mx1 (day 8 at 10:00) -> one row: 5 messages, last seen day 8 15:00 from mx3.
        // litware.example has 4 messages on one server: ranked below fabrikam's 5 only once fabrikam is merged
        // (each of fabrikam's servers alone has fewer than 4).
        MailRecord[] records =
        [
            Mail(8, Direction.Inbound, TlsVersion.Tls10, sender: "fabrikam.com", host: "mx.fabrikam.com", ip: "198.51.100.20", source: "mx2", hour: 9),
            Mail(8, Direction.Inbound, TlsVersion.Tls10, sender: "fabrikam.com", host: "mx.fabrikam.com", ip: "198.51.100.20", source: "mx2", hour: 11),
            Mail(8, Direction.Inbound, TlsVersion.Tls10, sender: "fabrikam.com", host: "mx3.fabrikam.com", ip: "198.51.100.23", source: "mx2", hour: 15),
            Mail(8, Direction.Inbound, TlsVersion.Tls10, sender: "fabrikam.com", host: "mx.fabrikam.com", ip: "198.51.100.20", source: "mx1", hour: 8),
            Mail(8, Direction.Inbound, TlsVersion.Tls10, sender: "fabrikam.com", host: "mx.fabrikam.com", ip: "198.51.100.20", source: "mx1", hour: 10),
            .. Enumerable.Range(0, 4).Select(_ => Mail(8, Direction.Inbound, TlsVersion.Tls10, sender: "litware.example", host: "out.litware.example", ip: "192.0.2.45", source: "mx1")),
        ];

        var report = Build(records, new InsightSettings { MaxPeers = 1 });

        var top = Assert.Single(report.Peers);
        Assert.Equal(("fabrikam.com", Direction.Inbound, "Fabrikam", TlsVersion.Tls10), (top.Peer, top.Direction, top.Connector, top.Tls));
        Assert.Equal(["mx1", "mx2"], top.Sources);
        Assert.Equal(5, top.Messages);
        Assert.Equal(Day0.AddDays(8).AddHours(15), top.LastSeen);
        Assert.Equal(("mx3.fabrikam.com", "198.51.100.23"), (top.Host, top.Ip));
        Assert.Equal(2, Build(records).Peers.Count);
    }

    [Fact]
    public void Writers_LegacyPeerOnTwoMailServers_ShowBothServers()
    {
        MailRecord[] records =
        [
            Mail(8, Direction.Inbound, TlsVersion.Tls10, sender: "fabrikam.com", host: "mx.fabrikam.com", ip: "198.51.100.20", source: "mx2"),
            Mail(8, Direction.Inbound, TlsVersion.Tls10, sender: "fabrikam.com", host: "mx.fabrikam.com", ip: "198.51.100.20", source: "mx1"),
        ];
        var report = Build(records);

        using var stream = new MemoryStream();
        JsonReportWriter.Write(report, stream);
        using var json = JsonDocument.Parse(stream.ToArray());
        var peer = Assert.Single(json.RootElement.GetProperty("peers").EnumerateArray());
        Assert.Equal(["mx1", "mx2"], peer.GetProperty("sources").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(2, peer.GetProperty("messages").GetInt64());

        var csv = new StringWriter();
        CsvReportWriter.Write(report, csv);
        var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("peer,,inbound,Fabrikam,Partner,,TLS1.0,2,,fabrikam.com,mx1 mx2,2026-11-25T10:00:00Z,mx.fabrikam.com,198.51.100.20,,,,,,,,", lines);
        Assert.All(lines, line => Assert.Equal(CsvReportWriter.Header.Count(c => c == ','), line.Count(c => c == ',')));

        var table = new StringWriter();
        TableReportWriter.Write(report, table);
        Assert.Contains("Mail servers", table.ToString(), StringComparison.Ordinal);
        Assert.Contains("mx1, mx2", table.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ExplicitWindow_CountsOnlyMessagesInside()
    {
        // [2026-11-17, 2026-11-20): only the 15 old internet messages.
        var report = Build(Week(), from: Day0, to: Day0.AddDays(3));

        Assert.Equal(15, report.Directions[Direction.Inbound].Total);
        Assert.Equal(0, report.Directions[Direction.Outbound].Total);
        Assert.Equal(15, report.Input.Records);
        Assert.Empty(report.Insights);
    }

    [Fact]
    public void JsonWriter_DocumentedPaths_HoldTheCounts()
    {
        var report = Build(Week());
        using var stream = new MemoryStream();
        JsonReportWriter.Write(report, stream);
        using var json = JsonDocument.Parse(stream.ToArray());
        var root = json.RootElement;

        Assert.Equal(14, root.GetProperty("directions").GetProperty("inbound").GetProperty("messages").GetInt64());
        Assert.Equal(2, root.GetProperty("directions").GetProperty("inbound").GetProperty("tls").GetProperty("TLS1.0").GetInt64());
        Assert.Equal(4, root.GetProperty("directions").GetProperty("outbound").GetProperty("tls").GetProperty("TLS1.3").GetInt64());
        foreach (var version in new[] { "none", "SSLv3", "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3", "unknown" })
        {
            Assert.True(root.GetProperty("directions").GetProperty("submission").GetProperty("tls").TryGetProperty(version, out _), version);
        }

        Assert.Equal(report.Connectors.Count, root.GetProperty("connectors").GetArrayLength());
        Assert.Equal(2, root.GetProperty("insights").GetArrayLength());
    }

    [Fact]
    public void CsvWriter_QuotesNamesAndNeutralisesFormulas()
    {
        Assert.Equal("\"Contoso, Inc.\"", CsvReportWriter.Quote("Contoso, Inc."));
        Assert.Equal("'=HYPERLINK(1)", CsvReportWriter.Quote("=HYPERLINK(1)"));
        Assert.Equal("\"say \"\"hi\"\"\"", CsvReportWriter.Quote("say \"hi\""));
    }

    [Fact]
    public void Merge_TwoHalves_EqualsOnePass()
    {
        var all = Week().ToList();
        var one = new MailFlowAggregator(Connectors, TimeSpan.FromMinutes(1));
        var a = new MailFlowAggregator(Connectors, TimeSpan.FromMinutes(1));
        var b = new MailFlowAggregator(Connectors, TimeSpan.FromMinutes(1));
        for (var i = 0; i < all.Count; i++)
        {
            one.OnRecord(all[i]);
            (i % 2 == 0 ? a : b).OnRecord(all[i]);
        }

        a.Merge(b);

        Assert.Equal(Totals(one), Totals(a));
        Assert.Equal(one.Records, a.Records);
        Assert.Equal(one.LastTimestamp, a.LastTimestamp);
    }

    private static string Totals(MailFlowAggregator aggregator) =>
        string.Join('\n', aggregator.Series.OrderBy(p => p.Minute).ThenBy(p => p.Key.ToString(), StringComparer.Ordinal)
            .Select(p => $"{p.Minute:O} {p.Key} {p.Counts.Messages} {p.Counts.Recipients} {p.Counts.Bytes}"));
}
