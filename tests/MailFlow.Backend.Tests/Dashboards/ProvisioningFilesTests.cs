using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>Grafana provisioning: the data source, the dashboard provider, the TLS 1.0 alert rules and their notifications.</summary>
public sealed class ProvisioningFilesTests
{
    [Fact]
    public void ProvisioningFiles_AllParse_AsVersionOneFiles()
    {
        var files = Directory.GetFiles(GrafanaFiles.ProvisioningDirectory, "*", SearchOption.AllDirectories);

        Assert.Equal(6, files.Length); // data source, dashboards, notifications, tls10, transit-security, tls-reports
        Assert.All(files, path =>
        {
            Assert.EndsWith(".yaml", path, StringComparison.Ordinal);
            Assert.Equal(1L, (long?)GrafanaFiles.YamlFile(path)["apiVersion"]);
        });
    }

    [Fact]
    public void DataSource_IsThePluginWithTheFixedUid()
    {
        var doc = GrafanaFiles.Yaml("datasources", "mailflow.yaml");
        var source = Assert.Single(doc["datasources"]!.AsArray())!;

        Assert.Equal(1L, (long?)doc["apiVersion"]);
        Assert.Equal(GrafanaFiles.DataSourceUid, (string?)source["uid"]);
        Assert.Equal(GrafanaFiles.PluginId, (string?)source["type"]);
        Assert.Equal("proxy", (string?)source["access"]);
    }

