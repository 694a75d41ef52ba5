using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>
/// The Connector report's drill-down links, the TLS 1.0 insight's thresholds (defined once, on the data source, and
/// shown by the dashboards) and where the alert rules' state annotations land.
/// </summary>
public sealed partial class DrillDownAndThresholdFilesTests
{
    private const string ReportUid = "mailflow-connector-report";

    private static JsonObject Report => GrafanaFiles.Dashboards().Single(d => (string?)d.Json["uid"] == ReportUid).Json;

    private static JsonObject PanelOfQueryType(JsonObject dashboard, string queryType) =>
        GrafanaFiles.Panels(dashboard).Single(p => p["targets"]?.AsArray().Any(t => (string?)t!["queryType"] == queryType) == true);

    [Theory]
    [InlineData("connectorReport")]
    [InlineData("insights")]
    [InlineData("peers")]
    public void ConnectorCells_LinkToTheConnectorReportKeepingTheRangeAndTheOtherVariables(string queryType)
    {
        var panel = PanelOfQueryType(Report, queryType);
        var links = ConnectorLinks(panel);

        var link = Assert.Single(links);
        var match = ReportLink().Match(link);
        Assert.True(match.Success, $"\"{panel["title"]}\": {link} is no link to a dashboard");
        Assert.Equal(ReportUid, match.Groups["uid"].Value);
        Assert.Contains("${__url_time_range}", link, StringComparison.Ordinal);
        Assert.Contains("var-connector=${__data.fields.connector}", link, StringComparison.Ordinal);

        // Every variable the link sets is one of the report's, and every other variable of the report is carried over.
        var variables = GrafanaFiles.Variables(Report).Select(v => (string)v["name"]!).ToHashSet(StringComparer.Ordinal);
        var set = SetVariables().Matches(link).Select(m => m.Groups["name"].Value)
            .Concat(QueryParamVariables().Matches(link).Select(m => m.Groups["name"].Value))
            .ToArray();
        Assert.All(set, name => Assert.Contains(name, variables));
        Assert.Equal(variables.Order(StringComparer.Ordinal), set.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void InsightThresholds_AreAPercentageAndAVolumeOnTheDataSource()
    {
        var (percent, minMessages) = GrafanaFiles.InsightThresholds();

        Assert.InRange(percent, 0.01, 100);
        Assert.True(minMessages >= 2, "a single message must not raise an insight or page anyone");
    }

    [Fact]
    public void InsightThresholds_AreDefinedOnlyOnTheDataSource()
    {
        // No panel, variable or rule query carries its own threshold or minimum volume: the plugin applies the data
        // source's, so the insights and the alerts cannot drift apart.
        var queries = GrafanaFiles.Dashboards().SelectMany(d => GrafanaFiles.DashboardQueries(d.Path, d.Json)).Concat(GrafanaFiles.AlertQueries());
        Assert.All(queries, q =>
        {
            Assert.Null(q.Model["minMessages"]);
            Assert.Null(q.Model["thresholdPct"]);
        });

        // Each TLS 1.0 rule's condition compares with the plugin's thresholds query: no number of its own, no threshold
        // expression. (The insight-share rules fire on any value: ProvisioningFilesTests.InsightAlertRules_....)
        foreach (var rule in GrafanaFiles.AlertRules().Where(r => ((string)r["uid"]!).StartsWith("mailflow-tls10-", StringComparison.Ordinal)))
        {
            var items = rule["data"]!.AsArray().Select(d => d!.AsObject()).ToArray();
            Assert.DoesNotContain(items, i => (string?)i["model"]?["type"] is "threshold" or "classic_conditions");
            var condition = items.Single(i => (string?)i["refId"] == (string?)rule["condition"]);
            var expression = (string)condition["model"]!["expression"]!;
            Assert.Equal("math", (string?)condition["model"]!["type"]);
            Assert.False(NumberLiteral().IsMatch(expression), $"rule {rule["uid"]}: \"{expression}\" holds a number of its own");
            var thresholds = items.Where(i => (string?)i["model"]?["queryType"] == "thresholds").Select(i => (string)i["refId"]!).ToArray();
            Assert.Single(thresholds);
            Assert.Contains("$" + thresholds[0], expression, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Dashboards_ShowTheDataSourcesInsightThresholdAndWindow()
    {
        var (percent, minMessages) = GrafanaFiles.InsightThresholds();
        var text = percent.ToString(CultureInfo.InvariantCulture);

        // "TLS usage": a line at the insight's percentage.
        var usage = GrafanaFiles.Panels(Report).Single(p => (string?)p["title"] == "TLS usage");
        Assert.Equal("line", (string?)usage["fieldConfig"]!["defaults"]!["custom"]!["thresholdsStyle"]!["mode"]);
        Assert.Equal([percent], ThresholdValues(usage["fieldConfig"]!["defaults"]!));

        // The details table's TLS 1.0 % cells turn red at the same percentage.
        var details = PanelOfQueryType(Report, "connectorReport");
        var tls10 = details["fieldConfig"]!["overrides"]!.AsArray().Single(o => (string?)o!["matcher"]!["options"] == "tls10_pct")!["properties"]!.AsArray()
            .Single(p => (string?)p!["id"] == "thresholds")!["value"]!;
        Assert.Equal(percent, ThresholdValues(tls10).Max());

        // The insights panel says what it shows: threshold, minimum volume and window, the window being the rules' own.
        var insights = PanelOfQueryType(Report, "insights");
        var title = (string)insights["title"]!;
        Assert.Contains($"{text} %", title, StringComparison.Ordinal);
        Assert.Contains($"{minMessages} messages", title, StringComparison.Ordinal);
        Assert.Contains($"{text} %", (string?)insights["description"], StringComparison.Ordinal);
        Assert.Contains($"{minMessages} messages", (string?)insights["description"], StringComparison.Ordinal);
        var window = GrafanaQueries.Duration((string)insights["timeFrom"]!);
        Assert.Contains($"last {window.TotalHours.ToString(CultureInfo.InvariantCulture)} hours", title, StringComparison.Ordinal);
        Assert.All(GrafanaFiles.AlertQueries(), q => Assert.Equal((long)window.TotalSeconds, q.RelativeRange!.Value.From));
    }

    [Fact]
    public void AlertStateAnnotations_LandOnATimeSeriesPanelOfADashboardShowingAlerts()
    {
        // The TLS report rule has no per-connector chart to annotate; it links to its dashboard instead.
        foreach (var rule in GrafanaFiles.AlertRules().Where(r => r["annotations"]!["__dashboardUid__"] is not null))
        {
            var annotations = rule["annotations"]!;
            var dashboard = GrafanaFiles.Dashboards().Single(d => (string?)d.Json["uid"] == (string?)annotations["__dashboardUid__"]).Json;
            var panelId = long.Parse((string)annotations["__panelId__"]!, CultureInfo.InvariantCulture);
            var panel = GrafanaFiles.Panels(dashboard).Single(p => (long?)p["id"] == panelId);

            Assert.Equal("timeseries", (string?)panel["type"]);
            Assert.Contains("alert", (string?)panel["description"], StringComparison.OrdinalIgnoreCase);
            // Grafana draws alert state changes only through the built-in "Annotations & Alerts" query.
            Assert.Contains(dashboard["annotations"]!["list"]!.AsArray(), a =>
                (int?)a!["builtIn"] == 1 && (string?)a["type"] == "dashboard" && (bool?)a["enable"] == true && (string?)a["datasource"]?["type"] == "grafana");
        }
    }

    /// <summary>The URLs of the links on the panel's connector field (none for a row, which has no field config).</summary>
    internal static IReadOnlyList<string> ConnectorLinks(JsonObject panel) =>
        (panel["fieldConfig"]?["overrides"]?.AsArray() ?? [])
            .Where(o => (string?)o!["matcher"]!["id"] == "byName" && (string?)o["matcher"]!["options"] == "connector")
            .SelectMany(o => o!["properties"]!.AsArray())
            .Where(p => (string?)p!["id"] == "links")
            .SelectMany(p => p!["value"]!.AsArray())
            .Select(l => (string)l!["url"]!)
            .ToArray();

    /// <summary>The values of a field config's threshold steps, the base step (null) left out.</summary>
    private static double[] ThresholdValues(JsonNode config)
    {
        var steps = (config["thresholds"] ?? config)["steps"]!.AsArray();
        return steps.Where(s => s!["value"] is not null).Select(s => GrafanaFiles.Number(s!["value"])).ToArray();
    }

    [GeneratedRegex(@"^/d/(?<uid>[A-Za-z0-9_-]+)/[a-z0-9-]+\?")]
    private static partial Regex ReportLink();

    [GeneratedRegex(@"var-(?<name>\w+)=")]
    private static partial Regex SetVariables();

    [GeneratedRegex(@"\$\{(?<name>\w+):queryparam\}")]
    private static partial Regex QueryParamVariables();

    [GeneratedRegex(@"(?<![\w$])\d")]
    private static partial Regex NumberLiteral();
}
