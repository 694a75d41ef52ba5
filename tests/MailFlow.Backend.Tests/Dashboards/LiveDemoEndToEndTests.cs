using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MailFlow.Testing;
using Xunit.Abstractions;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>
/// The newcomer's first minutes, without Docker: the real simulator writes half an hour of history and then mail at
/// the current time, the exporter's real <c>run</c> daemon follows its folder into a private InfluxDB, and the
/// packaged plugin answers every panel of the three dashboards over the last 15 minutes, and the provisioned Fabrikam
/// TLS 1.0 alert's query, as Grafana would ask them.
/// </summary>
public sealed class LiveDemoEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Live = TimeSpan.FromSeconds(40);
    private readonly string _directory = Directory.CreateTempSubdirectory("mailflow-live-demo-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Demo_SimulatorFollowedByTheDaemon_FillsEveryPanelOfTheLastFifteenMinutesAndFiresTheFabrikamAlert()
    {
        var watch = Stopwatch.StartNew();
        using var influx = new InfluxDbServer();
        var folder = Path.Combine(_directory, "demo");
        var summary = Path.Combine(_directory, "summary.json");

        // A zone where it is now about 13:00, the daily peak, so that the last 15 minutes are busy whatever the hour
        // the test runs at (and the zone option is exercised: the exporter must be given the same).
        var utcHour = DateTimeOffset.UtcNow.UtcDateTime.Hour;
        var offset = 13 - utcHour;
        var zone = string.Create(CultureInfo.InvariantCulture, $"{(offset < 0 ? '-' : '+')}{Math.Abs(offset):D2}:00");

        // 4,000 messages an hour at the peak (a third of it at weekends): over the 15 minutes, hundreds of messages,
        // 7 % of the arrivals from Fabrikam, above the insight's 10-message minimum; over the half hour
        // of history, more than the alert rule's minimum volume.
        using var simulator = DemoPrograms.Start(DemoPrograms.Simulator,
            ["--output", folder, "--backfill", "30m", "--rate", "4000", "--duration", Live.TotalSeconds.ToString(CultureInfo.InvariantCulture) + "s",
             "--timezone", zone, "--seed", "11", "--summary", summary]);
        var simulatorOutput = simulator.StandardOutput.ReadToEndAsync();
        var simulatorErrors = simulator.StandardError.ReadToEndAsync();

        // The daemon starts once the history is in place (it appears in one rename), as compose orders it.
        await WaitAsync(() => Directory.Exists(folder) || simulator.HasExited, TimeSpan.FromSeconds(60), "the simulator's backfill");
        Assert.True(Directory.Exists(folder), await simulatorErrors);
        var liveStart = DateTimeOffset.UtcNow;

        using var exporter = DemoPrograms.StartDaemon(folder, zone, influx, Path.Combine(_directory, "checkpoint.json"));
        try
        {
            Assert.True(simulator.WaitForExit(TimeSpan.FromMinutes(2)), "the simulator did not stop after --duration");
            Assert.True(simulator.ExitCode == 0, await simulatorErrors);
            output.WriteLine((await simulatorOutput).Trim());

            // Everything the simulator wrote, history and live part, reaches InfluxDB: none of it was late.
            var (total, byConnector, _) = DemoPrograms.ReadSummary(summary);
            await DemoPrograms.WaitForMessagesAsync(influx, exporter, total, TimeSpan.FromSeconds(90));
            Assert.Equal(byConnector["inbound|Fabrikam|TLS1.0"], DemoPrograms.Scalar(influx, "SELECT sum(messages) FROM mailflow_messages WHERE connector = 'Fabrikam' AND tls = 'TLS1.0'"));

            // The live part's lines carry the current time: mail in the minutes since the history was written.
            Assert.True(DemoPrograms.Scalar(influx, $"SELECT sum(messages) FROM mailflow_messages WHERE time >= '{liveStart.AddMinutes(-1):yyyy-MM-ddTHH:mm:ssZ}'") > 0, "no mail of the live part");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{total} messages in InfluxDB after {watch.Elapsed.TotalSeconds:F0} s"));
        }
        finally
        {
            output.WriteLine(await DemoPrograms.StopAsync(exporter));
        }

        var now = DateTimeOffset.UtcNow;
        var range = (now.AddMinutes(-15), now);
        var settings = Settings(influx);
        foreach (var (path, dashboard) in GrafanaFiles.Dashboards())
        {
            var values = VariableValues(dashboard, settings, range, now);
            var queries = GrafanaFiles.Panels(dashboard).Where(p => p["targets"] is not null)
                .SelectMany(panel => panel["targets"]!.AsArray().Select((target, i) =>
                {
                    var query = GrafanaQueries.ForPanel(dashboard, panel, target!.AsObject(), values, now, range);
                    var refId = $"{panel["id"]}-{i}";
                    var model = query.Model.DeepClone().AsObject();
                    model["refId"] = refId;
                    return (Title: (string?)panel["title"], Query: query with { RefId = refId, Model = model });
                }))
                .ToArray();
            var answer = DashboardPluginHost.Instance.Query(settings, queries.Select(q => q.Query));
            foreach (var (title, query) in queries)
            {
                var where = $"{Path.GetFileName(path)} \"{title}\" ({query.Model["queryType"]})";
                var frames = DecodedFrames.Of(answer, query.RefId, where);
                if (MayBeEmptyInTheDemo.Contains((string)query.Model["queryType"]!))
                {
                    continue;
                }

                Assert.True(HasData(frames), $"{where}: no data over the last 15 minutes: {string.Join("; ", frames.Select(f => f.ToJsonString()))}"[..Math.Min(3000, 60 + frames.Sum(f => f.ToJsonString().Length))]);
            }
        }

        AssertFabrikamAlertAboveItsThreshold(settings, now);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"whole test: {watch.Elapsed.TotalSeconds:F0} s"));
    }

    /// <summary>
    /// The provisioned rule for inbound Partner connectors on TLS 1.0, found by its query (not by its name), asked as
    /// the rule evaluator does over its own window; Fabrikam's share must exceed the rule's own threshold.
    /// </summary>
    private static void AssertFabrikamAlertAboveItsThreshold(JsonObject settings, DateTimeOffset now)
    {
        var rule = GrafanaFiles.AlertRules().Single(r => r["data"]!.AsArray().Any(d =>
            (string?)d!["model"]?["queryType"] == "connectorTlsShare" && (string?)d["model"]!["connectorType"] == "Partner"
            && (string?)d["model"]!["direction"] == "inbound" && (string?)d["model"]!["tls"] == "TLS1.0"));
        // Every data source query of the rule as the evaluator sends them: the shares and the data source's threshold.
        var queries = GrafanaFiles.AlertQueries().Where(q => q.Where.StartsWith($"alert rule {rule["uid"]} ", StringComparison.Ordinal)).Select(q => GrafanaQueries.ForAlert(q, now)).ToArray();
        var answer = DashboardPluginHost.Instance.Query(settings, queries);
        var shareQuery = queries.Single(q => (string?)q.Model["queryType"] == "connectorTlsShare");
        var shares = DecodedFrames.Of(answer, shareQuery.RefId, $"alert rule {rule["uid"]}")
            .Where(f => DecodedFrames.HasField(f, "share"))
            .Select(f => DecodedFrames.Field(f, "share"))
            .ToDictionary(s => DecodedFrames.Labels(s)["connector"], s => DecodedFrames.Double(s["values"]![0]), StringComparer.Ordinal);
        var thresholdQuery = queries.Single(q => (string?)q.Model["queryType"] == "thresholds");
        var thresholdFrame = Assert.Single(DecodedFrames.Of(answer, thresholdQuery.RefId, "thresholds"));
        var limit = DecodedFrames.Double(Assert.Single(Assert.Single(thresholdFrame["fields"]!.AsArray())!["values"]!.AsArray()));

        // The rule fires where the share reaches the threshold ("$B >= $T", as the insight).
        var condition = rule["data"]!.AsArray().Select(d => d!["model"]).Single(m => (string?)m?["refId"] == (string?)rule["condition"])!;
        Assert.Equal($"$B >= ${thresholdQuery.RefId}", (string?)condition["expression"]);
        Assert.True(shares.TryGetValue("Fabrikam", out var fabrikam), $"no share for Fabrikam: {string.Join(", ", shares.Keys)}");
        Assert.True(fabrikam >= limit, $"Fabrikam's TLS 1.0 share {fabrikam} % does not reach the rule's {limit} %");
        Assert.Equal(100.0, fabrikam, 6); // Every Fabrikam message in the simulator is TLS 1.0.
        Assert.True(!shares.TryGetValue("Contoso", out var contoso) || contoso < limit, "Contoso is on TLS 1.2");
    }

    /// <summary>
    /// The variables' values as Grafana resolves them on load: the current value written in the dashboard, a query
    /// variable on All becoming its custom all value, or without one every option its query gives over the range.
    /// </summary>
    private static Dictionary<string, string[]> VariableValues(JsonObject dashboard, JsonObject settings, (DateTimeOffset From, DateTimeOffset To) range, DateTimeOffset now)
    {
        var values = GrafanaQueries.CurrentValues(dashboard);
        foreach (var variable in GrafanaFiles.Variables(dashboard).Where(v => (string?)v["type"] == "query" && v["query"] is JsonObject))
        {
            var name = (string)variable["name"]!;
            if (values[name] is not ["$__all"])
            {
                continue;
            }

            // A custom all value is sent as written (the Connector report's "$__all": no connector filter).
            if ((string?)variable["allValue"] is { Length: > 0 } allValue)
            {
                values[name] = [allValue];
                continue;
            }

            var target = GrafanaQueries.Interpolate(variable["query"]!.AsObject(), values);
            var query = new HostQuery((string?)target["refId"] ?? "variable", range.From, range.To, GrafanaQueries.DefaultMaxDataPoints, 60_000, target);
            var frame = Assert.Single(DecodedFrames.Of(DashboardPluginHost.Instance.Query(settings, [query]), query.RefId, $"variable ${name}"));
            values[name] = frame["fields"]![0]!["values"]!.AsArray().Select(v => (string)v!).Distinct(StringComparer.Ordinal).ToArray();
            Assert.NotEmpty(values[name]);
        }

        return values;
    }

    /// <summary>A frame with at least one row holding a count above zero or a text (a timestamp alone is no data).</summary>
    /// <summary>
    /// Panels the demo leaves empty by design (they still must answer without error): the simulator writes mail logs,
    /// not SMTP TLS reports, and no transit-security insight's volume is reached in fifteen minutes of its mail.
    /// </summary>
    private static readonly HashSet<string> MayBeEmptyInTheDemo =
        ["tlsrptPolicies", "tlsrptFailureTypes", "tlsrptOrganizations", "tlsrptDays", "tlsrptInsights", "securityInsights"];

    private static bool HasData(IReadOnlyList<JsonObject> frames) =>
        frames.Any(frame => frame["fields"]!.AsArray().Select(f => f!.AsObject())
            .Where(f => (string?)f["type"] != "Timestamp" && (string?)f["name"] != "time")
            .Any(f => f["values"]!.AsArray().Any(value => value switch
            {
                JsonValue v when v.TryGetValue<string>(out var text) => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number > 0 : text.Length > 0,
                JsonValue v when v.TryGetValue<double>(out var number) => number > 0,
                _ => false,
            })));

    private static JsonObject Settings(InfluxDbServer influx) => new()
    {
        ["id"] = 1,
        ["uid"] = GrafanaFiles.DataSourceUid,
        ["name"] = "MailFlow",
        ["url"] = influx.Url.ToString().TrimEnd('/'),
        ["jsonData"] = new JsonObject { ["influxVersion"] = "1", ["database"] = MailFlowData.Database },
        ["secureJsonData"] = new JsonObject(),
    };

    private static async Task WaitAsync(Func<bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:F0} s for {what}");
            }

            await Task.Delay(200);
        }
    }
}
