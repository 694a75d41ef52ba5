using System.Text.Json.Nodes;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>Grafana provisioning: the data source, the dashboard provider, the TLS 1.0 alert rules and their contact point.</summary>
public sealed class ProvisioningFilesTests
{
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

        Assert.Equal(2, rules.Length);
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
                    Assert.Contains((string)item["model"]!["expression"]!, refIds);
                }
            }
        }
    }

    [Fact]
    public void AlertRules_DataSourceQueries_AskTheTls10ShareOfInboundPartnerAndOnPremisesConnectors()
    {
        var queries = GrafanaFiles.AlertQueries().ToArray();
        var variables = new Dictionary<string, IReadOnlyList<string>?>();

        Assert.All(queries, q => Assert.Empty(QueryModel.Problems(q.Model, variables)));
        Assert.All(GrafanaFiles.AlertRules().SelectMany(r => r["data"]!.AsArray()),
            item => Assert.Contains((string?)item!["datasourceUid"], new[] { GrafanaFiles.DataSourceUid, "__expr__" }));
        Assert.All(queries, q =>
        {
            Assert.Equal("connectorTlsShare", (string?)q.Model["queryType"]);
            Assert.Equal("inbound", (string?)q.Model["direction"]);
            Assert.Equal("TLS1.0", (string?)q.Model["tls"]);
            Assert.True((long)q.Model["minMessages"]! >= 2, $"{q.Where}: a single message must not page anyone");
            Assert.True(q.RelativeRange!.Value.From > q.RelativeRange.Value.To, q.Where);
        });
        Assert.Equal(["OnPremises", "Partner"], queries.Select(q => (string)q.Model["connectorType"]!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AlertRules_Thresholds_ArePositivePercentages()
    {
        foreach (var rule in GrafanaFiles.AlertRules())
        {
            var threshold = rule["data"]!.AsArray().Single(d => (string?)d!["model"]?["type"] == "threshold")!;
            var evaluator = threshold["model"]!["conditions"]![0]!["evaluator"]!;
            Assert.Equal("gt", (string?)evaluator["type"]);
            var percent = double.Parse(evaluator["params"]![0]!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(percent, 0.01, 100);
        }
    }

    [Fact]
    public void AlertRules_Annotations_NameTheConnectorAndLinkToItsReport()
    {
        foreach (var rule in GrafanaFiles.AlertRules())
        {
            var annotations = rule["annotations"]!.AsObject();
            Assert.Contains("{{ $labels.connector }}", (string?)annotations["summary"], StringComparison.Ordinal);
            Assert.Contains("/d/mailflow-connector-report/", (string?)annotations["connector_report"], StringComparison.Ordinal);
            Assert.Contains("var-connector={{ $labels.connector | urlquery }}", (string?)annotations["connector_report"], StringComparison.Ordinal);
            Assert.Equal("OK", (string?)rule["noDataState"]);
        }
    }

    [Fact]
    public void AlertRules_Receiver_IsAProvisionedContactPoint()
    {
        var contactPoints = GrafanaFiles.Yaml("alerting", "contact-points.yaml")["contactPoints"]!.AsArray()
            .Select(c => (string)c!["name"]!).ToHashSet(StringComparer.Ordinal);

        Assert.All(GrafanaFiles.AlertRules(), rule => Assert.Contains((string)rule["notification_settings"]!["receiver"]!, contactPoints));
    }

    [Fact]
    public void AlertRules_Folder_IsTheDashboardsFolder()
    {
        var folder = (string?)GrafanaFiles.Yaml("dashboards", "mailflow.yaml")["providers"]![0]!["folder"];
        var groups = GrafanaFiles.Yaml("alerting", "tls10.yaml")["groups"]!.AsArray();

        Assert.All(groups, g => Assert.Equal(folder, (string?)g!["folder"]));
    }

    [Fact]
    public void Yaml_PlainScalars_AreTypedLikeGrafanaReadsThem()
    {
        // The loader itself: numbers and booleans typed, quoted values kept as strings.
        var rule = GrafanaFiles.AlertRules().First();

        Assert.IsType<long>(((JsonValue)rule["data"]![0]!["relativeTimeRange"]!["from"]!).GetValue<long>());
        Assert.False((bool)rule["isPaused"]!);
        Assert.Equal("4", (string?)rule["annotations"]!["__panelId__"]);
    }
}
