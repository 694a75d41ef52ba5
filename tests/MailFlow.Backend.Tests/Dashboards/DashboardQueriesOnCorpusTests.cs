using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>
/// A real InfluxDB loaded by the real exporter (<c>mailflow-exporter ingest</c>) from the real Postfix corpus
/// (March 2023) with the sample connectors.
/// </summary>
public sealed class CorpusInflux : IDisposable
{
    /// <summary>The month the corpus covers, as picked in Grafana's time picker.</summary>
    public static readonly (DateTimeOffset From, DateTimeOffset To) Month = (new(2023, 3, 1, 0, 0, 0, TimeSpan.Zero), new(2023, 4, 1, 0, 0, 0, TimeSpan.Zero));

    public CorpusInflux()
    {
        Settings = new JsonObject
        {
            ["id"] = 1,
            ["uid"] = GrafanaFiles.DataSourceUid,
            ["name"] = "MailFlow",
            ["url"] = Server.Url.ToString().TrimEnd('/'),
            ["jsonData"] = new JsonObject { ["influxVersion"] = "1", ["database"] = MailFlowData.Database },
            ["secureJsonData"] = new JsonObject(),
        };

        try
        {
            Server.Query($"CREATE DATABASE {MailFlowData.Database}");
            var result = ExporterIngest.Run(
                "ingest", "--influx-url", Server.Url.ToString().TrimEnd('/'), "--influx-database", MailFlowData.Database,
                "--connectors", Path.Combine(RepoPaths.Root, "samples", "connectors.yaml"), RepoPaths.PostfixCorpus);
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException("mailflow-exporter ingest failed: " + result.Output);
            }
        }
        catch
        {
            // xunit does not dispose a fixture whose constructor threw: stop influxd here.
            Server.Dispose();
            throw;
        }
    }

    public InfluxDbServer Server { get; } = new();

    internal JsonObject Settings { get; }

    /// <summary>Messages per "direction tls" in the month, summed by InfluxQL straight from the database.</summary>
    public Dictionary<string, long> Totals()
    {
        var json = JsonNode.Parse(Server.Query(
            $"SELECT sum(messages) FROM mailflow_messages WHERE time >= '{Month.From:yyyy-MM-ddTHH:mm:ssZ}' AND time < '{Month.To:yyyy-MM-ddTHH:mm:ssZ}' GROUP BY direction, tls",
            MailFlowData.Database))!;
        return (json["results"]![0]!["series"]?.AsArray() ?? []).ToDictionary(
            s => $"{s!["tags"]!["direction"]} {s["tags"]!["tls"]}",
            s => (long)s!["values"]![0]![1]!);
    }

    public void Dispose() => Server.Dispose();
}

