using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>The provisioned dashboards as files: uids, data source, query model, variables, links, colours.</summary>
public sealed partial class DashboardFilesTests
{
    private static readonly string[] ExpectedUids = ["mailflow-connector-report", "mailflow-overview", "mailflow-tls-details"];

    [Fact]
    public void Dashboards_All_HaveTheFixedUniqueUids()
    {
        var uids = GrafanaFiles.Dashboards().Select(d => (string?)d.Json["uid"]).ToArray();

        Assert.All(uids, uid => Assert.False(string.IsNullOrWhiteSpace(uid)));
        Assert.Equal(uids.Length, uids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(ExpectedUids, uids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Dashboards_All_HaveTitlesAndUniquePanelIds()
    {
        foreach (var (path, json) in GrafanaFiles.Dashboards())
        {
            Assert.False(string.IsNullOrWhiteSpace((string?)json["title"]), path);
            var ids = GrafanaFiles.Panels(json).Select(p => (int)p["id"]!).ToArray();
            Assert.True(ids.Length == ids.Distinct().Count(), $"{path}: duplicate panel ids");
        }
    }

    [Fact]
    public void Panels_EveryQuery_UsesTheMailflowDataSource()
    {
        var checkedTargets = 0;
        foreach (var (path, json) in GrafanaFiles.Dashboards())
        {
            foreach (var panel in GrafanaFiles.Panels(json).Where(p => p["targets"] is not null))
            {
                Assert.Equal(GrafanaFiles.DataSourceUid, (string?)panel["datasource"]?["uid"]);
                Assert.Equal(GrafanaFiles.PluginId, (string?)panel["datasource"]?["type"]);
                foreach (var target in panel["targets"]!.AsArray())
                {
                    Assert.True(GrafanaFiles.DatasourceUid(panel, target!.AsObject()) == GrafanaFiles.DataSourceUid, $"{path} panel {panel["title"]}");
                    checkedTargets++;
                }
            }

            foreach (var variable in GrafanaFiles.Variables(json).Where(v => (string?)v["type"] == "query"))
            {
                Assert.Equal(GrafanaFiles.DataSourceUid, (string?)variable["datasource"]?["uid"]);
            }
        }

        Assert.True(checkedTargets >= 20, $"only {checkedTargets} panel queries found: the dashboards lost panels");
    }

    [Fact]
    public void Panels_EveryQuery_FollowsTheQueryModel()
    {
        var problems = new List<string>();
        foreach (var (path, json) in GrafanaFiles.Dashboards())
        {
            var variables = TemplateVariables.PossibleValues(json);
            foreach (var query in GrafanaFiles.DashboardQueries(path, json))
            {
                problems.AddRange(QueryModel.Problems(query.Model, variables).Select(p => $"{query.Where}: {p}"));
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void Panels_Queries_CoverEveryQueryTypeButTheAlertingOnes()
    {
        var used = GrafanaFiles.Dashboards()
            .SelectMany(d => GrafanaFiles.DashboardQueries(d.Path, d.Json))
            .Select(q => (string)q.Model["queryType"]!)
            .ToHashSet();

        Assert.Equal(QueryModel.QueryTypes.Where(t => t is not ("connectorTlsShare" or "thresholds" or "securityInsightShares" or "tlsrptInsightShares")).Order(StringComparer.Ordinal), used.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void QueryModel_InvalidQueries_AreReported()
    {
        // The validator itself: each of these breaks one rule of the query model.
        var variables = new Dictionary<string, IReadOnlyList<string>?> { ["connector_type"] = ["", "Partner"], ["source"] = null };
        string[] bad =
        [
            """{"refId":"A","queryType":"sumary"}""",
            """{"refId":"A","queryType":"summary","direction":"in-bound"}""",
            """{"refId":"A","queryType":"summary","connectorType":"partner"}""",
            """{"refId":"A","queryType":"summary","connectorType":"$source"}""",
            """{"refId":"A","queryType":"summary","connectorType":"$missing"}""",
            """{"refId":"A","queryType":"timeseries","measure":"messages","tls":"TLS10"}""",
            """{"refId":"A","queryType":"timeseries"}""",
            """{"refId":"A","queryType":"peers","limit":0}""",
            """{"refId":"A","queryType":"connectorTlsShare"}""",
            """{"refId":"A","queryType":"summary","connectors":"Contoso"}""",
            """{"refId":"A","queryType":"summary","conectors":["Contoso"]}""",
        ];

        Assert.All(bad, text => Assert.NotEmpty(QueryModel.Problems(JsonNode.Parse(text)!.AsObject(), variables)));
        Assert.Empty(QueryModel.Problems(JsonNode.Parse("""{"refId":"A","queryType":"summary","connectorType":"$connector_type","source":"$source","connectors":["$__internet"]}""")!.AsObject(), variables));
    }

    [Fact]
    public void Variables_ConnectorTypeAndSourceAndConnector_ExistWhereQueriesFilterByThem()
    {
        foreach (var (path, json) in GrafanaFiles.Dashboards())
        {
            Assert.Contains(GrafanaFiles.Variables(json), v => (string?)v["name"] == "source");
        }

        var report = GrafanaFiles.Dashboards().Single(d => (string?)d.Json["uid"] == "mailflow-connector-report").Json;
        var byName = GrafanaFiles.Variables(report).ToDictionary(v => (string)v["name"]!);
        Assert.Equal("Show data for", (string?)byName["connector"]["label"]);
        Assert.Equal("connectors", (string?)byName["connector"]["query"]?["queryType"]);
        Assert.True((bool?)byName["connector"]["includeAll"], "\"All mail flow\" is the connector variable's All option");

        // "All" of the connector type list must become "" (all types for the plugin), the others the wire spellings.
        var options = TemplateVariables.CustomOptions((string)byName["connector_type"]["query"]!);
        Assert.Equal([("All", ""), ("Partner", "Partner"), ("OnPremises", "OnPremises"), ("Internet", "Internet"), ("Submission", "Submission")], options);
        Assert.Equal("", (string?)byName["connector_type"]["current"]?["value"]);
    }

    [Fact]
    public void ConnectorReport_DetailsTable_ShowsEveryConnectorReportColumnUnderItsReportName()
    {
        var report = GrafanaFiles.Dashboards().Single(d => (string?)d.Json["uid"] == "mailflow-connector-report").Json;
        var table = GrafanaFiles.Panels(report).Single(p => (string?)p["targets"]?[0]?["queryType"] == "connectorReport");
        var displayNames = table["fieldConfig"]!["overrides"]!.AsArray()
            .Where(o => (string?)o!["matcher"]!["id"] == "byName")
            .SelectMany(o => o!["properties"]!.AsArray().Where(p => (string?)p!["id"] == "displayName")
                .Select(p => ((string)o!["matcher"]!["options"]!, (string)p!["value"]!)))
            .ToDictionary(x => x.Item1, x => x.Item2);

        // The connectorReport frame's fields (query model) and the Connector report's column titles.
        Assert.Equal("Date", displayNames["date"]);
        Assert.Equal("Direction", displayNames["direction"]);
        Assert.Equal("Connector", displayNames["connector"]);
        Assert.Equal("Type", displayNames["connector_type"]);
        Assert.Equal("Forced TLS?", displayNames["forced_tls"]);
        Assert.Equal("No TLS %", displayNames["none_pct"]);
        Assert.Equal("TLS 1.0 %", displayNames["tls10_pct"]);
        Assert.Equal("TLS 1.1 %", displayNames["tls11_pct"]);
        Assert.Equal("TLS 1.2 %", displayNames["tls12_pct"]);
        Assert.Equal("TLS 1.3 %", displayNames["tls13_pct"]);
        Assert.Equal("Volume", displayNames["messages"]);
        Assert.Contains("unknown_pct", displayNames.Keys);
    }

    [Theory]
    [InlineData("none", "red")]
    [InlineData("TLS1.0", "orange")]
    [InlineData("TLS1.1", "yellow")]
    public void Charts_LegacyTlsAndPlaintext_StandOutInEveryChart(string tls, string colour)
    {
        // Timeseries frames are named "<direction> <tls>" and the widget's matrix columns "<tls>": both must match.
        foreach (var (path, json) in GrafanaFiles.Dashboards())
        {
            // Charts of TLS versions: the SMTP TLS report charts (tlsrpt* queries) show sessions, not versions.
            foreach (var chart in GrafanaFiles.Panels(json).Where(p => (string?)p["type"] is "timeseries" or "barchart"
                && !(p["targets"]?.AsArray().All(t => ((string?)t!["queryType"])?.StartsWith("tlsrpt", StringComparison.Ordinal) == true) ?? false)))
            {
                var fixedColours = chart["fieldConfig"]!["overrides"]!.AsArray()
                    .Where(o => (string?)o!["matcher"]!["id"] == "byRegexp")
                    .Where(o => Regex.IsMatch("inbound " + tls, (string)o!["matcher"]!["options"]!) && Regex.IsMatch(tls, (string)o!["matcher"]!["options"]!))
                    .SelectMany(o => o!["properties"]!.AsArray())
                    .Where(p => (string?)p!["id"] == "color")
                    .Select(p => (string?)p!["value"]!["fixedColor"])
                    .ToArray();
                Assert.True(fixedColours.Length == 1 && fixedColours[0] == colour, $"{path} panel \"{chart["title"]}\": {tls} is not {colour}");
                Assert.False(Regex.IsMatch("inbound TLS1.2", string.Join("|", chart["fieldConfig"]!["overrides"]!.AsArray()
                    .Where(o => (string?)o!["matcher"]!["id"] == "byRegexp" && o["properties"]![0]!["value"]!["fixedColor"]!.ToString() == colour)
                    .Select(o => (string)o!["matcher"]!["options"]!))), $"{path}: TLS1.2 must not share {colour}");
            }
        }
    }

    [Fact]
    public void Panels_All_HaveDescriptionsAndUnitsWhereTheyShowNumbers()
    {
        foreach (var (path, json) in GrafanaFiles.Dashboards())
        {
            foreach (var panel in GrafanaFiles.Panels(json).Where(p => (string?)p["type"] != "row"))
            {
                Assert.False(string.IsNullOrWhiteSpace((string?)panel["description"]), $"{path} panel \"{panel["title"]}\" has no description");
                if ((string?)panel["type"] is "timeseries" or "barchart" or "stat")
                {
                    Assert.False(string.IsNullOrEmpty((string?)panel["fieldConfig"]?["defaults"]?["unit"]), $"{path} panel \"{panel["title"]}\" has no unit");
                }
            }
        }
    }

    [Fact]
    public void Links_InDashboardsAndAlertRules_PointToExistingDashboards()
    {
        var uids = GrafanaFiles.Dashboards().Select(d => (string)d.Json["uid"]!).ToHashSet(StringComparer.Ordinal);
        var texts = new List<(string Where, string Text)>();
        foreach (var (path, json) in GrafanaFiles.Dashboards())
        {
            texts.Add((path, json.ToJsonString()));
        }

        texts.AddRange(GrafanaFiles.AlertRules().Select(r => ($"alert rule {r["uid"]}", r.ToJsonString())));
        var found = 0;
        foreach (var (where, text) in texts)
        {
            foreach (Match link in DashboardLink().Matches(text))
            {
                found++;
                Assert.True(uids.Contains(link.Groups["uid"].Value), $"{where} links to /d/{link.Groups["uid"].Value}, which is no provisioned dashboard");
            }
        }

        Assert.True(found >= 10, $"only {found} dashboard links found");
        foreach (var rule in GrafanaFiles.AlertRules().Where(r => r["annotations"]!["__dashboardUid__"] is not null))
        {
            Assert.Contains((string)rule["annotations"]!["__dashboardUid__"]!, uids);
        }
    }

    [GeneratedRegex(@"/d/(?<uid>[A-Za-z0-9_-]+)")]
    private static partial Regex DashboardLink();

    [Fact]
    public void QueryModel_KnownKeys_AreTheMembersTheDocsDocument()
    {
        // The "Member" table of docs/grafana-plugin.md lists every key a query may carry: a key the checker did not
        // know would flag valid queries, and one it knew but the docs lacked would let an undocumented key pass.
        var docs = File.ReadAllLines(Path.Combine(RepoPaths.Root, "docs", "grafana-plugin.md"));
        var documented = docs.SkipWhile(l => !l.StartsWith("| Member |", StringComparison.Ordinal)).Skip(2)
            .TakeWhile(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Split('`')[1])
            .ToList();

        Assert.Equal(12, documented.Count); // queryType ... perDay, insight, counted in the table by hand.
        Assert.Equal(documented.Order(StringComparer.Ordinal), QueryModel.ModelKeys.Order(StringComparer.Ordinal));
        Assert.Empty(QueryModel.Problems(JsonNode.Parse("""{"refId":"A","queryType":"connectorReport","perDay":false}""")!.AsObject(), new Dictionary<string, IReadOnlyList<string>?>()));
        Assert.Empty(QueryModel.Problems(JsonNode.Parse("""{"refId":"A","queryType":"insights","thresholdPct":7.5}""")!.AsObject(), new Dictionary<string, IReadOnlyList<string>?>()));
    }
}
