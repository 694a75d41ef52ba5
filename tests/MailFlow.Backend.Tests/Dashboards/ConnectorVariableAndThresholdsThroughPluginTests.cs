using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MailFlow.Backend.Tests.Support;
using MailFlow.Contracts.Schema;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>
/// Through the packaged plugin under the Grafana-like host: the Connector report's "Show data for" variable follows
/// the time range and the other variables, and the insights and the alert rules apply the data source's thresholds.
/// </summary>
public sealed class ConnectorVariableAndThresholdsThroughPluginTests(MailFlowInflux influx) : IClassFixture<MailFlowInflux>
{
    /// <summary>A database of its own for the variable: connectors on two servers, one of them quiet for 3 days.</summary>
    private const string VariableDatabase = "connector_variable";

    private static readonly object VariableDataLock = new();
    private static bool _variableDataWritten;

    private static JsonObject Report => GrafanaFiles.Dashboards().Single(d => (string?)d.Json["uid"] == "mailflow-connector-report").Json;

    private static JsonObject ConnectorVariable => GrafanaFiles.Variables(Report).Single(v => (string?)v["name"] == "connector");

    [Fact]
    public void ConnectorVariable_IsAQueryRefreshedWithTheTimeRangeAndFilteredByTheOtherVariables()
    {
        var variable = ConnectorVariable;

        // refresh 2 = "On time range change": Grafana re-runs the query with the dashboard's range.
        Assert.Equal(2, (int?)variable["refresh"]);
        Assert.Equal(GrafanaFiles.DataSourceUid, (string?)variable["datasource"]?["uid"]);
        var query = variable["query"]!.AsObject();
        Assert.Equal("connectors", (string?)query["queryType"]);
        Assert.Equal("$connector_type", (string?)query["connectorType"]);
        Assert.Equal("$source", (string?)query["source"]);
    }

    [Fact]
    public void ConnectorVariable_RangeWithoutAConnectorsTraffic_LeavesItOut()
    {
        // "Quiet partner" sent its only mail 3 days ago: in the last 7 days, not in the last 24 hours.
        var week = ConnectorOptions(TimeSpan.FromDays(7), "", "");
        var day = ConnectorOptions(TimeSpan.FromHours(24), "", "");

        Assert.Equal(["Contoso", "Fabrikam", "On-premises relay", "Quiet partner"], week);
        Assert.Equal(["Contoso", "Fabrikam", "On-premises relay"], day);
    }

    [Fact]
    public void ConnectorVariable_ConnectorTypeAndSource_NarrowTheList()
    {
        var types = TemplateVariables.PossibleValues(Report)["connector_type"]!;
        Assert.Contains("OnPremises", types);

        // Only the relay is OnPremises; only Fabrikam's mail came through mx2.
        Assert.Equal(["On-premises relay"], ConnectorOptions(TimeSpan.FromDays(7), "OnPremises", ""));
        Assert.Equal(["Fabrikam"], ConnectorOptions(TimeSpan.FromDays(7), "", "mx2.example.com"));
        Assert.Equal(["Contoso", "Quiet partner"], ConnectorOptions(TimeSpan.FromDays(7), "Partner", "mx1.example.com"));
    }

    [Fact]
    public void Insights_DataSourceThresholds_DecideWhichConnectorIsSignificant()
    {
        // Last 24 hours (the panel's window), Contoso inbound: 4 of 22 messages over TLS 1.0 = 18.18 %.
        var (percent, minMessages) = GrafanaFiles.InsightThresholds();
        Assert.True(percent <= 18 && minMessages <= 22, "the provisioned thresholds must leave Contoso significant for this test");

        var provisioned = Insights(influx.Settings);
        var contoso = Assert.Single(provisioned, r => r.Connector == "Contoso" && r.Tls == "TLS1.0");
        Assert.Equal(100.0 * 4 / 22, contoso.Share, 2);
        Assert.Equal(percent, contoso.Threshold, 2);
        // Fabrikam's 8 messages are under the minimum volume; the relay's 1 of 50 (2 %) is under the threshold.
        Assert.DoesNotContain(provisioned, r => r.Connector == "Fabrikam");
        Assert.DoesNotContain(provisioned, r => r.Connector == "On-premises relay" && r.Tls == "TLS1.0");

        // A threshold above 18.18 %, or a minimum above 22 messages, set on the data source: Contoso is no insight.
        Assert.DoesNotContain(Insights(WithJsonData(("legacyTlsThresholdPercent", 20))), r => r.Connector == "Contoso");
        Assert.DoesNotContain(Insights(WithJsonData(("legacyTlsMinMessages", 23))), r => r.Connector == "Contoso");
        // A threshold of 1 % makes the relay's 2 % significant, and the threshold column says 1.
        var low = Insights(WithJsonData(("legacyTlsThresholdPercent", 1)));
        Assert.Equal(1.0, Assert.Single(low, r => r.Connector == "On-premises relay" && r.Tls == "TLS1.0").Threshold, 2);
    }

