using System.Globalization;
using System.Text;
using MailFlow.Contracts.Schema;

namespace MailFlow.Exporter.Rollups;

/// <summary>
/// The statements that recompute rollup buckets inside InfluxDB: InfluxQL <c>SELECT ... INTO</c> for the v1 API
/// (verified on influxd 1.6.7: tags and integer types are kept) and Flux <c>aggregateWindow |> to()</c> for v2.
/// Counts are sums; <see cref="InfluxSchema.Fields.LastSeen"/> (peers) is a maximum; the narrow measurements
/// (<see cref="InfluxSchema.NarrowMeasurements"/>) sum their source's minutes without the connector tags.
/// </summary>
public static class RollupQueries
{
    private static readonly string[] Measurements =
        [InfluxSchema.MessagesMeasurement, InfluxSchema.PeersMeasurement, InfluxSchema.TlsMeasurement, InfluxSchema.SecurityMeasurement, InfluxSchema.BlockedMeasurement, InfluxSchema.SecurityPeersMeasurement, InfluxSchema.SecurityNarrowMeasurement];

    /// <summary>Measurements with <see cref="InfluxSchema.Fields.LastSeen"/> (a maximum in rollups).</summary>
    private static bool HasLastSeen(string measurement) =>
        measurement is InfluxSchema.PeersMeasurement or InfluxSchema.BlockedMeasurement or InfluxSchema.SecurityPeersMeasurement;

    /// <summary>
    /// The finer measurement a tier of <paramref name="measurement"/> is computed from: the tier below, except that a
    /// narrow measurement's minutes and finest tier sum its source's minutes (<see cref="InfluxSchema.NarrowMeasurements"/>).
    /// </summary>
    public static string Source(string measurement, RollupStep step) =>
        step.SourceSuffix.Length == 0 && InfluxSchema.NarrowMeasurements.TryGetValue(measurement, out var narrow) ? narrow.Source : measurement + step.SourceSuffix;

    /// <summary>
    /// What one step writes, per span: each measurement's tier from its source, and in the finest step also the
    /// per-minute points of the narrow measurements (their source's minutes summed over connectors), so that short time
    /// series without connector names read a few series per minute too.
    /// </summary>
    internal static IEnumerable<(string Measurement, string Target, TimeSpan Resolution)> Targets(RollupStep step)
    {
        foreach (var measurement in Measurements)
        {
            if (step.SourceSuffix.Length == 0 && InfluxSchema.NarrowMeasurements.ContainsKey(measurement))
            {
                yield return (measurement, measurement, InfluxSchema.BaseResolution);
            }

            yield return (measurement, step.Tier.Measurement(measurement), step.Tier.Resolution);
        }
    }

    /// <summary>
    /// One InfluxQL statement per measurement and span. With a retention policy, sources and targets are qualified
    /// as <c>"db"."rp"."m"</c> (an unqualified INTO would go to the default policy).
    /// </summary>
    public static List<string> InfluxQlStatements(RollupStep step, IReadOnlyList<RollupSpan> spans, string database, string? retentionPolicy)
    {
        var c = CultureInfo.InvariantCulture;
        var statements = new List<string>(spans.Count * (Measurements.Length + InfluxSchema.NarrowMeasurements.Count));
        foreach (var span in spans)
        {
            foreach (var (measurement, targetName, resolution) in Targets(step))
            {
                var every = Duration(resolution);
                var text = new StringBuilder();
                var source = Qualified(Source(measurement, step), database, retentionPolicy);
                var target = Qualified(targetName, database, retentionPolicy);
                text.Append(c, $"SELECT SUM(\"{InfluxSchema.Fields.Messages}\") AS \"{InfluxSchema.Fields.Messages}\", SUM(\"{InfluxSchema.Fields.Recipients}\") AS \"{InfluxSchema.Fields.Recipients}\", SUM(\"{InfluxSchema.Fields.Bytes}\") AS \"{InfluxSchema.Fields.Bytes}\"");
                if (HasLastSeen(measurement))
                {
                    text.Append(c, $", MAX(\"{InfluxSchema.Fields.LastSeen}\") AS \"{InfluxSchema.Fields.LastSeen}\"");
                }

                // A narrow measurement keeps only its own tags: grouping by them sums the connectors away.
                var tags = InfluxSchema.NarrowMeasurements.TryGetValue(measurement, out var narrow) ? string.Join(", ", narrow.Tags.Select(Identifier)) : "*";
                text.Append(c, $" INTO {target} FROM {source} WHERE {SourceCondition(step.Sources)}time >= {Nanoseconds(span.From)} AND time < {Nanoseconds(span.To)} GROUP BY time({every}), {tags} fill(none)");
                statements.Add(text.ToString());
            }
        }

        return statements;
    }

