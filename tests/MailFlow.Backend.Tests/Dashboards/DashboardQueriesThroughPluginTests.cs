using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>A real InfluxDB holding <see cref="MailFlowData"/>, and the data source settings of the provisioning file.</summary>
public sealed class MailFlowInflux : IDisposable
{
    public MailFlowInflux()
    {
        Now = DateTimeOffset.UtcNow;
        try
        {
            MailFlowData.Load(Server, Now);
        }
        catch
        {
            // xunit does not dispose a fixture whose constructor threw: stop influxd here.
            Server.Dispose();
            throw;
        }

        Settings = DataSourceSettings(new Dictionary<string, string>
        {
            ["MAILFLOW_INFLUX_URL"] = Server.Url.ToString().TrimEnd('/'),
            ["MAILFLOW_INFLUX_DATABASE"] = MailFlowData.Database,
            ["MAILFLOW_INFLUX_USER"] = "",
            ["MAILFLOW_INFLUX_PASSWORD"] = "",
        });
    }

    public InfluxDbServer Server { get; } = new();

    /// <summary>The time the data is relative to.</summary>
    public DateTimeOffset Now { get; }

    /// <summary>dashboards/provisioning/datasources/mailflow.yaml, its $VARIABLES replaced as Grafana does, as the host's settings.</summary>
    internal JsonObject Settings { get; }

    public void Dispose() => Server.Dispose();

    private static JsonObject DataSourceSettings(Dictionary<string, string> environment)
    {
        var source = GrafanaFiles.Yaml("datasources", "mailflow.yaml")["datasources"]![0]!.AsObject();
        var text = Regex.Replace(source.ToJsonString(), @"\$\{?([A-Z][A-Z0-9_]+)\}?", m => environment[m.Groups[1].Value]);
        var resolved = JsonNode.Parse(text)!.AsObject();
        return new JsonObject
        {
            ["id"] = 1,
            ["uid"] = resolved["uid"]!.DeepClone(),
            ["name"] = resolved["name"]!.DeepClone(),
            ["url"] = resolved["url"]!.DeepClone(),
            ["jsonData"] = resolved["jsonData"]!.DeepClone(),
            ["secureJsonData"] = resolved["secureJsonData"]!.DeepClone(),
        };
    }
}

/// <summary>
/// Every panel's and alert rule's query, taken from the provisioned files, run through the packaged plugin under the
/// Grafana-like host against a real InfluxDB holding <see cref="MailFlowData"/>; the frames are decoded by
/// apache-arrow and compared with the figures worked out by hand in <see cref="MailFlowData"/>.
/// </summary>
public sealed class DashboardQueriesThroughPluginTests(MailFlowInflux influx) : IClassFixture<MailFlowInflux>
{
    private const double Tolerance = 0.01;

    private static JsonObject DashboardByUid(string uid) => GrafanaFiles.Dashboards().Single(d => (string?)d.Json["uid"] == uid).Json;

    private static JsonObject PanelByTitle(JsonObject dashboard, string title) => GrafanaFiles.Panels(dashboard).Single(p => (string?)p["title"] == title);

    [Fact]
    public void Panels_EveryQueryOfEveryDashboard_AnswersFramesWithoutError()
    {
        foreach (var (path, dashboard) in GrafanaFiles.Dashboards())
        {
            var values = ResolvedValues(dashboard);
            var panels = GrafanaFiles.Panels(dashboard).Where(p => p["targets"] is not null).ToArray();
            foreach (var panel in panels)
            {
                var queries = panel["targets"]!.AsArray().Select(t => GrafanaQueries.ForPanel(dashboard, panel, t!.AsObject(), values, influx.Now)).ToArray();
                var answer = DashboardPluginHost.Instance.Query(influx.Settings, queries);
                foreach (var query in queries)
                {
                    var frames = DecodedFrames.Of(answer, query.RefId, $"{Path.GetFileName(path)} \"{panel["title"]}\"");
                    Assert.NotEmpty(frames);
                }

                Assert.Empty(answer["badStderr"]!.AsArray());
            }
        }
    }