    [Fact]
    public void AlertRules_DataSourceThresholds_DecideWhichConnectorFires()
    {
        var (percent, _) = GrafanaFiles.InsightThresholds();

        // Provisioned: Contoso 18.18 % >= threshold; the relay's 2 % is not; Fabrikam (8 messages) gives no value.
        var provisioned = Evaluate(influx.Settings);
        Assert.Equal(percent, provisioned.Threshold, 2);
        Assert.Equal(["Contoso", "On-premises relay"], provisioned.Shares.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Contoso"], provisioned.Fired);

        // The rules follow the data source: 20 % silences Contoso, 1 % adds the relay, 23 messages drops Contoso's value.
        Assert.Empty(Evaluate(WithJsonData(("legacyTlsThresholdPercent", 20))).Fired);
        Assert.Equal(["Contoso", "On-premises relay"], Evaluate(WithJsonData(("legacyTlsThresholdPercent", 1))).Fired);
        Assert.Equal(["On-premises relay"], Evaluate(WithJsonData(("legacyTlsMinMessages", 23))).Shares.Keys);
    }

    [Fact]
    public void Thresholds_InvalidOnTheDataSource_AreReportedWithTheFieldToFix()
    {
        var query = GrafanaQueries.ForAlert(GrafanaFiles.AlertQueries().First(q => q.Where.StartsWith("alert rule mailflow-tls10-", StringComparison.Ordinal)), influx.Now);

        var answer = DashboardPluginHost.Instance.Query(WithJsonData(("legacyTlsThresholdPercent", 150)), [query]);

        var error = (string?)answer["data"]![query.RefId]!["error"];
        Assert.Contains("TLS 1.0 insight threshold '150'", error, StringComparison.Ordinal);
        Assert.Contains("settings page", error, StringComparison.Ordinal);
    }

    [Fact]
    public void DrillDownLinks_NameAFieldOfTheirPanelsFrames()
    {
        // ${__data.fields.connector} must name a field the plugin really returns for that panel.
        var values = GrafanaQueries.CurrentValues(Report);
        values["connector"] = ["Contoso"];
        foreach (var panel in GrafanaFiles.Panels(Report).Where(p => DrillDownAndThresholdFilesTests.ConnectorLinks(p).Count > 0))
        {
            var queries = panel["targets"]!.AsArray().Select(t => GrafanaQueries.ForPanel(Report, panel, t!.AsObject(), values, influx.Now)).ToArray();
            var answer = DashboardPluginHost.Instance.Query(influx.Settings, queries);
            var frames = DecodedFrames.Of(answer, queries[0].RefId, (string)panel["title"]!);
            Assert.NotEmpty(frames);
            Assert.All(frames, frame => Assert.True(DecodedFrames.HasField(frame, "connector"), $"\"{panel["title"]}\" has no connector field"));
        }
    }

    private sealed record InsightRow(string Connector, string Tls, double Share, double Threshold);

    private InsightRow[] Insights(JsonObject settings)
    {
        var panel = GrafanaFiles.Panels(Report).Single(p => p["targets"]?.AsArray().Any(t => (string?)t!["queryType"] == "insights") == true);
        var queries = panel["targets"]!.AsArray().Select(t => GrafanaQueries.ForPanel(Report, panel, t!.AsObject(), AllConnectors(), influx.Now)).ToArray();
        var answer = DashboardPluginHost.Instance.Query(settings, queries);
        return DecodedFrames.Of(answer, "A", "insights").SelectMany(DecodedFrames.Rows)
            .Select(r => new InsightRow(DecodedFrames.Text(r["connector"])!, DecodedFrames.Text(r["tls"])!, DecodedFrames.Double(r["share_pct"]), DecodedFrames.Double(r["threshold_pct"])))
            .ToArray();
    }

    /// <summary>Both rules' data source queries through the plugin, then their condition as Grafana evaluates it.</summary>
    private (double Threshold, Dictionary<string, double> Shares, string[] Fired) Evaluate(JsonObject settings)
    {
        var shares = new Dictionary<string, double>(StringComparer.Ordinal);
        var fired = new List<string>();
        var threshold = double.NaN;
        foreach (var rule in GrafanaFiles.AlertRules().Where(r => ((string)r["uid"]!).StartsWith("mailflow-tls10-", StringComparison.Ordinal)))
        {
            var items = GrafanaFiles.AlertQueries().Where(q => q.Where.StartsWith($"alert rule {rule["uid"]} ", StringComparison.Ordinal)).ToArray();
            var queries = items.Select(i => GrafanaQueries.ForAlert(i, influx.Now)).ToArray();
            var answer = DashboardPluginHost.Instance.Query(settings, queries);
            var shareRef = queries.Single(q => (string?)q.Model["queryType"] == "connectorTlsShare").RefId;
            var thresholdRef = queries.Single(q => (string?)q.Model["queryType"] == "thresholds").RefId;

            var thresholdFrame = Assert.Single(DecodedFrames.Of(answer, thresholdRef, "thresholds"));
            var thresholdField = Assert.Single(thresholdFrame["fields"]!.AsArray())!.AsObject();
            Assert.Empty(DecodedFrames.Labels(thresholdField));
            threshold = DecodedFrames.Double(Assert.Single(thresholdField["values"]!.AsArray()));

            foreach (var frame in DecodedFrames.Of(answer, shareRef, "connectorTlsShare"))
            {
                var share = DecodedFrames.Field(frame, "share");
                var connector = DecodedFrames.Labels(share)["connector"];
                shares[connector] = DecodedFrames.Double(share["values"]![0]);

                // The rule's condition is "$B >= $T", B being A's single value per connector.
                if (shares[connector] >= threshold)
                {
                    fired.Add(connector);
                }
            }
        }

        return (threshold, shares, fired.Order(StringComparer.Ordinal).ToArray());
    }

    private JsonObject WithJsonData(params (string Key, double Value)[] values)
    {
        var settings = influx.Settings.DeepClone().AsObject();
        foreach (var (key, value) in values)
        {
            settings["jsonData"]![key] = value;
        }

        return settings;
    }

    /// <summary>"Show data for" = All, as Grafana sends it: every option of the variable.</summary>
    private Dictionary<string, string[]> AllConnectors()
    {
        var values = GrafanaQueries.CurrentValues(Report);
        values["connector"] = [];
        return values;
    }

    /// <summary>
    /// The variable's options as Grafana lists them: its query, with $connector_type and $source expanded, sent
    /// through the plugin with the dashboard's range (the last <paramref name="range"/>), the first string field's
    /// distinct values.
    /// </summary>
    private string[] ConnectorOptions(TimeSpan range, string connectorType, string source)
    {
        WriteVariableData();
        var values = GrafanaQueries.CurrentValues(Report);
        values["connector_type"] = [connectorType];
        values["source"] = [source];
        var target = GrafanaQueries.Interpolate(ConnectorVariable["query"]!.AsObject(), values);
        var query = new HostQuery((string)target["refId"]!, influx.Now - range, influx.Now, GrafanaQueries.DefaultMaxDataPoints, 600_000, target);
        var settings = influx.Settings.DeepClone().AsObject();
        settings["jsonData"]!["database"] = VariableDatabase;

        var frame = Assert.Single(DecodedFrames.Of(DashboardPluginHost.Instance.Query(settings, [query]), query.RefId, "connector variable"));
        var first = frame["fields"]!.AsArray().Select(f => f!.AsObject()).First(f => (string?)f["type"] == "Utf8");
        return first["values"]!.AsArray().Select(v => (string)v!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
    }

    /// <remarks>
    /// <code>
    /// connector          type        source           when
    /// Contoso            Partner     mx1.example.com  1 hour ago
    /// Fabrikam           Partner     mx2.example.com  1 hour ago
    /// On-premises relay  OnPremises  mx1.example.com  1 hour ago
    /// Quiet partner      Partner     mx1.example.com  3 days ago
    /// </code>
    /// </remarks>
    private void WriteVariableData()
    {
        lock (VariableDataLock)
        {
            if (_variableDataWritten)
            {
                return;
            }

            var recent = influx.Now.AddHours(-1).ToUnixTimeSeconds() / 60 * 60;
            var old = influx.Now.AddDays(-3).ToUnixTimeSeconds() / 60 * 60;
            var lines = new StringBuilder();
            foreach (var (connector, type, source, time) in new[]
            {
                ("Contoso", "Partner", "mx1.example.com", recent),
                ("Fabrikam", "Partner", "mx2.example.com", recent),
                ("On-premises relay", "OnPremises", "mx1.example.com", recent),
                ("Quiet partner", "Partner", "mx1.example.com", old),
            })
            {
                lines.Append(CultureInfo.InvariantCulture,
                    $"{InfluxSchema.MessagesMeasurement},connector={connector.Replace(" ", "\\ ", StringComparison.Ordinal)},connector_type={type},direction=inbound,forced_tls=false,source={source},tls=TLS1.2 messages=5i,recipients=5i,bytes=10000i {time}\n");
            }

            influx.Server.Query($"CREATE DATABASE {VariableDatabase}");
            FixtureLoader.Write(influx.Server, VariableDatabase, lines.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
            _variableDataWritten = true;
        }
    }
}