    /// <summary>
    /// A Flux script with, per measurement and span, a pipeline summing the counts (and one taking the maximum of
    /// last_seen for peers) into the tier's measurement with <c>to()</c>. The counting pipelines yield
    /// <c>w&lt;n&gt;</c>: the number of messages values written, i.e. one per series and bucket.
    /// </summary>
    public static string Flux(RollupStep step, IReadOnlyList<RollupSpan> spans, string bucket, string org)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        var n = 0;
        foreach (var span in spans)
        {
            foreach (var (measurement, targetName, resolution) in Targets(step))
            {
                var every = Duration(resolution);
                var pipelines = HasLastSeen(measurement)
                    ? new[] { ("sum", $"r._field != {FluxString(InfluxSchema.Fields.LastSeen)}", "w"), ("max", $"r._field == {FluxString(InfluxSchema.Fields.LastSeen)}", "m") }
                    : [("sum", $"r._field != {FluxString(InfluxSchema.Fields.LastSeen)}", "w")];
                foreach (var (fn, fieldFilter, yieldPrefix) in pipelines)
                {
                    text.Append(c, $"from(bucket: {FluxString(bucket)})\n");
                    text.Append(c, $"  |> range(start: {FluxTime(span.From)}, stop: {FluxTime(span.To)})\n");
                    text.Append(c, $"  |> filter(fn: (r) => r._measurement == {FluxString(Source(measurement, step))} and {fieldFilter}{FluxSourceCondition(step.Sources)})\n");
                    if (InfluxSchema.NarrowMeasurements.TryGetValue(measurement, out var narrow))
                    {
                        // One table per narrow series: the aggregate sums the connectors away.
                        var columns = string.Join(", ", new[] { "_measurement", "_field" }.Concat(narrow.Tags).Select(FluxString));
                        text.Append(c, $"  |> group(columns: [{columns}])\n");
                    }

                    text.Append(c, $"  |> aggregateWindow(every: {every}, fn: {fn}, createEmpty: false, timeSrc: \"_start\")\n");
                    text.Append(c, $"  |> set(key: \"_measurement\", value: {FluxString(targetName)})\n");
                    text.Append(c, $"  |> to(bucket: {FluxString(bucket)}, org: {FluxString(org)})\n");
                    if (yieldPrefix == "w")
                    {
                        text.Append(c, $"  |> filter(fn: (r) => r._field == {FluxString(InfluxSchema.Fields.Messages)})\n");
                    }

                    text.Append(c, $"  |> group()\n  |> count()\n  |> yield(name: \"{yieldPrefix}{n++}\")\n");
                }
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// <c>("source" = 'a' OR ...) AND </c> for the step's sources, or nothing for every source. In InfluxQL a
    /// tag compared with <c>''</c> matches the series without that tag, which is how a source-less series is stored.
    /// </summary>
    private static string SourceCondition(IReadOnlyList<string> sources) =>
        sources.Count == 0 ? "" : "(" + string.Join(" OR ", sources.Select(s => $"{Identifier(InfluxSchema.Tags.Source)} = {InfluxQlString(s)}")) + ") AND ";

    /// <summary>The Flux equivalent of <see cref="SourceCondition"/>: a missing column stands for the empty source.</summary>
    private static string FluxSourceCondition(IReadOnlyList<string> sources) =>
        sources.Count == 0
            ? ""
            : " and (" + string.Join(" or ", sources.Select(s => s.Length == 0 ? $"not exists r.{InfluxSchema.Tags.Source}" : $"r.{InfluxSchema.Tags.Source} == {FluxString(s)}")) + ")";

    /// <summary>A single-quoted InfluxQL string literal (backslashes and quotes escaped).</summary>
    private static string InfluxQlString(string value) =>
        "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    /// <summary>An InfluxQL/Flux duration literal: <c>5m</c>, <c>1h</c>, <c>1d</c>.</summary>
    internal static string Duration(TimeSpan resolution)
    {
        var c = CultureInfo.InvariantCulture;
        if (resolution.Ticks % TimeSpan.TicksPerDay == 0)
        {
            return string.Create(c, $"{resolution.Ticks / TimeSpan.TicksPerDay}d");
        }

        return resolution.Ticks % TimeSpan.TicksPerHour == 0
            ? string.Create(c, $"{resolution.Ticks / TimeSpan.TicksPerHour}h")
            : string.Create(c, $"{resolution.Ticks / TimeSpan.TicksPerMinute}m");
    }

    /// <summary>A double-quoted InfluxQL identifier (backslashes and quotes escaped).</summary>
    internal static string Identifier(string name) =>
        "\"" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Qualified(string measurement, string database, string? retentionPolicy) =>
        string.IsNullOrEmpty(retentionPolicy)
            ? Identifier(measurement)
            : Identifier(database) + "." + Identifier(retentionPolicy) + "." + Identifier(measurement);

    private static string Nanoseconds(DateTimeOffset time) =>
        ((time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100).ToString(CultureInfo.InvariantCulture);

    private static string FluxTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A Flux string literal: backslash, quote and the interpolation opener <c>${</c> escaped.</summary>
    private static string FluxString(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("${", "\\${", StringComparison.Ordinal) + "\"";
}
