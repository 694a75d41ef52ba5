using System.Diagnostics;
using System.Globalization;
using System.Text;
using MailFlow.Backend.Influx;
using MailFlow.Contracts.Schema;
using MailFlow.Contracts.Vocabulary;
using Microsoft.Extensions.Caching.Memory;

namespace MailFlow.Backend.Query;

/// <summary>One sum of a bucket: the group-by tags that matter to the engine and the message count.</summary>
internal readonly record struct BucketSum(Direction Direction, TlsVersion Tls, string Connector, ConnectorType Type, bool Forced, long Messages);

/// <summary>
/// Sums of <c>messages</c> per epoch-aligned bucket (a UTC day, or a time-series interval), read from InfluxDB with
/// <c>GROUP BY time(bucket), tags</c>. Buckets that are whole, inside the range and closed (ended more than the
/// settle delay ago) are cached for the TTL; a question then sends InfluxDB only the uncached spans (typically the
/// two partial edge days), all in one multi-statement request.
/// </summary>
internal sealed class BucketedSums(InfluxQlClient client, QueryEngineOptions options, TimeProvider time) : IDisposable
{
    /// <summary>More uncached spans than this are read as one span (a fragmented cache must not explode the request).</summary>
    private const int MaxSpans = 16;

    private readonly MemoryCache? _cache = options.CacheEnabled ? new MemoryCache(new MemoryCacheOptions { SizeLimit = options.CacheMaxRows }) : null;

    /// <summary>
    /// The sums per bucket start (epoch ns) for <c>[from, to)</c>. <paramref name="whereWithoutTime"/> and
    /// <paramref name="groupByTags"/> are InfluxQL built by the engine (values already escaped).
    /// </summary>
    public async Task<SortedDictionary<long, BucketSum[]>> ReadAsync(
        Activity? activity, string measurement, string whereWithoutTime, string groupByTags, TimeSpan bucket,
        DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var size = bucket.Ticks;
        var closedBefore = (time.GetUtcNow() - options.SettleDelay).UtcTicks;
        var shape = string.Concat(measurement, "|", whereWithoutTime, "|", groupByTags, "|", size.ToString(CultureInfo.InvariantCulture), "|");
        var answer = new SortedDictionary<long, BucketSum[]>();
        var spans = new List<(long From, long To)>();
        var cacheable = new HashSet<long>();
        for (var start = Floor(from.UtcTicks, size); start < to.UtcTicks; start += size)
        {
            var end = start + size;
            var whole = start >= from.UtcTicks && end <= to.UtcTicks && end <= closedBefore;
            if (whole && _cache is not null && _cache.TryGetValue(shape + start.ToString(CultureInfo.InvariantCulture), out BucketSum[]? cached) && cached is not null)
            {
                if (cached.Length > 0)
                {
                    answer[TicksToNanoseconds(start)] = cached;
                }

                continue;
            }

            if (whole)
            {
                cacheable.Add(start);
            }

            var spanFrom = Math.Max(start, from.UtcTicks);
            var spanTo = Math.Min(end, to.UtcTicks);
            if (spans.Count > 0 && spans[^1].To == spanFrom)
            {
                spans[^1] = (spans[^1].From, spanTo);
            }
            else
            {
                spans.Add((spanFrom, spanTo));
            }
        }

        activity?.SetTag("mailflow.cache.spans", spans.Count);
        if (spans.Count == 0)
        {
            return answer;
        }

        if (spans.Count > MaxSpans)
        {
            spans = [(spans[0].From, spans[^1].To)];
        }

        var query = new StringBuilder();
        foreach (var (spanFrom, spanTo) in spans)
        {
            query.Append(query.Length == 0 ? string.Empty : "; ")
                .Append("SELECT SUM(").Append(InfluxQl.QuoteIdentifier(InfluxSchema.Fields.Messages)).Append(") AS ").Append(InfluxQl.QuoteIdentifier(InfluxSchema.Fields.Messages))
                .Append(" FROM ").Append(InfluxQl.QuoteIdentifier(measurement))
                .Append(" WHERE time >= ").Append(InfluxQl.Time(new DateTimeOffset(spanFrom, TimeSpan.Zero)))
                .Append(" AND time < ").Append(InfluxQl.Time(new DateTimeOffset(spanTo, TimeSpan.Zero)))
                .Append(whereWithoutTime)
                .Append(" GROUP BY time(").Append(InfluxQl.Duration(bucket)).Append(')').Append(groupByTags.Length > 0 ? "," : string.Empty).Append(groupByTags)
                .Append(" fill(none)");
        }

        activity?.SetTag("db.query.text", query.ToString());
        var started = Stopwatch.GetTimestamp();
        var results = await client.QueryAsync(query.ToString(), cancellationToken).ConfigureAwait(false);
        QueryTelemetry.InfluxDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

        var fresh = new Dictionary<long, List<BucketSum>>();
        foreach (var result in results)
        {
            foreach (var series in result.Series)
            {
                if (!Directions.TryParseWire(series.Tag(InfluxSchema.Tags.Direction), out var direction))
                {
                    continue;
                }

                var tls = ParseTls(series.Tag(InfluxSchema.Tags.Tls));
                var connector = series.Tag(InfluxSchema.Tags.Connector);
                var type = ConnectorTypes.TryParseWire(series.Tag(InfluxSchema.Tags.ConnectorType), out var parsedType) ? parsedType : ConnectorType.Internet;
                var forced = string.Equals(series.Tag(InfluxSchema.Tags.ForcedTls), "true", StringComparison.OrdinalIgnoreCase);
                foreach (var row in series.Rows)
                {
                    if (!fresh.TryGetValue(row.Time, out var list))
                    {
                        fresh[row.Time] = list = [];
                    }

                    list.Add(new BucketSum(direction, tls, connector, type, forced, row.Values.Length > 0 ? row.Values[0] : 0));
                }
            }
        }

        foreach (var (nanoseconds, list) in fresh)
        {
            answer[nanoseconds] = [.. list];
        }

        if (_cache is not null)
        {
            foreach (var start in cacheable)
            {
                var sums = fresh.TryGetValue(TicksToNanoseconds(start), out var list) ? list.ToArray() : [];
                _cache.Set(shape + start.ToString(CultureInfo.InvariantCulture), sums, new MemoryCacheEntryOptions
                {
                    AbsoluteExpirationRelativeToNow = options.CacheTtl,
                    Size = sums.Length + 1,
                });
            }
        }

        return answer;
    }

    public void Dispose() => _cache?.Dispose();

    internal static TlsVersion ParseTls(string text) =>
        TlsVersions.TryParseWire(text, out var version) || TlsVersions.TryNormalize(text, out version) ? version : TlsVersion.Unknown;

    /// <summary>Start of the epoch-aligned bucket holding <paramref name="ticks"/>, as InfluxDB's GROUP BY time() cuts them.</summary>
    internal static long Floor(long ticks, long size)
    {
        var sinceEpoch = ticks - DateTimeOffset.UnixEpoch.UtcTicks;
        return ticks - (((sinceEpoch % size) + size) % size);
    }

    private static long TicksToNanoseconds(long ticks) => (ticks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
}
