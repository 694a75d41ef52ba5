using System.Text.Json.Nodes;

namespace MailFlow.Backend.Tests.Plugin;

/// <summary>
/// QueryData through the packaged plugin, started by the Grafana-like host, against the fixture in
/// Fixtures/mailflow.lp; frames decoded by apache-arrow. Expected numbers come from the fixture's comments.
/// </summary>
[Collection(PluginCollection.Name)]
public sealed class PluginQueryDataTests(PluginHarness harness)
{
    [Fact]
    public void QueryData_Summary_CountsAndSharesPerDirectionAndTls()
    {
        var frame = SingleFrame(Run(PluginHarness.Query("A", new JsonObject { ["queryType"] = "summary" })), "A");

        Assert.Equal("summary", frame.Name);
        Assert.Equal("A", frame.RefId);
        Assert.Equal("table", frame.Meta["type"]!.GetValue<string>());
        // The fixture's whole days: a summary without connector names reads the narrow daily tier.
        Assert.Contains("\"mailflow_tls_1d\"", frame.Meta["executedQueryString"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["direction", "tls", "messages", "percent"], frame.FieldNames);
        Assert.Equal("Utf8", frame.Field("direction").Type);
        Assert.Equal("Int64", frame.Field("messages").TypeString);
        Assert.Equal("Float64", frame.Field("percent").TypeString);
        Assert.Equal("percent", frame.Field("percent").Config!["unit"]!.GetValue<string>());

        // inbound: none 3, TLS1.0 10+5, TLS1.2 40+45+7 = 92 (110); outbound: TLS1.1 4, TLS1.2 5, TLS1.3 16 (25).
        // No submission points: two directions x seven TLS versions.
        var directions = frame.Field("direction").Strings;
        var tls = frame.Field("tls").Strings;
        var messages = frame.Field("messages").Longs;
        var percent = frame.Field("percent").Doubles;
        Assert.Equal(14, frame.RowCount);
        Assert.Equal(["inbound", "inbound", "inbound", "inbound", "inbound", "inbound", "inbound"], directions.Take(7));
        Assert.Equal(["none", "SSLv3", "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3", "unknown"], tls.Take(7));
        Assert.Equal([3L, 0, 15, 0, 92, 0, 0], messages.Take(7));
        Assert.Equal([0L, 0, 0, 4, 5, 16, 0], messages.Skip(7));
        Assert.Equal(100.0 * 3 / 110, percent[0], 9);
        Assert.Equal(100.0 * 92 / 110, percent[4], 9);
        Assert.Equal(64.0, percent[12], 9);
    }

    [Fact]
    public void QueryData_TimeSeries_LabelledNanosecondSeriesPerInterval()
    {
        // Inbound TLS1.0 from 2026-11-02 10:00 to 10:05 per minute: only 10:01 has 10 messages.
        var from = PluginHarness.Day1.AddHours(10);
        var answer = Run(
            PluginHarness.Query("A", new JsonObject { ["queryType"] = "timeseries", ["direction"] = "inbound", ["tls"] = "TLS1.0" }, from, from.AddMinutes(5)),
            PluginHarness.Query("B", new JsonObject { ["queryType"] = "timeseries", ["direction"] = "inbound", ["tls"] = "TLS1.0", ["measure"] = "percent" }, from, from.AddMinutes(5)));

        var frame = SingleFrame(answer, "A");
        Assert.Equal("timeseries-multi", frame.Meta["type"]!.GetValue<string>());
        Assert.Equal("[0,1]", frame.Meta["typeVersion"]!.ToJsonString());
        var time = frame.Field("time");
        Assert.Equal("Timestamp", time.Type);
        Assert.Equal("NANOSECOND", time.Unit);
        Assert.Null(time.Timezone);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => from.AddMinutes(i)), time.Times);
        Assert.Equal(from.ToUnixTimeMilliseconds() * 1_000_000, time.Longs[0]);
        var value = frame.Field("value");
        Assert.Equal([0.0, 10, 0, 0, 0], value.Doubles);
        Assert.Equal("""{"direction":"inbound","tls":"TLS1.0"}""", value.LabelsText);
        Assert.Equal("inbound TLS1.0", value.Config!["displayName"]!.GetValue<string>());
        Assert.Equal("short", value.Config!["unit"]!.GetValue<string>());