    [Fact]
    public void DashboardProvider_LoadsJsonFilesFromOneFolder()
    {
        var doc = GrafanaFiles.Yaml("dashboards", "mailflow.yaml");
        var provider = Assert.Single(doc["providers"]!.AsArray())!;

        Assert.Equal("file", (string?)provider["type"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)provider["options"]?["path"]));
        Assert.False(string.IsNullOrWhiteSpace((string?)provider["folder"]));
    }

    [Fact]
    public void AlertRules_HaveUniqueUidsAndConsistentRefIds()
    {
        var rules = GrafanaFiles.AlertRules().ToArray();

        Assert.Equal(2 + 3 + 1, rules.Length); // TLS 1.0 (tls10.yaml), transit security, TLS reports
        Assert.Equal(rules.Length, rules.Select(r => (string?)r["uid"]).Distinct(StringComparer.Ordinal).Count());
        foreach (var rule in rules)
        {
            var refIds = rule["data"]!.AsArray().Select(d => (string)d!["refId"]!).ToHashSet(StringComparer.Ordinal);
            Assert.Contains((string)rule["condition"]!, refIds);
            foreach (var item in rule["data"]!.AsArray())
            {
                Assert.Equal((string?)item!["refId"], (string?)item["model"]?["refId"]);
                if ((string?)item["datasourceUid"] == "__expr__")
                {
                    // reduce and threshold name one refId; math refers to refIds as $name.
                    var expression = (string)item["model"]!["expression"]!;
                    var used = (string?)item["model"]!["type"] == "math" ? Regex.Matches(expression, @"\$(\w+)").Select(m => m.Groups[1].Value).ToArray() : [expression];
                    Assert.NotEmpty(used);
                    Assert.All(used, refId => Assert.Contains(refId, refIds));
                }
            }
        }
    }

    [Fact]
    public void AlertRules_DataSourceQueries_AskTheTls10ShareOfInboundPartnerAndOnPremisesConnectors()
    {
        var all = GrafanaFiles.AlertQueries().Where(q => q.Where.StartsWith("alert rule mailflow-tls10-", StringComparison.Ordinal)).ToArray();
        var queries = all.Where(q => (string?)q.Model["queryType"] != "thresholds").ToArray();
        var variables = new Dictionary<string, IReadOnlyList<string>?>();

        Assert.All(all, q => Assert.Empty(QueryModel.Problems(q.Model, variables)));
        Assert.Equal(2, all.Length - queries.Length);
        Assert.All(GrafanaFiles.AlertRules().SelectMany(r => r["data"]!.AsArray()),
            item => Assert.Contains((string?)item!["datasourceUid"], new[] { GrafanaFiles.DataSourceUid, "__expr__" }));
        Assert.All(queries, q =>
        {
            Assert.Equal("connectorTlsShare", (string?)q.Model["queryType"]);
            Assert.Equal("inbound", (string?)q.Model["direction"]);
            Assert.Equal("TLS1.0", (string?)q.Model["tls"]);
            Assert.True(q.RelativeRange!.Value.From > q.RelativeRange.Value.To, q.Where);
        });
        Assert.Equal(["OnPremises", "Partner"], queries.Select(q => (string)q.Model["connectorType"]!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void InsightAlertRules_AskTheInsightSharesOfTheSharedQuestions()
    {
        // The transit-security and TLS report rules fire on every value of their insight-share query: the insight's
        // own rule (SecurityQuestionDefaults, QuestionDefaults) has applied its threshold and minimum volume.
        var rules = GrafanaFiles.AlertRules().Where(r => !((string)r["uid"]!).StartsWith("mailflow-tls10-", StringComparison.Ordinal)).ToArray();
        var variables = new Dictionary<string, IReadOnlyList<string>?>();
        var asked = new List<string>();
        foreach (var rule in rules)
        {
            var items = rule["data"]!.AsArray().Select(d => d!.AsObject()).ToArray();
            var query = Assert.Single(items, i => (string?)i["datasourceUid"] == GrafanaFiles.DataSourceUid)["model"]!.AsObject();
            Assert.Empty(QueryModel.Problems(query, variables));
            asked.Add($"{query["queryType"]} {query["insight"]} {query["direction"]} {query["connectorType"]}".TrimEnd());
            var condition = items.Single(i => (string?)i["refId"] == (string?)rule["condition"]);
            Assert.Equal("$B > 0", (string?)condition["model"]!["expression"]);
            Assert.Null(query["thresholdPct"]);
            Assert.Null(query["minMessages"]);
        }

        Assert.Equal(
            ["securityInsightShares ForcedTlsUnverifiedPeers outbound", "securityInsightShares PartnerUnverifiedCertificates outbound Partner",
             "securityInsightShares WeakCiphers", "tlsrptInsightShares"],
            asked.Order(StringComparer.Ordinal));
        Assert.Equal("critical", (string?)rules.Single(r => (string?)r["uid"] == "mailflow-forced-tls-unverified")["labels"]!["severity"]);
    }

    [Fact]
    public void AlertRules_Annotations_NameTheConnectorAndLinkToItsReport()
    {
        var tlsReports = GrafanaFiles.AlertRules().Single(r => (string?)r["uid"] == "mailflow-tlsrpt-failures");
        Assert.Contains("{{ $labels.mx_host }}", (string?)tlsReports["annotations"]!["summary"], StringComparison.Ordinal);
        Assert.Contains("/d/mailflow-tls-details/", (string?)tlsReports["annotations"]!["tls_reports"], StringComparison.Ordinal);
        foreach (var rule in GrafanaFiles.AlertRules().Where(r => (string?)r["uid"] != "mailflow-tlsrpt-failures"))
        {
            var annotations = rule["annotations"]!.AsObject();
            Assert.Contains("{{ $labels.connector }}", (string?)annotations["summary"], StringComparison.Ordinal);
            Assert.Contains("/d/mailflow-connector-report/", (string?)annotations["connector_report"], StringComparison.Ordinal);
            Assert.Contains("var-connector={{ $labels.connector | urlquery }}", (string?)annotations["connector_report"], StringComparison.Ordinal);
            Assert.Equal("OK", (string?)rule["noDataState"]);
        }
    }

    [Fact]
    public void AlertRules_ReachTheContactPointThroughTheNotificationPolicy()
    {
        // Rules naming a receiver depend on Grafana provisioning contact points first; routing by label does not.
        var file = GrafanaFiles.Yaml("alerting", "notifications.yaml");
        var contactPoints = file["contactPoints"]!.AsArray().Select(c => (string)c!["name"]!).ToHashSet(StringComparer.Ordinal);
        var root = Assert.Single(file["policies"]!.AsArray())!;

        Assert.All(PolicyReceivers(root), receiver => Assert.Contains(receiver, contactPoints));
        foreach (var rule in GrafanaFiles.AlertRules())
        {
            Assert.Null(rule["notification_settings"]);
            var labels = rule["labels"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string)kv.Value!);
            labels["alertname"] = (string)rule["title"]!;
            var route = root["routes"]!.AsArray().FirstOrDefault(r => Matches(r!, labels));
            Assert.True(route is not null, $"rule {rule["uid"]}: no route of the policy matches its labels");
            Assert.Equal("MailFlow administrators", (string?)route!["receiver"]);
        }

        // The matchers are not vacuous: an alert without the rules' label is not routed by them.
        Assert.DoesNotContain(root["routes"]!.AsArray(), r => Matches(r!, new Dictionary<string, string> { ["alertname"] = "Something else" }));
    }

    [Fact]
    public void AlertRules_AndDashboards_ShareOneFolderFoundByTitle()
    {
        var provider = GrafanaFiles.Yaml("dashboards", "mailflow.yaml")["providers"]![0]!;

        // Rule files name their folder by title only, and Grafana provisions them before dashboards: a folderUid on
        // the provider would create a second folder of the same title (see the comment in the provider's file).
        Assert.Null(provider["folderUid"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)provider["folder"]));
        Assert.All(GrafanaFiles.AlertRuleGroups(), g => Assert.Equal((string?)provider["folder"], (string?)g["folder"]));
    }

    private static IEnumerable<string> PolicyReceivers(JsonNode policy) =>
        new[] { (string)policy["receiver"]! }.Concat((policy["routes"]?.AsArray() ?? []).SelectMany(r => PolicyReceivers(r!)));

    /// <summary>A route's object_matchers against an alert's labels, as Alertmanager evaluates them (regexes anchored).</summary>
    private static bool Matches(JsonNode route, IReadOnlyDictionary<string, string> labels) =>
        route["object_matchers"]!.AsArray().All(m =>
        {
            var (name, op, value) = ((string)m![0]!, (string)m[1]!, (string)m[2]!);
            var actual = labels.GetValueOrDefault(name, string.Empty);
            return op switch
            {
                "=" => actual == value,
                "!=" => actual != value,
                "=~" => Regex.IsMatch(actual, $"^(?:{value})$"),
                "!~" => !Regex.IsMatch(actual, $"^(?:{value})$"),
                _ => throw new InvalidDataException("unknown matcher operator " + op),
            };
        });

    [Fact]
    public void Yaml_PlainScalars_AreTypedLikeGrafanaReadsThem()
    {
        // The loader itself: numbers and booleans typed, quoted values kept as strings.
        var rule = GrafanaFiles.AlertRules().First(r => (string?)r["uid"] == "mailflow-tls10-inbound-partner");

        Assert.IsType<long>(((JsonValue)rule["data"]![0]!["relativeTimeRange"]!["from"]!).GetValue<long>());
        Assert.False((bool)rule["isPaused"]!);
        Assert.Equal("2", (string?)rule["annotations"]!["__panelId__"]);
    }
}