    [Fact]
    public void ConnectorReport_AllSentAsItsAllValue_AnswersAsEveryOptionListed()
    {
        // The connector variable's All is sent as "$__all" (no connector filter: the plugin reads the narrow rollups,
        // 2-3x faster on a first load with 50 connectors) instead of every option by name: for that to be right, each
        // panel must answer the very same rows both ways, since the options are every connector with mail in the range.
        var dashboard = DashboardByUid("mailflow-connector-report");
        var connector = GrafanaFiles.Variables(dashboard).Single(v => (string?)v["name"] == "connector");
        Assert.Equal("$__all", (string?)connector["allValue"]);
        var asAllValue = ResolvedValues(dashboard);
        var asEveryOption = ResolvedValues(dashboard, everyOption: true);
        Assert.Equal(["$__all"], asAllValue["connector"]);
        Assert.True(asEveryOption["connector"].Length >= 2, "the data has several connectors, so the comparison is not trivial");
        var rows = 0;
        foreach (var panel in GrafanaFiles.Panels(dashboard).Where(p => p["targets"] is not null))
        {
            var byAllValue = RunPanel(dashboard, panel, asAllValue);
            var byEveryOption = RunPanel(dashboard, panel, asEveryOption);
            foreach (var target in panel["targets"]!.AsArray())
            {
                var refId = (string)target!["refId"]!;
                var where = $"\"{panel["title"]}\" {refId}";
                var expected = DecodedFrames.Of(byEveryOption, refId, where);
                var actual = DecodedFrames.Of(byAllValue, refId, where);
                Assert.Equal(expected.Count, actual.Count);
                rows += expected.Sum(frame => DecodedFrames.Rows(frame).Count);
                for (var i = 0; i < expected.Count; i++)
                {
                    // Field by field (names, labels, values); the frame's meta holds the executed InfluxQL, which differs.
                    Assert.Equal(expected[i]["fields"]!.ToJsonString(), actual[i]["fields"]!.ToJsonString());
                }
            }
        }

        Assert.True(rows > 0, "the panels answered rows to compare");
    }

    [Fact]
    public void MailFlowWidget_LastSevenDays_GivesEachDirectionsShareByTlsVersion()
    {
        var dashboard = DashboardByUid("mailflow-overview");
        var widget = GrafanaFiles.Panels(dashboard).Single(p => (string?)p["type"] == "barchart");
        var answer = RunPanel(dashboard, widget, ResolvedValues(dashboard));

        // Inbound over the last 7 days: 200 messages; the 1,000 TLS 1.0 messages of 10 days ago are outside.
        AssertSummary(Summary(answer, "A"), ("inbound", "TLS1.2", 153, 76.5), ("inbound", "TLS1.3", 30, 15), ("inbound", "none", 11, 5.5), ("inbound", "TLS1.0", 6, 3));
        AssertSummary(Summary(answer, "B"), ("outbound", "TLS1.2", 120, 80), ("outbound", "TLS1.3", 20, 100.0 * 20 / 150), ("outbound", "TLS1.1", 5, 100.0 * 5 / 150), ("outbound", "none", 5, 100.0 * 5 / 150));
    }

    [Fact]
    public void MailFlowStats_ProtectedAndLegacyShares_AddUpFromTheSummaryRows()
    {
        // The stat panels sum the summary's percent over the rows their transformation keeps: TLS of any version for
        // "protected" (inbound 100 - 5.5 = 94.5), plaintext and legacy TLS for "legacy" (inbound 5.5 + 3 = 8.5).
        var dashboard = DashboardByUid("mailflow-overview");
        var rows = Summary(RunPanel(dashboard, PanelByTitle(dashboard, "Inbound: protected by TLS"), ResolvedValues(dashboard)), "A");

        Assert.Equal(94.5, rows.Where(r => r.Tls != "none").Sum(r => r.Percent), 2);
        Assert.Equal(8.5, rows.Where(r => r.Tls is "none" or "SSLv3" or "TLS1.0" or "TLS1.1").Sum(r => r.Percent), 2);
        Assert.Equal(10, Summary(RunPanel(dashboard, PanelByTitle(dashboard, "Submission messages"), ResolvedValues(dashboard)), "A").Sum(r => r.Messages));
    }

