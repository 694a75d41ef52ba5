using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Logs.V1;
using OpenTelemetry.Proto.Collector.Metrics.V1;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Metrics.V1;
using OpenTelemetry.Proto.Resource.V1;

namespace MailFlow.Testing;

/// <summary>
/// A real OTLP receiver on loopback, decoding with the protocol's own schema (otlp/): gRPC (HTTP/2 cleartext,
/// the collector services' <c>Export</c>) on <see cref="GrpcEndpoint"/> and HTTP/protobuf (<c>POST /v1/metrics</c>,
/// <c>/v1/logs</c>, <c>/v1/traces</c>, HTTP/1.1) on <see cref="HttpEndpoint"/>. It records what arrived: the
/// resource attributes (service.name), metric names and log records of every request.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpExport> _received;

    private OtlpReceiver(WebApplication app, ConcurrentQueue<OtlpExport> received, Uri grpc, Uri http)
    {
        _app = app;
        _received = received;
        GrpcEndpoint = grpc;
        HttpEndpoint = http;
    }

    /// <summary>The gRPC listener, e.g. <c>http://127.0.0.1:40001</c>.</summary>
    public Uri GrpcEndpoint { get; }

    /// <summary>The HTTP/protobuf listener's base URL (signal paths appended by the exporter).</summary>
    public Uri HttpEndpoint { get; }

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddGrpc();
        var sink = new ConcurrentQueue<OtlpExport>();
        builder.Services.AddSingleton(sink);
        var app = builder.Build();
        app.MapGrpcService<MetricsService>();
        app.MapGrpcService<LogsService>();
        app.MapGrpcService<TraceService>();
        app.MapPost("/v1/metrics", context => HttpExport(context, ExportMetricsServiceRequest.Parser, r => OtlpExport.From("http", r), new ExportMetricsServiceResponse(), sink));
        app.MapPost("/v1/logs", context => HttpExport(context, ExportLogsServiceRequest.Parser, r => OtlpExport.From("http", r), new ExportLogsServiceResponse(), sink));
        app.MapPost("/v1/traces", context => HttpExport(context, ExportTraceServiceRequest.Parser, r => OtlpExport.From("http", r), new ExportTraceServiceResponse(), sink));
        await app.StartAsync().ConfigureAwait(false);

        // Two listeners, in the order configured: the HTTP/2 one first.
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        return new OtlpReceiver(app, sink, addresses[0], addresses[1]);
    }

    /// <summary>Every request received so far, in arrival order.</summary>
    public IReadOnlyList<OtlpExport> Received => [.. _received];

    /// <summary>The endpoint for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> with the protocol of <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>.</summary>
    public Uri EndpointFor(string protocol) => protocol switch
    {
        "grpc" => GrpcEndpoint,
        "http/protobuf" => HttpEndpoint,
        _ => throw new ArgumentException("not an OTLP protocol: " + protocol, nameof(protocol)),
    };

    /// <summary>
    /// The value of a cumulative metric in the latest request that carried it (see <see cref="OtlpExport.Metrics"/>),
    /// null when none did.
    /// </summary>
    public double? Latest(string metricName) =>
        Received.LastOrDefault(e => e.Metrics.ContainsKey(metricName))?.Metrics[metricName];

    /// <summary>
    /// Points a child process's OTLP exporter here: every inherited <c>OTEL_*</c> variable removed, then the
    /// endpoint for <paramref name="protocol"/> (<c>grpc</c> or <c>http/protobuf</c>), the service name, and short
    /// export intervals (0.5 s) so that tests are quick.
    /// </summary>
    public void Configure(System.Diagnostics.ProcessStartInfo start, string protocol, string serviceName, string? resourceAttributes = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = EndpointFor(protocol).ToString();
        start.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol;
        start.Environment["OTEL_SERVICE_NAME"] = serviceName;
        start.Environment["OTEL_METRIC_EXPORT_INTERVAL"] = "500";
        start.Environment["OTEL_BLRP_SCHEDULE_DELAY"] = "200";
        start.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        if (resourceAttributes is not null)
        {
            start.Environment["OTEL_RESOURCE_ATTRIBUTES"] = resourceAttributes;
        }
    }

    /// <summary>Waits until what arrived satisfies <paramref name="condition"/>; throws with a summary of it otherwise.</summary>
    public async Task<IReadOnlyList<OtlpExport>> WaitForAsync(Func<IReadOnlyList<OtlpExport>, bool> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var received = Received;
            if (condition(received))
            {
                return received;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"OTLP receiver: no {what} within {timeout.TotalSeconds:F0} s; received: "
                    + (received.Count == 0 ? "nothing" : $"{received.Count} requests, the last: " + string.Join("; ", received.TakeLast(8).Select(e => e.ToString()))));
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task HttpExport<TRequest>(HttpContext context, MessageParser<TRequest> parser, Func<TRequest, OtlpExport> record, IMessage response, ConcurrentQueue<OtlpExport> sink)
        where TRequest : IMessage<TRequest>
    {
        if (context.Request.ContentType?.StartsWith("application/x-protobuf", StringComparison.Ordinal) != true)
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
        sink.Enqueue(record(parser.ParseFrom(body.ToArray())) with
        {
            Headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
        });
        context.Response.ContentType = "application/x-protobuf";
        await context.Response.Body.WriteAsync(response.ToByteArray(), context.RequestAborted).ConfigureAwait(false);
    }

    private static Dictionary<string, string> Headers(ServerCallContext context) =>
        context.RequestHeaders.Where(h => !h.IsBinary).GroupBy(h => h.Key).ToDictionary(g => g.Key, g => string.Join(",", g.Select(h => h.Value)));

    private sealed class MetricsService(ConcurrentQueue<OtlpExport> sink) : OpenTelemetry.Proto.Collector.Metrics.V1.MetricsService.MetricsServiceBase
    {
        public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
        {
            sink.Enqueue(OtlpExport.From("grpc", request) with { Headers = Headers(context) });
            return Task.FromResult(new ExportMetricsServiceResponse());
        }
    }

    private sealed class LogsService(ConcurrentQueue<OtlpExport> sink) : OpenTelemetry.Proto.Collector.Logs.V1.LogsService.LogsServiceBase
    {
        public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
        {
            sink.Enqueue(OtlpExport.From("grpc", request) with { Headers = Headers(context) });
            return Task.FromResult(new ExportLogsServiceResponse());
        }
    }

    private sealed class TraceService(ConcurrentQueue<OtlpExport> sink) : OpenTelemetry.Proto.Collector.Trace.V1.TraceService.TraceServiceBase
    {
        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            sink.Enqueue(OtlpExport.From("grpc", request) with { Headers = Headers(context) });
            return Task.FromResult(new ExportTraceServiceResponse());
        }
    }
}