/// <summary>
/// Every panel's query of every dashboard, with the time picker on the corpus's month, through the packaged plugin
/// against the real corpus as the real exporter wrote it; the plugin's figures must equal InfluxQL's own sums.
/// </summary>
public sealed class DashboardQueriesOnCorpusTests(CorpusInflux corpus) : IClassFixture<CorpusInflux>
{
    [Fact]
    public void Panels_EveryQueryOnTheCorpusMonth_AnswersFramesWithoutError()
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var (path, dashboard) in GrafanaFiles.Dashboards())
        {
            var values = GrafanaQueries.CurrentValues(dashboard);
            if (values.ContainsKey("connector"))
            {
                values["connector"] = ["$__all"];
            }

            var queries = GrafanaFiles.Panels(dashboard).Where(p => p["targets"] is not null)
                .SelectMany(panel => panel["targets"]!.AsArray().Select((t, i) =>
                {
                    var query = GrafanaQueries.ForPanel(dashboard, panel, t!.AsObject(), values, now, CorpusInflux.Month);
                    return query with { RefId = $"{panel["id"]}-{i}", Model = Renamed(query.Model, $"{panel["id"]}-{i}") };
                }))
                .ToArray();
            var answer = DashboardPluginHost.Instance.Query(corpus.Settings, queries);
            foreach (var query in queries)
            {
                Assert.NotEmpty(DecodedFrames.Of(answer, query.RefId, $"{Path.GetFileName(path)} query {query.RefId}"));
            }
        }
    }

    [Fact]
    public void MailFlowWidget_CorpusMonth_EqualsInfluxQlTotals()
    {
        var dashboard = GrafanaFiles.Dashboards().Single(d => (string?)d.Json["uid"] == "mailflow-overview").Json;
        var widget = GrafanaFiles.Panels(dashboard).Single(p => (string?)p["type"] == "barchart");
        var queries = widget["targets"]!.AsArray()
            .Select(t => GrafanaQueries.ForPanel(dashboard, widget, t!.AsObject(), GrafanaQueries.CurrentValues(dashboard), DateTimeOffset.UtcNow, CorpusInflux.Month))
            .ToArray();
        var answer = DashboardPluginHost.Instance.Query(corpus.Settings, queries);
        var totals = corpus.Totals();

        foreach (var query in queries)
        {
            var direction = (string)query.Model["direction"]!;
            var expected = totals.Where(t => t.Key.StartsWith(direction + " ", StringComparison.Ordinal)).ToDictionary(t => t.Key[(direction.Length + 1)..], t => t.Value);
            Assert.True(expected.Values.Sum() > 0, $"the corpus has no {direction} mail: the ingest went wrong");
            var rows = DecodedFrames.Of(answer, query.RefId, direction).SelectMany(DecodedFrames.Rows)
                .Where(r => DecodedFrames.Long(r["messages"]) > 0)
                .ToDictionary(r => DecodedFrames.Text(r["tls"])!, r => (Messages: DecodedFrames.Long(r["messages"]), Percent: DecodedFrames.Double(r["percent"])));
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
            foreach (var (tls, messages) in expected)
            {
                Assert.Equal(messages, rows[tls].Messages);
                Assert.Equal(100.0 * messages / expected.Values.Sum(), rows[tls].Percent, 6);
            }
        }
    }

    [Fact]
    public void ConnectorReport_CorpusMonth_CoversEveryMessage()
    {
        var dashboard = GrafanaFiles.Dashboards().Single(d => (string?)d.Json["uid"] == "mailflow-connector-report").Json;
        var table = GrafanaFiles.Panels(dashboard).Single(p => (string?)p["title"] == "Connector details");
        var values = GrafanaQueries.CurrentValues(dashboard);
        values["connector"] = ["$__all"];
        var query = GrafanaQueries.ForPanel(dashboard, table, table["targets"]![0]!.AsObject(), values, DateTimeOffset.UtcNow, CorpusInflux.Month);

        var rows = DecodedFrames.Of(DashboardPluginHost.Instance.Query(corpus.Settings, [query]), "A", "connector report").SelectMany(DecodedFrames.Rows).ToArray();

        Assert.Equal(corpus.Totals().Values.Sum(), rows.Sum(r => DecodedFrames.Long(r["messages"])));
        Assert.All(rows, r =>
        {
            var shares = new[] { "none_pct", "tls10_pct", "tls11_pct", "tls12_pct", "tls13_pct", "unknown_pct" }.Sum(c => DecodedFrames.Double(r[c]));
            Assert.InRange(shares, 99.0, 101.0);
        });
    }

    [Fact]
    public void AlertRules_CorpusMonth_GiveTheInternetsTls10ShareOfZero()
    {
        foreach (var item in GrafanaFiles.AlertQueries())
        {
            // The corpus has no Partner or OnPremises connector: without the rule's connector type, its internet mail
            // must give a share, so that the loop below cannot pass on no frames at all.
            var query = GrafanaQueries.ForAlert(item, DateTimeOffset.UtcNow) with { From = CorpusInflux.Month.From, To = CorpusInflux.Month.To };
            query.Model.Remove("connectorType");
            var frames = DecodedFrames.Of(DashboardPluginHost.Instance.Query(corpus.Settings, [query]), query.RefId, item.Where)
                .Where(f => DecodedFrames.HasField(f, "share"))
                .ToArray();
            if ((string?)query.Model["queryType"] != "connectorTlsShare")
            {
                continue;
            }

            // Inbound over the month: 159 messages from the internet, none over TLS 1.0 (78 TLS 1.2, 63 TLS 1.3,
            // 18 plaintext; see CorpusApiTests): one share, 0 %.
            var share = DecodedFrames.Field(Assert.Single(frames), "share");
            Assert.Equal("From the internet without a connector", DecodedFrames.Labels(share)["connector"]);
            Assert.Equal(0, DecodedFrames.Double(share["values"]![0]));
        }
    }

    /// <summary>One refId per panel target, so that a dashboard's queries can go in one QueryData call.</summary>
    private static JsonObject Renamed(JsonObject model, string refId)
    {
        var copy = model.DeepClone().AsObject();
        copy["refId"] = refId;
        return copy;
    }
}

/// <summary>Runs the real exporter from its own build output (its dependencies differ from this web project's).</summary>
internal static class ExporterIngest
{
    private static readonly string Program = RepoPaths.ExporterProgram;

    public static (int ExitCode, string Output) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Program, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("mailflow-exporter " + string.Join(' ', arguments));
        }

        return (process.ExitCode, string.Create(CultureInfo.InvariantCulture, $"{stdout}{stderr.Result}"));
    }
}