    [Fact]
    public void Details_MessagesPerDay_SumToEachTlsVersionsMessagesOverTheRange()
    {
        var dashboard = DashboardByUid("mailflow-tls-details");
        var answer = RunPanel(dashboard, PanelByTitle(dashboard, "Inbound: messages by TLS version"), ResolvedValues(dashboard));
        var totals = new Dictionary<string, double>();
        foreach (var frame in DecodedFrames.Of(answer, "A", "inbound messages"))
        {
            var time = DecodedFrames.Field(frame, "time");
            var value = frame["fields"]!.AsArray().Select(f => f!.AsObject()).Single(f => (string?)f["type"] != "Timestamp");
            var labels = DecodedFrames.Labels(value);
            Assert.Equal("inbound", labels["direction"]);
            Assert.Equal("NANOSECOND", (string?)time["unit"]);
            Assert.Null((string?)time["timezone"]);
            totals[labels["tls"]] = totals.GetValueOrDefault(labels["tls"]) + value["values"]!.AsArray().Sum(DecodedFrames.Double);
        }

        Assert.Equal(153, totals["TLS1.2"], Tolerance);
        Assert.Equal(30, totals["TLS1.3"], Tolerance);
        Assert.Equal(11, totals["none"], Tolerance);
        Assert.Equal(6, totals["TLS1.0"], Tolerance);
        Assert.Equal(200, totals.Values.Sum(), Tolerance);
    }

    [Fact]
    public void Details_ShareTrend_AddsUpToAHundredPercentWhereThereIsMail()
    {
        var dashboard = DashboardByUid("mailflow-tls-details");
        var answer = RunPanel(dashboard, PanelByTitle(dashboard, "Outbound: TLS share trend"), ResolvedValues(dashboard));
        var perTime = new Dictionary<string, double>();
        foreach (var frame in DecodedFrames.Of(answer, "A", "outbound share"))
        {
            var times = DecodedFrames.Field(frame, "time")["values"]!.AsArray();
            var value = frame["fields"]!.AsArray().Select(f => f!.AsObject()).Single(f => (string?)f["type"] != "Timestamp");
            Assert.Equal("outbound", DecodedFrames.Labels(value)["direction"]);
            for (var i = 0; i < times.Count; i++)
            {
                var share = DecodedFrames.Double(value["values"]![i]);
                if (!double.IsNaN(share))
                {
                    perTime[(string)times[i]!] = perTime.GetValueOrDefault((string)times[i]!) + share;
                }
            }
        }

        // All outbound mail is one hour old: one bucket at 100 %, the others empty.
        Assert.Contains(perTime.Values, v => Math.Abs(v - 100) < Tolerance);
        Assert.All(perTime.Values, v => Assert.True(Math.Abs(v) < Tolerance || Math.Abs(v - 100) < Tolerance, $"a bucket adds up to {v} %"));
    }

