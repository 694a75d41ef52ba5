using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using MailFlow.Api.V1;
using MailFlow.Backend.Hosting;
using MailFlow.Backend.Query;
using MailFlow.Exporter.Rollups;
using MailFlow.Exporter.Sinks;
using MailFlow.QueryBench;
using MailFlow.Testing;
using Microsoft.Extensions.Logging;
using ExporterInfluxOptions = MailFlow.Exporter.Sinks.InfluxOptions;
using InfluxOptions = MailFlow.Backend.Influx.InfluxOptions;

// Usage: mailflow-query-bench [--days 90] [--connectors 50] [--iterations 60] [--callers 200] [--influx-url URL] [--load-only]
//   [--only name,name] (only these questions, e.g. securitySeries(1000); the concurrent callers are skipped)
// Without --influx-url a temporary influxd is started and loaded; with it, the data is loaded only when the
// database 'mailflow_bench' is empty (so a second run measures straight away).
var settings = Settings.Parse(args);
var end = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
var data = new DataSet(settings.Connectors, settings.Days, end);
const string Database = "mailflow_bench";

InfluxDbServer? ownServer = null;
var influxUrl = settings.InfluxUrl;
if (influxUrl is null)
{
    ownServer = new InfluxDbServer();
    influxUrl = ownServer.Url;
}

