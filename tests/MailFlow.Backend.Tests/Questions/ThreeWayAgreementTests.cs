using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using MailFlow.Api.V1;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Tests.Api;
using MailFlow.Backend.Tests.Dashboards;
using MailFlow.Testing;
using Vocabulary = MailFlow.Contracts.Vocabulary;

namespace MailFlow.Backend.Tests.Questions;

/// <summary>
/// One set of questions behind the three faces: the same logs go through the real <c>mailflow-exporter report
/// --output json</c>, and through the real <c>mailflow-exporter ingest</c> into a private influxd, asked there through
/// the public gRPC API over a real channel and through the packaged plugin under the Go host. Every question (the
/// TLS counts per direction, the per-day details, the connector report per day and over the window, the insights,
/// the legacy peers, the transit-security breakdowns, insights and peers to contact) must give the same numbers in all
/// three, with the same window and thresholds. The TLS insights' thresholds are not the defaults (2 %, 5 messages), so
/// that a face which ignored them would stand out; the transit-security insights have fixed thresholds everywhere.
/// </summary>
public sealed class ThreeWayAgreementTests
{
    private const double LegacySharePercent = 2;
    private const long MinMessages = 5;
    private const int PeerLimit = 10_000;
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    /// <summary>
    /// The real Postfix corpus (March 2023), every sample format (the week of 2026-11-20), and all samples at once
    /// (peers seen by several mail servers, merged before they are ranked).
    /// </summary>
    public static TheoryData<string> Inputs => ["corpus", "postfix", "exchange", "exim", "sendmail", "csv", "all"];

    /// <summary>
    /// The inputs that raise a transit-security insight, so that agreeing on one is not agreeing on nothing: every
    /// delivery to fabrikam.com ("Fabrikam outbound", an outbound Partner connector) is to an untrusted certificate in
    /// the Postfix sample (<c>grep 'established to mx.fabrikam.com' mail.log</c>: 28 lines, all "Untrusted") and in the
    /// CSV sample (10 outbound rows to fabrikam.com, all <c>untrusted</c>): 100 % of at least 10 messages, above 5 %.
    /// </summary>
    private static readonly string[] WithSecurityInsights = ["postfix", "csv", "all"];

    [Theory]
    [MemberData(nameof(Inputs))]
    public async Task Report_Api_Plugin_GiveTheSameAnswers(string input)
    {
        var (path, from, to) = input == "corpus"
            ? (RepoPaths.PostfixCorpus, new DateTimeOffset(2023, 3, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2023, 4, 1, 0, 0, 0, TimeSpan.Zero))
            : (Path.Combine([RepoPaths.Root, "samples", "logs", .. input == "all" ? Array.Empty<string>() : [input]]), new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero));

        // The same reading options for both runs: timestamps without a zone or a year (Sendmail, Exim) read alike.
        string[] reading = ["--connectors", Path.Combine(RepoPaths.Root, "samples", "connectors.yaml"), "--timezone", "UTC", "--year", from.Year.ToString(CultureInfo.InvariantCulture), path];

        var (exit, output) = ExporterIngest.Run(
        [
            "report", .. reading, "--from", Iso(from), "--to", Iso(to), "--output", "json",
            "--insight-tls10-percent", LegacySharePercent.ToString(CultureInfo.InvariantCulture),
            "--insight-min-messages", MinMessages.ToString(CultureInfo.InvariantCulture), "--max-peers", PeerLimit.ToString(CultureInfo.InvariantCulture),
        ]);
        Assert.True(exit == 0, output);
        var report = FromReport(JsonNode.Parse(output[..(output.LastIndexOf('}') + 1)])!.AsObject());

        using var influx = new InfluxDbServer();
        influx.Query($"CREATE DATABASE {MailFlowData.Database}");
        var ingest = ExporterIngest.Run(["ingest", "--influx-url", influx.Url.ToString().TrimEnd('/'), "--influx-database", MailFlowData.Database, .. reading]);
        Assert.True(ingest.ExitCode == 0, ingest.Output);

        Answers api;
        await using (var server = await ApiServer.StartAsync(new InfluxOptions { Url = influx.Url, Database = MailFlowData.Database }))
        {
            api = await FromApiAsync(server.Client, from, to);
        }