    [Fact]
    public void ConnectorReport_ShowDataFor_ListsTheConnectorsOfTheRange()
    {
        var names = ConnectorOptions(DashboardByUid("mailflow-connector-report"));

        Assert.Equal(
            new[] { "Contoso", "Fabrikam", MailFlowData.Internet, "On-premises relay", "SMTP Auth clients", MailFlowData.InternetOut }.Order(StringComparer.Ordinal),
            names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ConnectorReport_AllMailFlow_GivesOneRowPerDayConnectorAndDirection()
    {
        var dashboard = DashboardByUid("mailflow-connector-report");
        var rows = ReportRows(dashboard, ResolvedValues(dashboard));

        // Contoso inbound: yesterday 18 messages all TLS 1.2; the last hour 22 messages, 4 of them TLS 1.0.
        var contoso = rows.Where(r => r.Connector == "Contoso" && r.Direction == "inbound").OrderBy(r => r.Date).ToArray();
        Assert.Equal(2, contoso.Length);
        Assert.Equal((18L, 100.0, 0.0), (contoso[0].Messages, contoso[0].Tls12, contoso[0].Tls10));
        Assert.Equal(22, contoso[1].Messages);
        Assert.Equal(100.0 * 4 / 22, contoso[1].Tls10, 2);
        Assert.Equal(100.0 * 18 / 22, contoso[1].Tls12, 2);
        Assert.All(contoso, r => Assert.True(r.ForcedTls && r.Type == "Partner"));

        var relay = Assert.Single(rows, r => r.Connector == "On-premises relay");
        Assert.Equal(("OnPremises", 50L, 2.0, 2.0, 96.0), (relay.Type, relay.Messages, relay.None, relay.Tls10, relay.Tls12));
        var outbound = Assert.Single(rows, r => r.Connector == MailFlowData.InternetOut);
        Assert.Equal((5.0, 5.0, 70.0, 20.0), (outbound.Tls11, outbound.None, outbound.Tls12, outbound.Tls13));
        Assert.Equal(200 + 150 + 10, rows.Sum(r => r.Messages));
    }

    [Fact]
    public void ConnectorReport_OneConnector_ShowsOnlyThatConnector()
    {
        var dashboard = DashboardByUid("mailflow-connector-report");
        var values = ResolvedValues(dashboard);
        values["connector"] = ["Contoso"];

        var rows = ReportRows(dashboard, values);

        Assert.All(rows, r => Assert.Equal("Contoso", r.Connector));
        Assert.Equal(18 + 22 + 50, rows.Sum(r => r.Messages));
    }

    [Fact]
    public void ConnectorReport_FromTheInternetWithoutAConnector_ShowsOnlyThatMail()
    {
        var dashboard = DashboardByUid("mailflow-connector-report");
        var values = ResolvedValues(dashboard);
        values["connector"] = [MailFlowData.Internet];

        var rows = ReportRows(dashboard, values);

        var row = Assert.Single(rows);
        Assert.Equal(("inbound", "Internet", false, 102L), (row.Direction, row.Type, row.ForcedTls, row.Messages));
        Assert.Equal(100.0 * 10 / 102, row.None, 2);
    }

    [Fact]
    public void ConnectorReport_ConnectorType_NarrowsTheReportToThatType()
    {
        var dashboard = DashboardByUid("mailflow-connector-report");
        var values = ResolvedValues(dashboard, ("connector_type", "OnPremises"));

        var rows = ReportRows(dashboard, values);

        var row = Assert.Single(rows);
        Assert.Equal("On-premises relay", row.Connector);
    }

    [Fact]
    public void ConnectorReport_ActiveInsights_NameThePartnerTls10AndThePlaintextOnAForcedTlsConnector()
    {
        var dashboard = DashboardByUid("mailflow-connector-report");
        var panel = GrafanaFiles.Panels(dashboard).Single(p => (string?)p["targets"]?[0]?["queryType"] == "insights");
        var answer = RunPanel(dashboard, panel, ResolvedValues(dashboard));
        var rows = DecodedFrames.Of(answer, "A", "insights").SelectMany(DecodedFrames.Rows).ToArray();

        // The panel shows the last 24 hours, as the alert rules see them, with the data source's thresholds (5 %, 10
        // messages). Contoso: 4 of 22 inbound messages over TLS 1.0 (18.18 % >= 5 %, 22 >= 10 messages).
        var partner = Assert.Single(rows, r => DecodedFrames.Text(r["connector"]) == "Contoso" && DecodedFrames.Text(r["direction"]) == "inbound");
        Assert.Equal("Inbound Partner connector seeing significant TLS1.0 mail flow", DecodedFrames.Text(partner["insight"]));
        Assert.Equal(100.0 * 4 / 22, DecodedFrames.Double(partner["share_pct"]), 2);
        // The relay requires TLS but received one plaintext message; its legacy share (2 of 50 = 4 %) stays below 5 %.
        Assert.Contains(rows, r => DecodedFrames.Text(r["connector"]) == "On-premises relay" && DecodedFrames.Text(r["tls"]) == "none");
        Assert.DoesNotContain(rows, r => DecodedFrames.Text(r["connector"]) == "On-premises relay" && DecodedFrames.Text(r["tls"]) == "TLS1.0");
        // Fabrikam: 8 messages, under the 10-message minimum.
        Assert.DoesNotContain(rows, r => DecodedFrames.Text(r["connector"]) == "Fabrikam");
    }

    [Fact]
    public void ConnectorReport_LegacyPeers_ListThePeersToContactBusiestFirst()
    {
        var dashboard = DashboardByUid("mailflow-connector-report");
        var answer = RunPanel(dashboard, PanelByTitle(dashboard, "Legacy peers to contact"), ResolvedValues(dashboard));
        var rows = DecodedFrames.Of(answer, "A", "peers").SelectMany(DecodedFrames.Rows).ToArray();

        Assert.Equal(("spammer.example", 10L), (DecodedFrames.Text(rows[0]["peer"]), DecodedFrames.Long(rows[0]["messages"])));
        Assert.Equal(
            new[] { "fabrikam.com", "mail.contoso.com", "old.example.org", "plain.example.net", "relay.corp.example", "relay.corp.example", "spammer.example" },
            rows.Select(r => DecodedFrames.Text(r["peer"])!).Order(StringComparer.Ordinal));
        Assert.Equal(10 + 4 + 1 + 1 + 1 + 5 + 5, rows.Sum(r => DecodedFrames.Long(r["messages"])));
    }

    [Fact]
    public void AlertRules_Queries_GiveOneTls10SharePerConnectorAboveTheMinimumVolume()
    {
        // Which shares fire, against the data source's threshold: ConnectorVariableAndThresholdsThroughPluginTests.
        // (The insight-share rules: InsightAlertRulesThroughPluginTests.)
        foreach (var rule in GrafanaFiles.AlertRules().Where(r => ((string)r["uid"]!).StartsWith("mailflow-tls10-", StringComparison.Ordinal)))
        {
            var item = GrafanaFiles.AlertQueries().Single(q => q.Where.StartsWith($"alert rule {rule["uid"]} ", StringComparison.Ordinal) && (string?)q.Model["queryType"] == "connectorTlsShare");
            var query = GrafanaQueries.ForAlert(item, influx.Now);
            var answer = DashboardPluginHost.Instance.Query(influx.Settings, [query]);
            var shares = new Dictionary<string, double>();
            foreach (var frame in DecodedFrames.Of(answer, query.RefId, item.Where))
            {
                Assert.Equal("numeric-multi", (string?)JsonNode.Parse((string)frame["schemaMetadata"]!["meta"]!)?["type"]);
                var share = DecodedFrames.Field(frame, "share");
                var labels = DecodedFrames.Labels(share);
                Assert.Equal(("inbound", "TLS1.0", (string)query.Model["connectorType"]!), (labels["direction"], labels["tls"], labels["connector_type"]));
                shares[labels["connector"]] = DecodedFrames.Double(share["values"]![0]);
            }

            if ((string?)query.Model["connectorType"] == "Partner")
            {
                // Last 24 hours: Contoso 4 of 22; Fabrikam's 8 messages are under the minimum volume.
                Assert.Equal(["Contoso"], shares.Keys);
                Assert.Equal(100.0 * 4 / 22, shares["Contoso"], 2);
            }
            else
            {
                Assert.Equal(["On-premises relay"], shares.Keys);
                Assert.Equal(2.0, shares["On-premises relay"], 2);
            }
        }
    }

    private JsonObject RunPanel(JsonObject dashboard, JsonObject panel, IReadOnlyDictionary<string, string[]> values) =>
        DashboardPluginHost.Instance.Query(influx.Settings, panel["targets"]!.AsArray().Select(t => GrafanaQueries.ForPanel(dashboard, panel, t!.AsObject(), values, influx.Now)));

    /// <summary>
    /// The variables' values as Grafana resolves them on load: a query variable's All is sent as its custom all value
    /// when it has one (Grafana sends that as written), else as every option.
    /// </summary>
    private Dictionary<string, string[]> ResolvedValues(JsonObject dashboard, params (string Name, string Value)[] overrides) =>
        ResolvedValues(dashboard, everyOption: false, overrides);

    private Dictionary<string, string[]> ResolvedValues(JsonObject dashboard, bool everyOption, params (string Name, string Value)[] overrides)
    {
        var values = GrafanaQueries.CurrentValues(dashboard);
        foreach (var (name, value) in overrides)
        {
            values[name] = [value];
        }

        foreach (var variable in GrafanaFiles.Variables(dashboard).Where(v => (string?)v["type"] == "query"))
        {
            var name = (string)variable["name"]!;
            if (values[name] is ["$__all"] && !everyOption && (string?)variable["allValue"] is { Length: > 0 } allValue)
            {
                values[name] = [allValue];
            }
            else if (values[name] is ["$__all"])
            {
                values[name] = ConnectorOptions(dashboard, values).ToArray();
            }
        }

        return values;
    }

    /// <summary>The "Show data for" options: the connectors query's first field, as Grafana reads a query variable.</summary>
    private IReadOnlyList<string> ConnectorOptions(JsonObject dashboard, IReadOnlyDictionary<string, string[]>? values = null)
    {
        var variable = GrafanaFiles.Variables(dashboard).Single(v => (string?)v["name"] == "connector");
        values ??= GrafanaQueries.CurrentValues(dashboard);
        var target = GrafanaQueries.Interpolate(variable["query"]!.AsObject(), values);
        var query = new HostQuery((string)target["refId"]!, GrafanaQueries.Relative((string)dashboard["time"]!["from"]!, influx.Now), influx.Now, GrafanaQueries.DefaultMaxDataPoints, 600_000, target);
        var frame = Assert.Single(DecodedFrames.Of(DashboardPluginHost.Instance.Query(influx.Settings, [query]), query.RefId, "connector variable"));
        return frame["fields"]![0]!["values"]!.AsArray().Select(v => (string)v!).Distinct(StringComparer.Ordinal).ToArray();
    }

    private sealed record SummaryRow(string Direction, string Tls, long Messages, double Percent);

    private static SummaryRow[] Summary(JsonObject answer, string refId) =>
        DecodedFrames.Of(answer, refId, "summary " + refId).SelectMany(DecodedFrames.Rows)
            .Select(r => new SummaryRow(DecodedFrames.Text(r["direction"])!, DecodedFrames.Text(r["tls"])!, DecodedFrames.Long(r["messages"]), DecodedFrames.Double(r["percent"])))
            .Where(r => r.Messages > 0)
            .ToArray();

    private static void AssertSummary(SummaryRow[] rows, params (string Direction, string Tls, long Messages, double Percent)[] expected)
    {
        Assert.Equal(expected.Length, rows.Length);
        foreach (var (direction, tls, messages, percent) in expected)
        {
            var row = Assert.Single(rows, r => r.Direction == direction && r.Tls == tls);
            Assert.Equal(messages, row.Messages);
            Assert.Equal(percent, row.Percent, 2);
        }
    }

    private sealed record ReportRow(long Date, string Direction, string Connector, string Type, bool ForcedTls, double None, double Tls10, double Tls11, double Tls12, double Tls13, double Unknown, long Messages);

    private ReportRow[] ReportRows(JsonObject dashboard, IReadOnlyDictionary<string, string[]> values)
    {
        var answer = RunPanel(dashboard, PanelByTitle(dashboard, "Connector details"), values);
        return DecodedFrames.Of(answer, "A", "connector report").SelectMany(DecodedFrames.Rows).Select(r => new ReportRow(
            DecodedFrames.Long(r["date"]), DecodedFrames.Text(r["direction"])!, DecodedFrames.Text(r["connector"])!, DecodedFrames.Text(r["connector_type"])!,
            r["forced_tls"] is JsonValue forced && forced.GetValue<bool>(),
            DecodedFrames.Double(r["none_pct"]), DecodedFrames.Double(r["tls10_pct"]), DecodedFrames.Double(r["tls11_pct"]), DecodedFrames.Double(r["tls12_pct"]),
            DecodedFrames.Double(r["tls13_pct"]), DecodedFrames.Double(r["unknown_pct"]), DecodedFrames.Long(r["messages"]))).ToArray();
    }
}