/// <summary>One log record as received: body, severity, event name and attributes (as strings).</summary>
public sealed record OtlpLogRecord(string Body, string Severity, string EventName, IReadOnlyDictionary<string, string> Attributes);

/// <summary>One OTLP export request as received, flattened: which transport and signal, for which resources.</summary>
public sealed record OtlpExport(
    string Transport,
    string Signal,
    IReadOnlyList<IReadOnlyDictionary<string, string>> Resources,
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyList<OtlpLogRecord> LogRecords,
    IReadOnlyList<string> SpanNames)
{
    /// <summary>The request's headers (gRPC metadata), names in lower case: OTEL_EXPORTER_OTLP_HEADERS arrive here.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Names of the metrics in the request.</summary>
    public IEnumerable<string> MetricNames => Metrics.Keys;

    /// <summary>The service.name of every resource in the request.</summary>
    public IEnumerable<string> ServiceNames => Resources.Select(r => r.GetValueOrDefault("service.name") ?? "");

    internal static OtlpExport From(string transport, ExportMetricsServiceRequest request) => new(
        transport, "metrics",
        [.. request.ResourceMetrics.Select(r => Attributes(r.Resource))],
        request.ResourceMetrics.SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics)
            .GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Sum(Value)),
        [], []);

    internal static OtlpExport From(string transport, ExportLogsServiceRequest request) => new(
        transport, "logs",
        [.. request.ResourceLogs.Select(r => Attributes(r.Resource))],
        new Dictionary<string, double>(),
        [.. request.ResourceLogs.SelectMany(r => r.ScopeLogs).SelectMany(s => s.LogRecords)
            .Select(l => new OtlpLogRecord(Text(l.Body), l.SeverityText, l.EventName, l.Attributes.ToDictionary(a => a.Key, a => Text(a.Value))))],
        []);

    internal static OtlpExport From(string transport, ExportTraceServiceRequest request) => new(
        transport, "traces",
        [.. request.ResourceSpans.Select(r => Attributes(r.Resource))],
        new Dictionary<string, double>(), [],
        [.. request.ResourceSpans.SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans).Select(s => s.Name)]);

    public override string ToString() =>
        $"{Transport} {Signal} from {string.Join(",", ServiceNames)}: "
        + string.Join(", ", MetricNames.Concat(LogRecords.Select(l => "log '" + l.Body + "'")).Concat(SpanNames.Select(s => "span " + s)).Take(8));

    /// <summary>A counter's or gauge's value summed over its data points (cumulative by default), a histogram's count.</summary>
    private static double Value(Metric metric) => metric.DataCase switch
    {
        Metric.DataOneofCase.Sum => metric.Sum.DataPoints.Sum(NumberValue),
        Metric.DataOneofCase.Gauge => metric.Gauge.DataPoints.Sum(NumberValue),
        Metric.DataOneofCase.Histogram => metric.Histogram.DataPoints.Sum(p => (double)p.Count),
        Metric.DataOneofCase.ExponentialHistogram => metric.ExponentialHistogram.DataPoints.Sum(p => (double)p.Count),
        _ => 0,
    };

    private static double NumberValue(NumberDataPoint point) =>
        point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble;

    private static Dictionary<string, string> Attributes(Resource? resource) =>
        resource is null ? [] : resource.Attributes.ToDictionary(a => a.Key, a => Text(a.Value));

    private static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        null or AnyValue.ValueOneofCase.None => "",
        _ => value.ToString(),
    };
}

