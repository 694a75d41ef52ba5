using System.Globalization;
using System.Text.Json;
using MailFlow.Contracts.Schema;
using MailFlow.Exporter.Rollups;

namespace MailFlow.Exporter.Tests.Influx.Support;

/// <summary>
/// Reads rollup tiers back from the real influxd and compares them with the stored minutes aggregated by
/// InfluxDB itself (GROUP BY time(tier), every tag): the contract is that a tier's bucket equals the sum of the
/// minutes beneath it (and the newest last_seen), whichever ingest or daemon wrote those minutes.
/// </summary>
public static class TierCheck
{
    /// <summary>Series tags (sorted <c>key=value</c> list) and bucket time → field values.</summary>
    public static Dictionary<(string Series, DateTimeOffset Time), Dictionary<string, long>> Read(InfluxFixture influx, string influxQl, string database)
    {
        var points = new Dictionary<(string, DateTimeOffset), Dictionary<string, long>>();
        using var json = JsonDocument.Parse(influx.Server.Query(influxQl, database));
        var result = json.RootElement.GetProperty("results")[0];
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"{influxQl}: {error.GetString()}");
        }

        if (!result.TryGetProperty("series", out var series))
        {
            return points;
        }

        foreach (var one in series.EnumerateArray())
        {
            var tags = one.TryGetProperty("tags", out var t)
                ? string.Join(",", t.EnumerateObject().Where(p => p.Value.GetString() is { Length: > 0 }).Select(p => p.Name + "=" + p.Value.GetString()).Order(StringComparer.Ordinal))
                : "";
            var columns = one.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray();
            foreach (var row in one.GetProperty("values").EnumerateArray())
            {
                var values = row.EnumerateArray().ToArray();
                var fields = new Dictionary<string, long>();
                for (var i = 1; i < columns.Length; i++)
                {
                    if (values[i].ValueKind == JsonValueKind.Number)
                    {
                        fields[columns[i]] = values[i].GetInt64();
                    }
                }

                points[(tags, DateTimeOffset.Parse(values[0].GetString()!, CultureInfo.InvariantCulture))] = fields;
            }
        }

        return points;
    }

    /// <summary>
    /// Asserts that every tier of both measurements holds exactly InfluxDB's own aggregation of the stored
    /// minutes over [<paramref name="from"/>, <paramref name="to"/>) (whole days): same series, same buckets, same
    /// sums, same maximum last_seen. <paramref name="measurementPrefix"/> qualifies names (<c>"db"."rp".</c>).
    /// </summary>
    public static void AssertTiersMatchMinutes(InfluxFixture influx, string database, DateTimeOffset from, DateTimeOffset to, string measurementPrefix = "")
    {
        var mismatch = Mismatch(influx, database, from, to, measurementPrefix);
        Assert.True(mismatch is null, mismatch);
    }

    /// <summary>Waits (the daemon rolls up right after each write) until the tiers match the minutes, then asserts it.</summary>
    public static async Task AssertTiersMatchMinutesSoonAsync(InfluxFixture influx, string database, DateTimeOffset from, DateTimeOffset to)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && Mismatch(influx, database, from, to, "") is not null)
        {
            await Task.Delay(100);
        }

        AssertTiersMatchMinutes(influx, database, from, to);
    }

    /// <summary>What differs between the tiers and the minutes, or null when nothing does.</summary>
    public static string? Mismatch(InfluxFixture influx, string database, DateTimeOffset from, DateTimeOffset to, string measurementPrefix)
    {
        var where = $"WHERE time >= '{from.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}' AND time < '{to.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}'";

        // The per-minute points of the narrow measurements first (a "tier" of one minute, named without a suffix), then every tier.
        var levels = new[] { new RollupTier(InfluxSchema.BaseResolution, string.Empty) }.Concat(InfluxSchema.RollupTiers);
        foreach (var tier in levels)
        {
            var every = RollupQueries.Duration(tier.Resolution);
            var measurements = tier.Suffix.Length == 0
                ? new[] { InfluxSchema.TlsMeasurement, InfluxSchema.SecurityNarrowMeasurement }
                : [InfluxSchema.MessagesMeasurement, InfluxSchema.PeersMeasurement, InfluxSchema.TlsMeasurement, InfluxSchema.SecurityMeasurement, InfluxSchema.BlockedMeasurement, InfluxSchema.SecurityPeersMeasurement, InfluxSchema.SecurityNarrowMeasurement];
            foreach (var measurement in measurements)
            {
                var peers = measurement is InfluxSchema.PeersMeasurement or InfluxSchema.BlockedMeasurement or InfluxSchema.SecurityPeersMeasurement;

                // Transit security and blocked deliveries are written only by the real aggregator, blocked only when a policy stopped mail,
                // security peers only for messages with a concern.
                var optional = measurement is InfluxSchema.SecurityMeasurement or InfluxSchema.BlockedMeasurement or InfluxSchema.SecurityPeersMeasurement or InfluxSchema.SecurityNarrowMeasurement;
                var lastSeen = peers ? ", max(last_seen) AS last_seen" : "";
                // A narrow measurement is its source's minutes without the connector tags, at every level.
                var (minutes, tags) = InfluxSchema.NarrowMeasurements.TryGetValue(measurement, out var narrow)
                    ? (narrow.Source, string.Join(", ", narrow.Tags))
                    : (measurement, "*");
                var expected = Read(influx, $"SELECT sum(messages) AS messages, sum(recipients) AS recipients, sum(bytes) AS bytes{lastSeen} FROM {measurementPrefix}{minutes} {where} GROUP BY time({every}), {tags} fill(none)", database);
                var actual = Read(influx, $"SELECT messages, recipients, bytes{(peers ? ", last_seen" : "")} FROM {measurementPrefix}{tier.Measurement(measurement)} {where} GROUP BY *", database);
                if (expected.Count == 0 && optional)
                {
                    continue;
                }

                if (expected.Count == 0)
                {
                    return $"no {measurement} minutes at all in {where}: the test checks nothing";
                }

                foreach (var (key, fields) in expected)
                {
                    if (!actual.TryGetValue(key, out var got))
                    {
                        return $"{tier.Measurement(measurement)}: missing bucket {key.Time:o} of {key.Series}";
                    }

                    foreach (var (field, value) in fields)
                    {
                        if (got.GetValueOrDefault(field, long.MinValue) != value)
                        {
                            return $"{tier.Measurement(measurement)} {key.Time:o} {key.Series}: {field} = {got.GetValueOrDefault(field, long.MinValue)}, minutes give {value}";
                        }
                    }
                }

                if (actual.Keys.FirstOrDefault(k => !expected.ContainsKey(k)) is { Series: not null } extra)
                {
                    return $"{tier.Measurement(measurement)}: bucket {extra.Time:o} of {extra.Series} has no minutes";
                }
            }
        }

        return null;
    }
}