try
{
    using var raw = new HttpClient { BaseAddress = influxUrl, Timeout = TimeSpan.FromMinutes(2) };
    await raw.PostAsync(new Uri("/query?q=CREATE%20DATABASE%20" + Database, UriKind.Relative), null);
    var existing = await raw.GetStringAsync(new Uri($"/query?db={Database}&q=" + Uri.EscapeDataString("SELECT COUNT(messages) FROM mailflow_messages"), UriKind.Relative));
    if (!existing.Contains("\"values\"", StringComparison.Ordinal))
    {
        Console.WriteLine($"Loading {data.MessagePoints:N0} message points ({settings.Connectors} connectors x 2 TLS versions x {settings.Days} days x 1440 min) plus security points for the TLS1.2 messages, hourly peers, blocked deliveries and peers to contact...");
        var load = Stopwatch.StartNew();
        await data.LoadAsync(influxUrl, Database, writers: 2);
        Console.WriteLine($"Loaded in {load.Elapsed.TotalSeconds:F1} s ({data.MessagePoints / load.Elapsed.TotalSeconds:N0} points/s)");
    }
    else
    {
        Console.WriteLine($"Database {Database} already loaded: {existing.Trim()}");
    }

    // The rollup tiers, built by the exporter's own code from the stored minutes, as `mailflow-exporter rollup` does.
    var tiers = await raw.GetStringAsync(new Uri($"/query?db={Database}&q=" + Uri.EscapeDataString("SHOW MEASUREMENTS WITH MEASUREMENT = \"mailflow_messages_1d\""), UriKind.Relative));
    if (!tiers.Contains("\"values\"", StringComparison.Ordinal))
    {
        var rollup = Stopwatch.StartNew();
        using var writer = new InfluxPointWriter(new ExporterInfluxOptions { Url = influxUrl.ToString(), Database = Database });
        var points = await writer.WriteRollupsAsync(RollupPlan.ForRange(end.AddDays(-settings.Days), end), CancellationToken.None);
        Console.WriteLine($"Rollups built in {rollup.Elapsed.TotalSeconds:F1} s ({points:N0} points)");
    }

    if (args.Contains("--load-only"))
    {
        return 0;
    }

    var influx = new InfluxOptions { Url = influxUrl, Database = Database };
    var uncachedApp = BackendServer.Build(new ServeOptions { Listen = "127.0.0.1:0", Influx = influx, Engine = new QueryEngineOptions { CacheTtl = TimeSpan.Zero } }, b => b.Logging.SetMinimumLevel(LogLevel.Warning));
    var cachedApp = BackendServer.Build(new ServeOptions { Listen = "127.0.0.1:0", Influx = influx }, b => b.Logging.SetMinimumLevel(LogLevel.Warning));
    await uncachedApp.StartAsync();
    await cachedApp.StartAsync();
    var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
    using var uncachedChannel = GrpcChannel.ForAddress(BackendServer.BoundAddress(uncachedApp), new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false });
    using var cachedChannel = GrpcChannel.ForAddress(BackendServer.BoundAddress(cachedApp), new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false });
    var uncached = new MailFlowInsights.MailFlowInsightsClient(uncachedChannel);
    var cached = new MailFlowInsights.MailFlowInsightsClient(cachedChannel);

    // The exact InfluxQL each (uncached) API call sends, read from the engine's trace, is replayed straight to InfluxDB.
    string? lastQuery = null;
    using var listener = new ActivityListener
    {
        ShouldListenTo = source => source.Name == QueryTelemetry.Name,
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        ActivityStopped = activity => lastQuery = activity.GetTagItem("db.query.text") as string ?? lastQuery,
    };
    ActivitySource.AddActivityListener(listener);

    // Ranges end mid-afternoon, like a dashboard's "last N days" ending now: their edge days are partial.
    var queryEnd = end.AddMinutes(-(8 * 60) - 17);
    Console.WriteLine();
    Console.WriteLine($"API = through the gRPC API with the engine's cache off: every call is the question asked for the first time ({settings.Connectors} connectors, {settings.Days} days of 1-minute points).");
    Console.WriteLine($"{"question",-22} {"window",-6} | {"API p50",8} {"API p99",8} | {"Influx p50",10} {"Influx p99",10} | {"overhead",8} | {"cached p50",10} {"cached p99",10}");
    var windows = new (string Name, TimeSpan Length)[] { ("24h", TimeSpan.FromHours(24)), ("7d", TimeSpan.FromDays(7)), ("30d", TimeSpan.FromDays(30)), ("89d", TimeSpan.FromDays(89)) };
    foreach (var (windowName, length) in windows)
    {
        var filter = new Filter { From = Timestamp.FromDateTimeOffset(queryEnd - length), To = Timestamp.FromDateTimeOffset(queryEnd) };
        var shareFilter = filter.Clone();
        shareFilter.Tls = MailFlow.Api.V1.TlsVersion.Tls10;
        var questions = new (string Name, Func<MailFlowInsights.MailFlowInsightsClient, Task> Call)[]
        {
            ("summary", async c => await c.GetTlsSummaryAsync(new GetTlsSummaryRequest { Filter = filter })),
            ("timeseries(1000 pts)", async c => await c.GetTlsTimeSeriesAsync(new GetTlsTimeSeriesRequest { Filter = filter, MaxPoints = 1000 })),
            ("connectorReport/day", async c => await c.GetConnectorReportAsync(new GetConnectorReportRequest { Filter = filter })),
            ("insights", async c => await c.GetInsightsAsync(new GetInsightsRequest { Filter = filter })),
            ("legacyPeers", async c => await c.GetLegacyPeersAsync(new GetLegacyPeersRequest { Filter = filter })),
            ("connectorTlsShares", async c => await c.GetConnectorTlsSharesAsync(new GetConnectorTlsSharesRequest { Filter = shareFilter, MinMessages = 10 })),
            ("listConnectors", async c => await c.ListConnectorsAsync(new ListConnectorsRequest { Filter = filter })),
            ("transitSecurity", async c => await c.GetTransitSecurityAsync(new GetTransitSecurityRequest { Filter = filter })),
            ("securitySeries(1000)", async c => await c.GetTransitSecurityTimeSeriesAsync(new GetTransitSecurityTimeSeriesRequest { Filter = filter, MaxPoints = 1000, Dimension = SecurityDimension.Auth })),
            ("blockedDeliveries", async c => await c.GetBlockedDeliveriesAsync(new GetBlockedDeliveriesRequest { Filter = filter })),
            ("plaintextDomains", async c => await c.GetPlaintextDomainsAsync(new GetPlaintextDomainsRequest { Filter = filter })),
            ("securityInsights", async c => await c.GetSecurityInsightsAsync(new GetSecurityInsightsRequest { Filter = filter })),
            ("securityPeers", async c => await c.GetSecurityPeersAsync(new GetSecurityPeersRequest { Filter = filter })),
        };
        foreach (var (name, call) in questions.Where(q => settings.Only is null || settings.Only.Contains(q.Name)))
        {
            lastQuery = null;
            await call(uncached);
            var influxQl = lastQuery ?? throw new InvalidOperationException("no query captured");
            var direct = new Uri($"/query?db={Database}&epoch=ns&q={Uri.EscapeDataString(influxQl)}", UriKind.Relative);
            var api = new List<double>();
            var straight = new List<double>();
            var warm = new List<double>();
            for (var i = 0; i < 3; i++)
            {
                await call(uncached);
                await raw.GetStringAsync(direct);
                await call(cached);
            }

            // Interleaved, so that every side sees the same machine load.
            for (var i = 0; i < settings.Iterations; i++)
            {
                var watch = Stopwatch.StartNew();
                await call(uncached);
                api.Add(watch.Elapsed.TotalMilliseconds);
                watch.Restart();
                await raw.GetStringAsync(direct);
                straight.Add(watch.Elapsed.TotalMilliseconds);
                watch.Restart();
                await call(cached);
                warm.Add(watch.Elapsed.TotalMilliseconds);
            }

            var overhead = (Percentile(api, 50) - Percentile(straight, 50)) / Percentile(straight, 50) * 100;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-22} {windowName,-6} | {Percentile(api, 50),6:F1}ms {Percentile(api, 99),6:F1}ms | {Percentile(straight, 50),8:F1}ms {Percentile(straight, 99),8:F1}ms | {overhead,7:F1}% | {Percentile(warm, 50),8:F1}ms {Percentile(warm, 99),8:F1}ms"));
        }
    }

    // 200 concurrent callers, each asking every question once over the last 24 hours / 7 days.
    foreach (var (label, client) in settings.Only is null ? new[] { ("cache on", cached), ("cache off", uncached) } : [])
    {
        var filter = new Filter { From = Timestamp.FromDateTimeOffset(queryEnd.AddDays(-7)), To = Timestamp.FromDateTimeOffset(queryEnd) };
        var errors = 0;
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var start = new TaskCompletionSource();
        var callers = Enumerable.Range(0, settings.Callers).Select(i => Task.Run(async () =>
        {
            await start.Task;
            var calls = new Func<Task>[]
            {
                async () => await client.GetTlsSummaryAsync(new GetTlsSummaryRequest { Filter = filter }),
                async () => await client.GetTlsTimeSeriesAsync(new GetTlsTimeSeriesRequest { Filter = filter, MaxPoints = 300 }),
                async () => await client.GetConnectorReportAsync(new GetConnectorReportRequest { Filter = filter }),
                async () => await client.GetInsightsAsync(new GetInsightsRequest { Filter = filter }),
                async () => await client.GetLegacyPeersAsync(new GetLegacyPeersRequest { Filter = filter }),
                async () => await client.ListConnectorsAsync(new ListConnectorsRequest { Filter = filter }),
            };
            foreach (var call in calls.Skip(i % calls.Length).Concat(calls.Take(i % calls.Length)))
            {
                var watch = Stopwatch.StartNew();
                try
                {
                    await call();
                    latencies.Add(watch.Elapsed.TotalMilliseconds);
                }
                catch (Grpc.Core.RpcException e)
                {
                    Interlocked.Increment(ref errors);
                    Console.WriteLine("  error: " + e.Status);
                }
            }
        })).ToArray();
        var total = Stopwatch.StartNew();
        start.SetResult();
        await Task.WhenAll(callers);
        var list = latencies.ToList();
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{settings.Callers} concurrent callers x 6 questions (7d window, {label}): {list.Count} answered, {errors} errors, {total.Elapsed.TotalSeconds:F2} s wall, {list.Count / total.Elapsed.TotalSeconds:F0} answers/s, latency p50 {Percentile(list, 50):F1} ms, p99 {Percentile(list, 99):F1} ms"));
    }

    await uncachedApp.StopAsync();
    await cachedApp.StopAsync();
    await uncachedApp.DisposeAsync();
    await cachedApp.DisposeAsync();
    handler.Dispose();
}
finally
{
    ownServer?.Dispose();
}

return 0;

static double Percentile(List<double> values, double percentile)
{
    var sorted = values.Order().ToList();
    var rank = (int)Math.Ceiling(percentile / 100 * sorted.Count) - 1;
    return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
}

internal sealed record Settings(int Days, int Connectors, int Iterations, int Callers, Uri? InfluxUrl, string[]? Only)
{
    public static Settings Parse(string[] args)
    {
        string? Value(string name)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
        }

        int Number(string name, int fallback) => Value(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        return new Settings(
            Number("--days", 90),
            Number("--connectors", 50),
            Number("--iterations", 60),
            Number("--callers", 200),
            Value("--influx-url") is { } url ? new Uri(url) : null,
            Value("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