        // Percent: at 10:00 the 40 TLS1.2 messages make TLS1.0 0 %; at 10:01 TLS1.0 is all of the inbound mail.
        var percent = SingleFrame(answer, "B").Field("value");
        Assert.Equal([0.0, 100, 0, 0, 0], percent.Doubles);
        Assert.Equal("percent", percent.Config!["unit"]!.GetValue<string>());
    }

    [Fact]
    public void QueryData_TimeSeriesWithFewDataPoints_WidensTheIntervalAndKeepsTotals()
    {
        var answer = Run(PluginHarness.Query("A", new JsonObject { ["queryType"] = "timeseries" }, maxDataPoints: 10, intervalMs: 60_000));
        var data = answer.Data("A");
        Assert.Equal(200, data.Status);

        // Series with messages: inbound none, TLS1.0, TLS1.2; outbound TLS1.1, TLS1.2, TLS1.3.
        var frames = data.Frames.ToDictionary(f => f.Name);
        Assert.Equal(["inbound TLS1.0", "inbound TLS1.2", "inbound none", "outbound TLS1.1", "outbound TLS1.2", "outbound TLS1.3"], frames.Keys.Order(StringComparer.Ordinal));
        Assert.All(frames.Values, f => Assert.InRange(f.RowCount, 1, 10));
        Assert.Equal(92, frames["inbound TLS1.2"].Field("value").Doubles.Sum());
        Assert.Equal(15, frames["inbound TLS1.0"].Field("value").Doubles.Sum());
        Assert.Equal(16, frames["outbound TLS1.3"].Field("value").Doubles.Sum());
    }

    [Fact]
    public void QueryData_ConnectorReport_OneRowPerDayConnectorAndDirection()
    {
        var frame = SingleFrame(Run(PluginHarness.Query("R", new JsonObject { ["queryType"] = "connectorReport" })), "R");

        Assert.Equal(
            ["date", "direction", "connector", "connector_type", "forced_tls", "none_pct", "tls10_pct", "tls11_pct", "tls12_pct", "tls13_pct", "unknown_pct", "messages"],
            frame.FieldNames);
        Assert.Equal("Timestamp", frame.Field("date").Type);
        Assert.Equal("Bool", frame.Field("forced_tls").Type);
        Assert.Equal(6, frame.RowCount);
        var rows = Enumerable.Range(0, frame.RowCount).Select(i => new
        {
            Date = frame.Field("date").Times[i],
            Connector = frame.Field("connector").Strings[i],
            Type = frame.Field("connector_type").Strings[i],
            Direction = frame.Field("direction").Strings[i],
            Forced = frame.Field("forced_tls").Bools[i],
            None = frame.Field("none_pct").Doubles[i],
            Tls10 = frame.Field("tls10_pct").Doubles[i],
            Tls11 = frame.Field("tls11_pct").Doubles[i],
            Tls12 = frame.Field("tls12_pct").Doubles[i],
            Messages = frame.Field("messages").Longs[i],
        }).ToList();

        var contosoDay1 = rows.Single(r => r.Connector == "Contoso" && r.Date == PluginHarness.Day1);
        Assert.Equal(("Partner", "inbound", true, 20.0, 80.0, 50L), (contosoDay1.Type, contosoDay1.Direction, contosoDay1.Forced, contosoDay1.Tls10, contosoDay1.Tls12, contosoDay1.Messages));
        var contosoDay2 = rows.Single(r => r.Connector == "Contoso" && r.Date == PluginHarness.Day1.AddDays(1));
        Assert.Equal((10.0, 90.0, 50L), (contosoDay2.Tls10, contosoDay2.Tls12, contosoDay2.Messages));
        var fabrikamDay2 = rows.Single(r => r.Connector == "Fabrikam" && r.Date == PluginHarness.Day1.AddDays(1));
        Assert.Equal(("OnPremises", "outbound", false, 100.0, 4L), (fabrikamDay2.Type, fabrikamDay2.Direction, fabrikamDay2.Forced, fabrikamDay2.Tls11, fabrikamDay2.Messages));
        var internet = rows.Single(r => r.Connector == "From the internet without a connector");
        Assert.Equal(("Internet", 30.0, 70.0, 10L), (internet.Type, internet.None, internet.Tls12, internet.Messages));
        Assert.DoesNotContain(rows, r => r.Messages >= 1000);
    }

    [Fact]
    public void QueryData_Insights_PartnerAndOnPremisesLegacyTlsAboveThreshold()
    {
        var frame = SingleFrame(Run(PluginHarness.Query("I", new JsonObject { ["queryType"] = "insights" })), "I");

        // Default threshold 5 % of TLS 1.0 (+SSLv3) over at least 10 messages, as the exporter's report: Contoso TLS1.0
        // 15 % (15 of 100). Fabrikam's TLS1.1 (4 of 20) raises no TLS1.0 insight.
        Assert.Equal(1, frame.RowCount);
        Assert.Equal(["Inbound Partner connector seeing significant TLS1.0 mail flow"], frame.Field("insight").Strings);
        Assert.Equal(["Contoso"], frame.Field("connector").Strings);
        Assert.Equal(["warning"], frame.Field("severity").Strings);
        Assert.Equal([15.0], frame.Field("share_pct").Doubles);
        Assert.Equal([15L], frame.Field("messages").Longs);
        Assert.Equal([5.0], frame.Field("threshold_pct").Doubles);
    }

    [Fact]
    public void QueryData_Peers_BusiestFirstWithLastSeen()
    {
        var frame = SingleFrame(Run(PluginHarness.Query("P", new JsonObject { ["queryType"] = "peers", ["limit"] = 2 })), "P");

        Assert.Equal(["peer", "direction", "connector", "tls", "messages", "last_seen", "sources"], frame.FieldNames);
        Assert.Equal(["contoso.com", "fabrikam.example"], frame.Field("peer").Strings);
        Assert.Equal(["TLS1.0", "TLS1.1"], frame.Field("tls").Strings);
        Assert.Equal([15L, 4], frame.Field("messages").Longs);
        Assert.Equal([PluginHarness.Day1.AddDays(1).AddHours(9).AddMinutes(30), PluginHarness.Day1.AddDays(1).AddHours(12)], frame.Field("last_seen").Times);
        // The fixture's contoso.com points are both mx1's, fabrikam.example's mx2's.
        Assert.Equal(["mx1", "mx2"], frame.Field("sources").Strings);
        Assert.Equal("Mail servers", frame.Field("sources").Config!["displayName"]!.GetValue<string>());
    }

    [Fact]
    public void QueryData_PeerOnTwoMailServers_OneRowListingBothWithTheSum()
    {
        // The points of Query.PeerSourcesTests.Lines: fabrikam.com inbound TLS 1.0, 7 messages on mx1 and 6 on mx2,
        // is one row of 13 (mx1, mx2), busier than litware.example's 10 on mx1 only once merged.
        harness.Influx.Query("CREATE DATABASE peer_sources");
        Support.FixtureLoader.Write(harness.Influx, "peer_sources", Query.PeerSourcesTests.Lines(PluginHarness.Day1));

        var answer = harness.Host(new JsonObject
        {
            ["settings"] = harness.Settings(database: "peer_sources"),
            ["queries"] = new JsonArray(PluginHarness.Query("P", new JsonObject { ["queryType"] = "peers", ["limit"] = 1 })),
        });

        Assert.Empty(answer.Errors);
        var frame = SingleFrame(answer, "P");
        Assert.Equal(["fabrikam.com"], frame.Field("peer").Strings);
        Assert.Equal(["inbound"], frame.Field("direction").Strings);
        Assert.Equal([13L], frame.Field("messages").Longs);
        Assert.Equal(["mx1, mx2"], frame.Field("sources").Strings);
        Assert.Equal([PluginHarness.Day1.AddDays(1).AddHours(14).AddMinutes(30)], frame.Field("last_seen").Times);
    }

    [Fact]
    public void QueryData_ConnectorTlsShare_OneLabelledNumericFramePerDimension()
    {
        var data = Run(PluginHarness.Query("S", new JsonObject { ["queryType"] = "connectorTlsShare", ["tls"] = "TLS1.0", ["minMessages"] = 10 })).Data("S");

        // Connectors with >= 10 messages: Contoso (100), Fabrikam (20), From the internet (10); To the internet has 5.
        Assert.Equal(200, data.Status);
        var frames = data.Frames;
        Assert.Equal(3, frames.Count);
        Assert.All(frames, f =>
        {
            Assert.Null(f.DecodeError);
            Assert.Equal("numeric-multi", f.Meta["type"]!.GetValue<string>());
            Assert.Equal(["share"], f.FieldNames);
            Assert.Equal(1, f.RowCount);
        });
        var contoso = frames.Single(f => f.Field("share").LabelsText!.Contains("\"Contoso\"", StringComparison.Ordinal)).Field("share");
        Assert.Equal("""{"connector":"Contoso","connector_type":"Partner","direction":"inbound","tls":"TLS1.0"}""", contoso.LabelsText);
        Assert.Equal([15.0], contoso.Doubles);
        Assert.Equal("percent", contoso.Config!["unit"]!.GetValue<string>());
        var others = frames.Select(f => f.Field("share")).Where(f => !ReferenceEquals(f, contoso) && !f.LabelsText!.Contains("\"Contoso\"", StringComparison.Ordinal));
        Assert.All(others, f => Assert.Equal([0.0], f.Doubles));
        Assert.DoesNotContain(frames, f => f.Field("share").LabelsText!.Contains("To the internet", StringComparison.Ordinal));
    }

    [Fact]
    public void QueryData_Connectors_ListsEveryConnectorInTheRange()
    {
        var frame = SingleFrame(Run(PluginHarness.Query("C", new JsonObject { ["queryType"] = "connectors" })), "C");

        Assert.Equal(["connector", "connector_type", "direction", "forced_tls"], frame.FieldNames);
        Assert.Equal(
            ["Contoso", "Fabrikam", "From the internet without a connector", "To the internet without a connector"],
            frame.Field("connector").Strings.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void QueryData_Filters_InternetConnectorsAndSourceServer()
    {
        var answer = Run(
            PluginHarness.Query("N", new JsonObject { ["queryType"] = "summary", ["connectors"] = new JsonArray("$__internet") }),
            PluginHarness.Query("M", new JsonObject { ["queryType"] = "summary", ["source"] = "mx2" }));

        // Without a connector: inbound none 3 + TLS1.2 7, outbound TLS1.2 5.
        var internet = SingleFrame(answer, "N");
        Assert.Equal([3L, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 5, 0, 0], internet.Field("messages").Longs);

        // mx2 carries Fabrikam only: outbound TLS1.1 4, TLS1.3 16.
        var mx2 = SingleFrame(answer, "M");
        Assert.Equal(Enumerable.Repeat("outbound", 7), mx2.Field("direction").Strings);
        Assert.Equal([0L, 0, 0, 4, 0, 16, 0], mx2.Field("messages").Longs);
    }

    [Fact]
    public void QueryData_BadQueries_FailAloneWithStatusAndErrorSource()
    {
        var answer = Run(
            PluginHarness.Query("OK", new JsonObject { ["queryType"] = "summary" }),
            PluginHarness.Query("TYPE", new JsonObject { ["queryType"] = "bogus" }),
            PluginHarness.Query("DIR", new JsonObject { ["queryType"] = "summary", ["direction"] = "sideways" }),
            PluginHarness.Query("RANGE", new JsonObject { ["queryType"] = "summary" }, PluginHarness.End, PluginHarness.Day1));

        Assert.Equal(200, answer.Data("OK").Status);
        Assert.Single(answer.Data("OK").Frames);
        foreach (var (refId, text) in new[] { ("TYPE", "bogus"), ("DIR", "sideways"), ("RANGE", "range") })
        {
            var failed = answer.Data(refId);
            Assert.Equal(400, failed.Status);
            Assert.Equal("downstream", failed.ErrorSource);
            Assert.Contains(text, failed.Error, StringComparison.OrdinalIgnoreCase);
            Assert.Empty(failed.Frames);
        }
    }

    [Fact]
    public void QueryData_UnknownQueryType_FailsAloneNamingEveryKnownType()
    {
        // "connector" is one letter short of "connectors": an unknown type must be an error, not answered as another.
        var answer = Run(
            PluginHarness.Query("OK", new JsonObject { ["queryType"] = "connectors" }),
            PluginHarness.Query("TYPO", new JsonObject { ["queryType"] = "connector" }));

        Assert.Equal(200, answer.Data("OK").Status);
        var failed = answer.Data("TYPO");
        Assert.Equal(400, failed.Status);
        Assert.Equal("downstream", failed.ErrorSource);
        Assert.Empty(failed.Frames);
        Assert.StartsWith("unknown queryType 'connector': use one of ", failed.Error, StringComparison.Ordinal);

        // The known types, as the query model (written down apart from the plugin) lists them.
        Assert.Equal(Dashboards.QueryModel.QueryTypes, failed.Error["unknown queryType 'connector': use one of ".Length..].Split(", "));
    }

    [Fact]
    public void QueryData_InfluxDbUnreachable_DownstreamErrorNamingTheUrl()
    {
        var script = new JsonObject
        {
            ["settings"] = harness.Settings(url: "http://127.0.0.1:1"),
            ["queries"] = new JsonArray(PluginHarness.Query("A", new JsonObject { ["queryType"] = "summary" })),
        };
        var data = harness.Host(script).Data("A");

        Assert.Equal(503, data.Status);
        Assert.Equal("downstream", data.ErrorSource);
        Assert.Contains("127.0.0.1:1", data.Error, StringComparison.Ordinal);
    }

    private HostAnswer Run(params JsonObject[] queries)
    {
        var answer = harness.Host(new JsonObject { ["settings"] = harness.Settings(), ["queries"] = new JsonArray(queries) });
        Assert.Empty(answer.Errors);
        return answer;
    }

    private static DecodedFrame SingleFrame(HostAnswer answer, string refId)
    {
        var data = answer.Data(refId);
        Assert.True(data.Status == 200, $"{refId}: {data.Status} {data.Error}");
        var frame = Assert.Single(data.Frames);
        Assert.Null(frame.DecodeError);
        return frame;
    }
}
