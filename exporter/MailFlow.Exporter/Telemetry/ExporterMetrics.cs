using System.Diagnostics.Metrics;

namespace MailFlow.Exporter.Telemetry;

/// <summary>
/// The exporter's own metrics (meter <c>MailFlow.Exporter</c>), exported over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Instruments are static: recording costs nothing when no listener is attached.
/// </summary>
public static class ExporterMetrics
{
    /// <summary>The meter's name, to subscribe to.</summary>
    public const string MeterName = "MailFlow.Exporter";

    private static readonly Meter Meter = new(MeterName, "1.0");
    private static long _backlogPoints;
    private static long _backlogBytes;

    /// <summary>Log lines read.</summary>
    public static readonly Counter<long> LinesRead = Meter.CreateCounter<long>("mailflow.exporter.lines_read", "{line}", "Log lines read");

    /// <summary>Per-message records parsed.</summary>
    public static readonly Counter<long> Records = Meter.CreateCounter<long>("mailflow.exporter.records", "{record}", "Messages parsed from the logs");

    /// <summary>Lines the parser could not understand (warnings and errors).</summary>
    public static readonly Counter<long> LinesNotUnderstood = Meter.CreateCounter<long>("mailflow.exporter.lines_not_understood", "{line}", "Lines that belong to a log but could not be understood");

    /// <summary>Points acknowledged by InfluxDB.</summary>
    public static readonly Counter<long> PointsWritten = Meter.CreateCounter<long>("mailflow.exporter.points_written", "{point}", "Points acknowledged by InfluxDB");

    /// <summary>Write attempts that failed transiently and were retried.</summary>
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("mailflow.exporter.write_retries", "{retry}", "InfluxDB writes retried after a transient failure");

    /// <summary>Records whose minute was already closed (older than the open-minute window) and could not be counted exactly.</summary>
    public static readonly Counter<long> LateRecords = Meter.CreateCounter<long>("mailflow.exporter.late_records", "{record}", "Records older than the open-minute window, not written");

    /// <summary>Rollup points InfluxDB recomputed (5m, 1h, 1d tiers).</summary>
    public static readonly Counter<long> RollupPoints = Meter.CreateCounter<long>("mailflow.exporter.rollup_points", "{point}", "Rollup points recomputed by InfluxDB");

    /// <summary>Duration of rollup recomputations (all tiers of one write).</summary>
    public static readonly Histogram<double> RollupDuration = Meter.CreateHistogram<double>("mailflow.exporter.rollup_duration", "s", "Duration of rollup recomputations");

    /// <summary>Duration of one successful write request.</summary>
    public static readonly Histogram<double> WriteLatency = Meter.CreateHistogram<double>("mailflow.exporter.write_duration", "s", "Duration of InfluxDB write requests");

    static ExporterMetrics()
    {
        Meter.CreateObservableGauge("mailflow.exporter.backlog_points", () => Interlocked.Read(ref _backlogPoints), "{point}", "Points waiting to be written to InfluxDB");
        Meter.CreateObservableGauge("mailflow.exporter.backlog_bytes", () => Interlocked.Read(ref _backlogBytes), "By", "Log bytes appended to followed files and not yet read");
    }

    /// <summary>Sets the number of points waiting for InfluxDB.</summary>
    public static void SetBacklogPoints(long points) => Interlocked.Exchange(ref _backlogPoints, points);

    /// <summary>Sets the number of log bytes not yet read by the followers.</summary>
    public static void SetBacklogBytes(long bytes) => Interlocked.Exchange(ref _backlogBytes, bytes);
}