/// <summary>
/// Listens where an OTLP exporter sends when nobody told it where (localhost:4317 for gRPC, :4318 for HTTP), and
/// counts the connections: a program that honours its OTLP endpoint makes none. A port another process holds is
/// not watched (<see cref="WatchedPorts"/> says which are).
/// </summary>
public sealed class DefaultCollectorPorts : IDisposable
{
    private readonly List<TcpListener> _listeners = [];
    private readonly CancellationTokenSource _stop = new();
    private int _connections;

    public DefaultCollectorPorts()
    {
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
        {
            foreach (var port in new[] { 4317, 4318 })
            {
                var listener = new TcpListener(address, port);
                try
                {
                    listener.Start();
                }
                catch (SocketException)
                {
                    continue; // Taken (or no IPv6 here): not watched.
                }

                _listeners.Add(listener);
                _ = AcceptAsync(listener);
            }
        }
    }

    /// <summary>The endpoints watched, e.g. <c>127.0.0.1:4317</c>.</summary>
    public IReadOnlyList<string> WatchedPorts => [.. _listeners.Select(l => l.LocalEndpoint.ToString()!)];

    /// <summary>Whether the IPv4 loopback ports 4317 and 4318 are both watched.</summary>
    public bool AllWatched => _listeners.Count(l => ((IPEndPoint)l.LocalEndpoint).Address.Equals(IPAddress.Loopback)) == 2;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public void Dispose()
    {
        _stop.Cancel();
        foreach (var listener in _listeners)
        {
            listener.Stop();
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _connections);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }
}