        var plugin = FromPlugin(influx, from, to);

        // The questions have something to agree on: mail in the window, per day and per connector.
        Assert.NotEmpty(report.Directions);
        Assert.NotEmpty(report.Days);
        Assert.NotEmpty(report.ConnectorDays);
        foreach (var (face, answers) in new[] { ("gRPC API", api), ("plugin", plugin) })
        {
            Assert.True(report.Directions.SequenceEqual(answers.Directions), $"{input}: TLS counts per direction, report vs {face}:\n{Diff(report.Directions, answers.Directions)}");
            Assert.True(report.Days.SequenceEqual(answers.Days), $"{input}: per-day details, report vs {face}:\n{Diff(report.Days, answers.Days)}");
            Assert.True(report.ConnectorDays.SequenceEqual(answers.ConnectorDays), $"{input}: connector report per day, report vs {face}:\n{Diff(report.ConnectorDays, answers.ConnectorDays)}");
            Assert.True(report.ConnectorTotals.SequenceEqual(answers.ConnectorTotals), $"{input}: connector report over the window, report vs {face}:\n{Diff(report.ConnectorTotals, answers.ConnectorTotals)}");
            Assert.True(report.Insights.SequenceEqual(answers.Insights), $"{input}: insights, report vs {face}:\n{Diff(report.Insights, answers.Insights)}");
            Assert.True(report.Peers.SequenceEqual(answers.Peers), $"{input}: legacy peers, report vs {face}:\n{Diff(report.Peers, answers.Peers)}");
            Assert.True(report.Security.SequenceEqual(answers.Security), $"{input}: transit security per direction and connector, report vs {face}:\n{Diff(report.Security, answers.Security)}");
            Assert.True(report.Blocked.SequenceEqual(answers.Blocked), $"{input}: blocked deliveries, report vs {face}:\n{Diff(report.Blocked, answers.Blocked)}");
            Assert.True(report.Plaintext.SequenceEqual(answers.Plaintext), $"{input}: plaintext recipient domains, report vs {face}:\n{Diff(report.Plaintext, answers.Plaintext)}");
            Assert.True(report.SecurityInsights.SequenceEqual(answers.SecurityInsights), $"{input}: transit-security insights, report vs {face}:\n{Diff(report.SecurityInsights, answers.SecurityInsights)}");
            Assert.True(report.SecurityPeers.SequenceEqual(answers.SecurityPeers), $"{input}: peers to contact, report vs {face}:\n{Diff(report.SecurityPeers, answers.SecurityPeers)}");
        }

        // The plugin's frame has no connector total; the API's must be the report's.
        Assert.True(report.SecurityInsightTotals.SequenceEqual(api.SecurityInsightTotals), $"{input}: transit-security insights' connector messages, report vs gRPC API:\n{Diff(report.SecurityInsightTotals, api.SecurityInsightTotals)}");
        if (WithSecurityInsights.Contains(input))
        {
            Assert.Contains(report.SecurityInsights, i => i.StartsWith("OutboundPartnerUnverifiedCertificates warning outbound 'Fabrikam outbound' Partner", StringComparison.Ordinal));
        }

        // The Postfix sample has mx.oldbank.example negotiating 3DES (samples/logs/postfix/mail.log): a weak cipher, so
        // peers to contact to agree on, in its run and in all samples at once.
        if (input is "postfix" or "all")
        {
            Assert.Contains(report.SecurityPeers, p => p.StartsWith("weak-cipher|", StringComparison.Ordinal) && p.Contains("oldbank.example", StringComparison.Ordinal));
        }

