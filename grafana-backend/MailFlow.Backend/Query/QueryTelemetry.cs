using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MailFlow.Backend.Query;

/// <summary>Traces and metrics of the query engine (exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set).</summary>
public static class QueryTelemetry
{
    /// <summary>Name of the <see cref="ActivitySource"/> and <see cref="Meter"/>.</summary>
    public const string Name = "MailFlow.Backend.Query";

    internal static readonly ActivitySource Source = new(Name);
    internal static readonly Meter Meter = new(Name);

    internal static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "mailflow.query.duration", unit: "ms", description: "Time to answer one engine question, InfluxDB included.");

    internal static readonly Histogram<double> InfluxDuration = Meter.CreateHistogram<double>(
        "mailflow.influx.duration", unit: "ms", description: "Time InfluxDB took to answer one /query request.");

    internal static readonly Counter<long> Errors = Meter.CreateCounter<long>(
        "mailflow.query.errors", unit: "{error}", description: "Engine questions that failed, by query and error kind.");
}