        // Every input carries auth and cipher levels to agree on.
        Assert.NotEmpty(report.Security);
    }

    /// <summary>
    /// Every answer as text keyed for comparison: messages per "direction|tls"; per "day|direction|tls"; per
    /// "day|direction|connector|type|forced|tls"; over the window per "direction|connector|type|forced" (volume and
    /// every share to 2 decimals); the insights and the peers in their order.
    /// </summary>
    private sealed record Answers(
        SortedDictionary<string, long> Directions,
        SortedDictionary<string, long> Days,
        SortedDictionary<string, long> ConnectorDays,
        SortedDictionary<string, string> ConnectorTotals,
        List<string> Insights,
        List<string> Peers,
        SortedDictionary<string, long> Security,
        List<string> Blocked,
        List<string> Plaintext,
        List<string> SecurityInsights,
        List<string> SecurityInsightTotals,
        List<string> SecurityPeers);

    private static Answers NewAnswers() => new(new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal), [], [], new(StringComparer.Ordinal), [], [], [], [], []);

    private static readonly string[] Versions = ["none", "SSLv3", "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3", "unknown"];

    private static Answers FromReport(JsonObject json)
    {
        var answers = NewAnswers();
        foreach (var (direction, counts) in json["directions"]!.AsObject())
        {
            AddCounts(answers.Directions, direction, counts!["tls"]!.AsObject());
        }

        foreach (var day in json["days"]!.AsArray())
        {
            AddCounts(answers.Days, $"{day!["date"]}|{day["direction"]}", day["tls"]!.AsObject());
        }

        foreach (var row in json["connectors"]!.AsArray())
        {
            var key = $"{row!["direction"]}|{row["name"]}|{row["type"]}|{Bool(row["forcedTls"])}";
            var counts = row["tls"]!.AsObject();
            answers.ConnectorTotals[key] = Shares((long)row["messages"]!, Versions.ToDictionary(v => v, v => (long)counts[v]!));
            foreach (var day in row["days"]!.AsArray())
            {
                AddCounts(answers.ConnectorDays, $"{day!["date"]}|{key}", day["tls"]!.AsObject());
            }
        }

        foreach (var insight in json["insights"]!.AsArray())
        {
            answers.Insights.Add(Insight((string)insight!["id"]!, (string)insight["severity"]!, (string)insight["direction"]!, (string)insight["connector"]!, (string)insight["connectorType"]!,
                (string)insight["tls"]!, (long)insight["messages"]!, (double)insight["sharePercent"]!, (double)insight["thresholdPercent"]!));
        }

        foreach (var peer in json["peers"]!.AsArray())
        {
            answers.Peers.Add(Peer((string)peer!["peer"]!, (string)peer["direction"]!, (string)peer["connector"]!, (string)peer["tls"]!, (long)peer["messages"]!,
                peer["sources"]!.AsArray().Select(s => (string)s!), DateTimeOffset.Parse((string)peer["lastSeen"]!, CultureInfo.InvariantCulture)));
        }

        var security = json["transitSecurity"]!.AsObject();
        foreach (var (direction, breakdown) in security["directions"]!.AsObject())
        {
            AddSecurity(answers.Security, $"{direction}|", breakdown!.AsObject());
        }

        foreach (var row in security["connectors"]!.AsArray())
        {
            AddSecurity(answers.Security, $"{row!["direction"]}|{row["name"]}|{row["type"]}|{Bool(row["forcedTls"])}", row.AsObject());
        }

        answers.Blocked.AddRange(security["blocked"]!.AsArray().Select(b => Blocked((string)b!["recipientDomain"]!, (string)b["reason"]!, (string)b["connector"]!, (long)b["deliveries"]!,
            b["sources"]!.AsArray().Select(s => (string)s!), DateTimeOffset.Parse((string)b["lastSeen"]!, CultureInfo.InvariantCulture))));
        answers.Plaintext.AddRange(security["noTlsDomains"]!.AsArray().Select(d => Plaintext((string)d!["recipientDomain"]!, (long)d["messages"]!, DateTimeOffset.Parse((string)d["lastSeen"]!, CultureInfo.InvariantCulture))));
        foreach (var insight in security["insights"]!.AsArray())
        {
            answers.SecurityInsights.Add(SecurityInsight((string)insight!["id"]!, (string)insight["severity"]!, (string)insight["direction"]!, (string)insight["connector"]!,
                (string)insight["connectorType"]!, (long)insight["messages"]!, (double)insight["sharePercent"]!, (double)insight["thresholdPercent"]!));
            answers.SecurityInsightTotals.Add($"{insight["id"]} '{insight["connector"]}': {(long)insight["connectorMessages"]!}");
        }

        answers.SecurityPeers.AddRange(security["peers"]!.AsArray().Select(p => SecurityPeer((string)p!["concern"]!, (string)p["peer"]!, (string)p["direction"]!, (string)p["connector"]!,
            (string)p["connectorType"]!, (string)p["auth"]!, (string)p["cipher"]!, (long)p["messages"]!, p["sources"]!.AsArray().Select(s => (string)s!),
            DateTimeOffset.Parse((string)p["lastSeen"]!, CultureInfo.InvariantCulture))));
        return answers;
    }

    private static async Task<Answers> FromApiAsync(MailFlowInsights.MailFlowInsightsClient client, DateTimeOffset from, DateTimeOffset to)
    {
        var answers = NewAnswers();
        Filter Window() => new() { From = Timestamp.FromDateTimeOffset(from), To = Timestamp.FromDateTimeOffset(to) };

        foreach (var direction in (await client.GetTlsSummaryAsync(new GetTlsSummaryRequest { Filter = Window() })).Directions)
        {
            foreach (var share in direction.Tls.Where(s => s.Messages > 0))
            {
                answers.Directions[$"{Wire(direction.Direction)}|{Wire(share.Tls)}"] = share.Messages;
            }
        }

        var series = await client.GetTlsTimeSeriesAsync(new GetTlsTimeSeriesRequest { Filter = Window(), Interval = Duration.FromTimeSpan(Day), MaxPoints = 1000 });
        Assert.Equal(Day, series.Interval.ToTimeSpan());
        foreach (var item in series.Series)
        {
            foreach (var point in item.Points.Where(p => p.Messages > 0))
            {
                answers.Days[$"{Date(point.Time.ToDateTimeOffset())}|{Wire(item.Direction)}|{Wire(item.Tls)}"] = point.Messages;
            }
        }

        foreach (var row in (await client.GetConnectorReportAsync(new GetConnectorReportRequest { Filter = Window() })).Rows)
        {
            foreach (var (version, messages) in Counts(row.Counts).Where(c => c.Value > 0))
            {
                answers.ConnectorDays[$"{Date(row.Date.ToDateTimeOffset())}|{Wire(row.Direction)}|{row.Connector}|{Wire(row.ConnectorType)}|{Bool(row.ForcedTls)}|{version}"] = messages;
            }
        }

        foreach (var row in (await client.GetConnectorReportAsync(new GetConnectorReportRequest { Filter = Window(), WholeRange = true })).Rows)
        {
            answers.ConnectorTotals[$"{Wire(row.Direction)}|{row.Connector}|{Wire(row.ConnectorType)}|{Bool(row.ForcedTls)}"] = Shares(row.Messages, Counts(row.Counts));
        }

        var insights = await client.GetInsightsAsync(new GetInsightsRequest { Filter = Window(), LegacySharePercent = LegacySharePercent, MinMessages = MinMessages });
        answers.Insights.AddRange(insights.Insights.Select(i => Insight(i.Id, i.Severity == InsightSeverity.Critical ? "critical" : "warning", Wire(i.Direction), i.Connector, Wire(i.ConnectorType), Wire(i.Tls), i.Messages, i.SharePercent, i.ThresholdPercent)));

        var peers = await client.GetLegacyPeersAsync(new GetLegacyPeersRequest { Filter = Window(), Limit = PeerLimit });
        answers.Peers.AddRange(peers.Peers.Select(p => Peer(p.Peer, Wire(p.Direction), p.Connector, Wire(p.Tls), p.Messages, p.Sources, p.LastSeen.ToDateTimeOffset())));

        var security = await client.GetTransitSecurityAsync(new GetTransitSecurityRequest { Filter = Window() });
        foreach (var direction in security.Directions)
        {
            AddSecurity(answers.Security, $"{Wire(direction.Direction)}|", direction.Breakdown.Auth.Select(a => ("auth", a.Level, a.Messages)).Concat(direction.Breakdown.Cipher.Select(c => ("cipher", c.Level, c.Messages))));
        }

        foreach (var row in security.Connectors)
        {
            AddSecurity(answers.Security, $"{Wire(row.Direction)}|{row.Connector}|{Wire(row.ConnectorType)}|{Bool(row.ForcedTls)}", row.Breakdown.Auth.Select(a => ("auth", a.Level, a.Messages)).Concat(row.Breakdown.Cipher.Select(c => ("cipher", c.Level, c.Messages))));
        }

        var blocked = await client.GetBlockedDeliveriesAsync(new GetBlockedDeliveriesRequest { Filter = Window(), Limit = PeerLimit });
        answers.Blocked.AddRange(blocked.Blocked.Select(b => Blocked(b.RecipientDomain, b.Reason, b.Connector, b.Deliveries, b.Sources, b.LastSeen.ToDateTimeOffset())));
        var plaintext = await client.GetPlaintextDomainsAsync(new GetPlaintextDomainsRequest { Filter = Window(), Limit = PeerLimit });
        answers.Plaintext.AddRange(plaintext.Domains.Select(d => Plaintext(d.RecipientDomain, d.Messages, d.LastSeen.ToDateTimeOffset())));
        foreach (var insight in (await client.GetSecurityInsightsAsync(new GetSecurityInsightsRequest { Filter = Window() })).Insights)
        {
            answers.SecurityInsights.Add(SecurityInsight(insight.Id, insight.Severity == InsightSeverity.Critical ? "critical" : "warning", Wire(insight.Direction), insight.Connector,
                Wire(insight.ConnectorType), insight.Messages, insight.SharePercent, insight.ThresholdPercent));
            answers.SecurityInsightTotals.Add($"{insight.Id} '{insight.Connector}': {insight.TotalMessages}");
        }

        var securityPeers = await client.GetSecurityPeersAsync(new GetSecurityPeersRequest { Filter = Window(), Limit = PeerLimit });
        answers.SecurityPeers.AddRange(securityPeers.Peers.Select(p => SecurityPeer(p.Concern, p.Peer, Wire(p.Direction), p.Connector, Wire(p.ConnectorType), p.Auth, p.Cipher, p.Messages, p.Sources, p.LastSeen.ToDateTimeOffset())));
        return answers;
    }

    private static Answers FromPlugin(InfluxDbServer influx, DateTimeOffset from, DateTimeOffset to)
    {
        var settings = new JsonObject
        {
            ["id"] = 1,
            ["uid"] = GrafanaFiles.DataSourceUid,
            ["name"] = "MailFlow",
            ["url"] = influx.Url.ToString().TrimEnd('/'),
            ["jsonData"] = new JsonObject
            {
                ["influxVersion"] = "1",
                ["database"] = MailFlowData.Database,
                ["legacyTlsThresholdPercent"] = LegacySharePercent,
                ["legacyTlsMinMessages"] = MinMessages,
            },
            ["secureJsonData"] = new JsonObject(),
        };
        HostQuery Query(string refId, JsonObject model, long intervalMs = 60_000)
        {
            model["refId"] = refId;
            return new HostQuery(refId, from, to, 1000, intervalMs, model);
        }

        var answer = DashboardPluginHost.Instance.Query(settings,
        [
            Query("summary", new JsonObject { ["queryType"] = "summary" }),
            Query("days", new JsonObject { ["queryType"] = "timeseries" }, (long)Day.TotalMilliseconds),
            Query("perDay", new JsonObject { ["queryType"] = "connectorReport" }),
            Query("window", new JsonObject { ["queryType"] = "connectorReport", ["perDay"] = false }),
            Query("insights", new JsonObject { ["queryType"] = "insights" }),
            Query("peers", new JsonObject { ["queryType"] = "peers", ["limit"] = PeerLimit }),
            Query("securityDirections", new JsonObject { ["queryType"] = "securityDirections" }),
            Query("securityConnectors", new JsonObject { ["queryType"] = "securityConnectors" }),
            Query("blocked", new JsonObject { ["queryType"] = "blocked", ["limit"] = PeerLimit }),
            Query("plaintextDomains", new JsonObject { ["queryType"] = "plaintextDomains", ["limit"] = PeerLimit }),
            Query("securityInsights", new JsonObject { ["queryType"] = "securityInsights" }),
            Query("securityPeers", new JsonObject { ["queryType"] = "securityPeers", ["limit"] = PeerLimit }),
        ]);

        var answers = NewAnswers();
        foreach (var row in DecodedFrames.Rows(Assert.Single(DecodedFrames.Of(answer, "summary", "summary"))).Where(r => DecodedFrames.Long(r["messages"]) > 0))
        {
            answers.Directions[$"{DecodedFrames.Text(row["direction"])}|{DecodedFrames.Text(row["tls"])}"] = DecodedFrames.Long(row["messages"]);
        }

        foreach (var frame in DecodedFrames.Of(answer, "days", "per-day details"))
        {
            var times = DecodedFrames.Field(frame, "time")["values"]!.AsArray();
            var value = DecodedFrames.Field(frame, "value");
            var labels = DecodedFrames.Labels(value);
            for (var i = 0; i < times.Count; i++)
            {
                var messages = (long)Math.Round(DecodedFrames.Double(value["values"]![i]));
                if (messages > 0)
                {
                    answers.Days[$"{Date(Instant(times[i]))}|{labels["direction"]}|{labels["tls"]}"] = messages;
                }
            }
        }

        foreach (var row in DecodedFrames.Rows(Assert.Single(DecodedFrames.Of(answer, "perDay", "connector report"))))
        {
            var key = $"{Date(Instant(row["date"]))}|{ConnectorKey(row)}";
            foreach (var (version, messages) in FrameCounts(row).Where(c => c.Value > 0))
            {
                answers.ConnectorDays[$"{key}|{version}"] = messages;
            }
        }

        foreach (var row in DecodedFrames.Rows(Assert.Single(DecodedFrames.Of(answer, "window", "connector report over the window"))))
        {
            answers.ConnectorTotals[ConnectorKey(row)] = Shares(DecodedFrames.Long(row["messages"]), FrameCounts(row));
        }

        answers.Insights.AddRange(DecodedFrames.Rows(Assert.Single(DecodedFrames.Of(answer, "insights", "insights"))).Select(r => Insight(
            DecodedFrames.Text(r["id"])!, DecodedFrames.Text(r["severity"])!, DecodedFrames.Text(r["direction"])!, DecodedFrames.Text(r["connector"])!, DecodedFrames.Text(r["connector_type"])!,
            DecodedFrames.Text(r["tls"])!, DecodedFrames.Long(r["messages"]), DecodedFrames.Double(r["share_pct"]), DecodedFrames.Double(r["threshold_pct"]))));

        answers.Peers.AddRange(DecodedFrames.Rows(Assert.Single(DecodedFrames.Of(answer, "peers", "peers"))).Select(r => Peer(
            DecodedFrames.Text(r["peer"])!, DecodedFrames.Text(r["direction"])!, DecodedFrames.Text(r["connector"])!, DecodedFrames.Text(r["tls"])!, DecodedFrames.Long(r["messages"]),
            DecodedFrames.Text(r["sources"])!.Split(", ", StringSplitOptions.RemoveEmptyEntries), Instant(r["last_seen"]))));

        foreach (var row in DecodedFrames.Rows(Assert.Single(DecodedFrames.Of(answer, "securityDirections", "transit security per direction"))))
        {
            AddSecurity(answers.Security, $"{DecodedFrames.Text(row["direction"])}|", FrameLevels(row));
        }

        foreach (var row in DecodedFrames.Rows(Assert.Single(DecodedFrames.Of(answer, "securityConnectors", "transit security per connector"))))
        {
            AddSecurity(answers.Security, ConnectorKey(row), FrameLevels(row));
        }

        answers.Blocked.AddRange(DecodedFrames.Rows(Assert.Single(DecodedFrames.Of(answer, "blocked", "blocked deliveries"))).Select(r => Blocked(
            DecodedFrames.Text(r["recipient_domain"])!, DecodedFrames.Text(r["reason"])!, DecodedFrames.Text(r["connector"])!, DecodedFrames.Long(r["deliveries"]),
            DecodedFrames.Text(r["sources"])!.Split(", ", StringSplitOptions.RemoveEmptyEntries), Instant(r["last_seen"]))));
        answers.Plaintext.AddRange(DecodedFrames.Rows(Assert.Single(DecodedFrames.Of(answer, "plaintextDomains", "plaintext domains"))).Select(r => Plaintext(
            DecodedFrames.Text(r["recipient_domain"])!, DecodedFrames.Long(r["messages"]), Instant(r["last_seen"]))));
        answers.SecurityInsights.AddRange(DecodedFrames.Rows(Assert.Single(DecodedFrames.Of(answer, "securityInsights", "transit-security insights"))).Select(r => SecurityInsight(
            DecodedFrames.Text(r["id"])!, DecodedFrames.Text(r["severity"])!, DecodedFrames.Text(r["direction"])!, DecodedFrames.Text(r["connector"])!, DecodedFrames.Text(r["connector_type"])!,
            DecodedFrames.Long(r["messages"]), DecodedFrames.Double(r["share_pct"]), DecodedFrames.Double(r["threshold_pct"]))));
        answers.SecurityPeers.AddRange(DecodedFrames.Rows(Assert.Single(DecodedFrames.Of(answer, "securityPeers", "peers to contact"))).Select(r => SecurityPeer(
            DecodedFrames.Text(r["concern"])!, DecodedFrames.Text(r["peer"])!, DecodedFrames.Text(r["direction"])!, DecodedFrames.Text(r["connector"])!, DecodedFrames.Text(r["connector_type"])!,
            DecodedFrames.Text(r["auth"])!, DecodedFrames.Text(r["cipher"])!, DecodedFrames.Long(r["messages"]),
            DecodedFrames.Text(r["sources"])!.Split(", ", StringSplitOptions.RemoveEmptyEntries), Instant(r["last_seen"]))));
        return answers;
    }

    private static readonly string[] AuthLevels = ["verified", "trusted", "untrusted", "anonymous", "none", "unknown"];

    private static readonly string[] CipherClasses = ["strong", "legacy", "weak", "none", "unknown"];

    /// <summary>Messages per auth level and cipher class of one slice, keyed "slice|auth|level" (zeros left out).</summary>
    private static void AddSecurity(SortedDictionary<string, long> into, string slice, IEnumerable<(string Kind, string Level, long Messages)> levels)
    {
        foreach (var (kind, level, messages) in levels.Where(l => l.Messages > 0))
        {
            into[$"{slice}|{kind}|{level}"] = messages;
        }
    }

    private static void AddSecurity(SortedDictionary<string, long> into, string slice, JsonObject breakdown) =>
        AddSecurity(into, slice, AuthLevels.Select(a => ("auth", a, (long)breakdown["auth"]![a]!["messages"]!))
            .Concat(CipherClasses.Select(c => ("cipher", c, (long)breakdown["cipher"]![c]!["messages"]!))));

    private static IEnumerable<(string Kind, string Level, long Messages)> FrameLevels(Dictionary<string, JsonNode?> row) =>
        AuthLevels.Select(a => ("auth", a, DecodedFrames.Long(row["auth_" + a])))
            .Concat(CipherClasses.Select(c => ("cipher", c, DecodedFrames.Long(row["cipher_" + c]))));

    private static string Blocked(string domain, string reason, string connector, long deliveries, IEnumerable<string> sources, DateTimeOffset lastSeen) =>
        $"{domain}|{reason}|{connector}|{deliveries}|{string.Join(' ', sources)}|{Iso(lastSeen)}";

    private static string SecurityPeer(string concern, string peer, string direction, string connector, string connectorType, string auth, string cipher, long messages, IEnumerable<string> sources, DateTimeOffset lastSeen) =>
        $"{concern}|{peer}|{direction}|{connector}|{connectorType}|{auth}|{cipher}|{messages}|{string.Join(' ', sources)}|{Iso(lastSeen)}";

    private static string Plaintext(string domain, long messages, DateTimeOffset lastSeen) => $"{domain}|{messages}|{Iso(lastSeen)}";

    private static string ConnectorKey(Dictionary<string, JsonNode?> row) =>
        $"{DecodedFrames.Text(row["direction"])}|{DecodedFrames.Text(row["connector"])}|{DecodedFrames.Text(row["connector_type"])}|{Bool(row["forced_tls"])}";

    /// <summary>
    /// The frame's row as counts: its shares times its volume (exact after rounding: each share is count/volume).
    /// The frame has no SSLv3 column: SSLv3 is what the volume leaves over.
    /// </summary>
    private static Dictionary<string, long> FrameCounts(Dictionary<string, JsonNode?> row)
    {
        var volume = DecodedFrames.Long(row["messages"]);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (version, column) in new[] { ("none", "none_pct"), ("TLS1.0", "tls10_pct"), ("TLS1.1", "tls11_pct"), ("TLS1.2", "tls12_pct"), ("TLS1.3", "tls13_pct"), ("unknown", "unknown_pct") })
        {
            counts[version] = (long)Math.Round(DecodedFrames.Double(row[column]) * volume / 100);
        }

        counts["SSLv3"] = volume - counts.Values.Sum();
        return counts;
    }

    private static Dictionary<string, long> Counts(TlsCounts counts) => new(StringComparer.Ordinal)
    {
        ["none"] = counts.None, ["SSLv3"] = counts.Ssl3, ["TLS1.0"] = counts.Tls10, ["TLS1.1"] = counts.Tls11,
        ["TLS1.2"] = counts.Tls12, ["TLS1.3"] = counts.Tls13, ["unknown"] = counts.Unknown,
    };

    private static void AddCounts(SortedDictionary<string, long> into, string key, JsonObject counts)
    {
        foreach (var version in Versions)
        {
            if ((long)counts[version]! is var messages and > 0)
            {
                into[$"{key}|{version}"] = messages;
            }
        }
    }

    private static string Shares(long volume, Dictionary<string, long> counts) =>
        volume + " " + string.Join(' ', Versions.Select(v => $"{v}={Round(volume == 0 ? 0 : 100.0 * counts.GetValueOrDefault(v) / volume)}"));

    private static string Insight(string id, string severity, string direction, string connector, string type, string tls, long messages, double share, double threshold) =>
        $"{id} {severity} {direction} '{connector}' {type} {tls}: {messages} messages, {Round(share)} % (threshold {Round(threshold)} %)";

    private static string SecurityInsight(string id, string severity, string direction, string connector, string type, long messages, double share, double threshold) =>
        $"{id} {severity} {direction} '{connector}' {type}: {messages} messages, {Round(share)} % (threshold {Round(threshold)} %)";

    /// <summary>The last sighting to the second: InfluxDB keeps <c>last_seen</c> in whole seconds.</summary>
    private static string Peer(string peer, string direction, string connector, string tls, long messages, IEnumerable<string> sources, DateTimeOffset lastSeen) =>
        $"{peer} {direction} '{connector}' {tls}: {messages} messages, servers [{string.Join(", ", sources)}], last seen {DateTimeOffset.FromUnixTimeSeconds(lastSeen.ToUnixTimeSeconds()):yyyy-MM-ddTHH:mm:ssZ}";

    private static string Round(double value) => Math.Round(value, 2).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Bool(JsonNode? value) => value is JsonValue v && v.TryGetValue<bool>(out var b) ? Bool(b) : Bool(string.Equals(DecodedFrames.Text(value), "true", StringComparison.OrdinalIgnoreCase));

    private static string Bool(bool value) => value ? "true" : "false";

    private static string Wire(MailFlow.Api.V1.Direction direction) => Vocabulary.Directions.ToWire((Vocabulary.Direction)((int)direction - 1));

    private static string Wire(MailFlow.Api.V1.ConnectorType type) => Vocabulary.ConnectorTypes.ToWire((Vocabulary.ConnectorType)((int)type - 1));

    private static string Wire(MailFlow.Api.V1.TlsVersion tls) => Vocabulary.TlsVersions.ToWire((Vocabulary.TlsVersion)((int)tls - 1));

    /// <summary>A decoded Arrow timestamp (nanoseconds since the epoch, as text).</summary>
    private static DateTimeOffset Instant(JsonNode? value) => DateTimeOffset.UnixEpoch.AddTicks(DecodedFrames.Long(value) / 100);

    private static string Date(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Iso(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Diff(List<string> expected, List<string> actual) =>
        string.Join('\n', Enumerable.Range(0, Math.Max(expected.Count, actual.Count))
            .Where(i => i >= expected.Count || i >= actual.Count || expected[i] != actual[i])
            .Select(i => $"  #{i}: report {(i < expected.Count ? expected[i] : "-")}\n       here   {(i < actual.Count ? actual[i] : "-")}"));

    private static string Diff<T>(SortedDictionary<string, T> expected, SortedDictionary<string, T> actual) =>
        string.Join('\n', expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal)
            .Where(k => !expected.TryGetValue(k, out var e) || !actual.TryGetValue(k, out var a) || !EqualityComparer<T>.Default.Equals(e, a))
            .Select(k => $"  {k}: report {(expected.TryGetValue(k, out var e) ? e : "-")}, here {(actual.TryGetValue(k, out var a) ? a : "-")}"));
}
