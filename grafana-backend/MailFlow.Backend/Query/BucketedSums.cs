using System.Diagnostics;
using System.Globalization;
using System.Text;
using MailFlow.Backend.Influx;
using MailFlow.Contracts.Schema;
using MailFlow.Contracts.Vocabulary;
using Microsoft.Extensions.Caching.Memory;

namespace MailFlow.Backend.Query;

/// <summary>
/// What to read: the minute measurement, the measurement whose rollup tiers serve whole blocks (the same one, or
/// the narrower <see cref="InfluxSchema.TlsMeasurement"/>), and the InfluxQL tag conditions (<c> AND ...</c>, values
/// escaped by the engine) and group-by tags.
/// </summary>
internal sealed record ReadShape(string Measurement, string Tiered, string WhereWithoutTime, string GroupByTags);

/// <summary>
/// One sum of a bucket: the group-by tags that matter to the engine and the message count (auth and cipher only
/// for <see cref="InfluxSchema.SecurityMeasurement"/>, <c>unknown</c> elsewhere).
/// </summary>
internal readonly record struct BucketSum(
    Direction Direction, TlsVersion Tls, string Connector, ConnectorType Type, bool Forced, long Messages,
    TransitAuth Auth = TransitAuth.Unknown, CipherClass Cipher = CipherClass.Unknown);

/// <summary>
/// Sums of <c>messages</c> per epoch-aligned bucket (a UTC day, or a time-series interval), read from InfluxDB with
/// <c>GROUP BY time(bucket), tags</c> (or raw, when the points are as wide as the buckets), each span from the coarsest
/// rollup tier that fits it (<see cref="RollupSpans"/>).
/// Buckets that are whole, inside the range and closed (ended more than the settle delay ago) are cached for the
/// TTL; a question then sends InfluxDB only the uncached spans (typically the two partial edge days), all in one
/// multi-statement request.
/// </summary>
internal sealed class BucketedSums(InfluxQlClient client, QueryEngineOptions options, TimeProvider time) : IDisposable
{
    /// <summary>Without rollups, partial days are read per hour, so that their whole closed hours come from the cache too.</summary>
    private static readonly long Hour = TimeSpan.TicksPerHour;

    private static readonly long Day = TimeSpan.TicksPerDay;

    /// <summary>
    /// What a statement costs InfluxDB beyond its points, in points per series (measured on influxd 1.6: a statement of
    /// 2 points per series takes about a sixth of one of 88).
    /// </summary>
    private const long StatementOverhead = 15;

    /// <summary>
    /// Up to this many points per series, raw reads take the tags as columns (see <see cref="ReadMissingAsync"/>). On
    /// influxd 1.6, 100 series: 88 daily points each cost 55-61 ms of its CPU as columns, 72-89 ms grouped; 168 hourly
    /// points each 83-98 ms as columns, 61-70 ms grouped.
    /// </summary>
    private const long MaxPointsPerSeriesAsColumns = 100;

    private readonly MemoryCache? _cache = options.CacheEnabled ? new MemoryCache(new MemoryCacheOptions { SizeLimit = options.CacheMaxRows }) : null;

    /// <summary>
    /// The sums per bucket start (epoch ns) for <c>[from, to)</c>, or one entry for the whole range when
    /// <paramref name="bucket"/> is null; a bucket may list the same tags more than once (one entry per piece read),
    /// callers add them up.
    /// </summary>
    public async Task<SortedDictionary<long, BucketSum[]>> ReadAsync(
        Activity? activity, ReadShape read, TimeSpan? bucket, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var closedBefore = (time.GetUtcNow() - options.SettleDelay).UtcTicks;
        var shape = string.Concat(read.Measurement, "|", read.Tiered, "|", read.WhereWithoutTime, "|", read.GroupByTags, "|");
        var collected = new SortedDictionary<long, List<BucketSum>>();
        var missing = new List<Piece>();
        if (bucket is null)
        {
            // Totals over the range, no time grouping: one window per series is far cheaper for InfluxDB than one per
            // day. The closed whole days in the middle are cached as one block (a "last 90 days" range keeps the
            // same block all day); the edges are read each time.
            var label = from.UtcTicks;
            var first = Floor(from.UtcTicks + Day - 1, Day);
            var last = Math.Min(Floor(to.UtcTicks, Day), Floor(closedBefore, Day));
            if (_cache is null || first >= last)
            {
                missing.Add(new Piece(label, from.UtcTicks, to.UtcTicks, 0, null));
            }
            else
            {
                AddPiece(label, from.UtcTicks, first);
                var key = shape + "total|" + first.ToString(CultureInfo.InvariantCulture) + "|" + last.ToString(CultureInfo.InvariantCulture);
                if (_cache.TryGetValue(key, out BucketSum[]? block) && block is not null)
                {
                    Collect(collected, label, block);
                }
                else
                {
                    missing.Add(new Piece(label, first, last, 0, key));
                }

                AddPiece(label, last, to.UtcTicks);
            }

            void AddPiece(long label, long pieceFrom, long pieceTo)
            {
                if (pieceFrom >= pieceTo)
                {
                    return;
                }

                var key = PartKey(shape + "total", pieceFrom, pieceTo);
                if (key is not null && _cache!.TryGetValue(key, out BucketSum[]? cached) && cached is not null)
                {
                    Collect(collected, label, cached);
                    return;
                }

                missing.Add(new Piece(label, pieceFrom, pieceTo, 0, key));
            }

            return await FinishAsync().ConfigureAwait(false);
        }

        // A closed part of a bucket (the first day of "the last 7 days") cannot change either: cached under its exact
        // bounds, so that the other panels of the same dashboard load, which ask the same range, do not read it again.
        string? PartKey(string prefix, long partFrom, long partTo) =>
            _cache is not null && partTo <= closedBefore
                ? prefix + "|part|" + partFrom.ToString(CultureInfo.InvariantCulture) + "|" + partTo.ToString(CultureInfo.InvariantCulture)
                : null;

        var size = bucket.Value.Ticks;

        void Consider(long label, long start, long end, long granularity, bool whole)
        {
            var key = !whole ? PartKey(shape + granularity.ToString(CultureInfo.InvariantCulture), start, end)
                : end <= closedBefore && _cache is not null ? shape + granularity.ToString(CultureInfo.InvariantCulture) + "|" + start.ToString(CultureInfo.InvariantCulture)
                : null;
            if (key is not null && _cache!.TryGetValue(key, out BucketSum[]? cached) && cached is not null)
            {
                Collect(collected, label, cached);
                return;
            }

            missing.Add(new Piece(label, start, end, granularity, key));
        }

        for (var start = Floor(from.UtcTicks, size); start < to.UtcTicks; start += size)
        {
            var end = start + size;
            var pieceFrom = Math.Max(start, from.UtcTicks);
            var pieceTo = Math.Min(end, to.UtcTicks);
            if ((pieceFrom == start && pieceTo == end) || _cache is null || options.UseRollups || size <= Hour || size % Hour != 0)
            {
                Consider(start, pieceFrom, pieceTo, size, pieceFrom == start && pieceTo == end);
                continue;
            }

            // A partial day without rollups: its whole hours can be cached, only the partial hours at its edge are
            // read raw. (With rollups the partial day is read whole: a few hour and 5-minute points per series.)
            for (var hour = Floor(pieceFrom, Hour); hour < pieceTo; hour += Hour)
            {
                var hourFrom = Math.Max(hour, pieceFrom);
                var hourTo = Math.Min(hour + Hour, pieceTo);
                Consider(start, hourFrom, hourTo, Hour, hourFrom == hour && hourTo == hour + Hour);
            }
        }

        return await FinishAsync().ConfigureAwait(false);

        async Task<SortedDictionary<long, BucketSum[]>> FinishAsync()
        {
            activity?.SetTag("mailflow.cache.misses", missing.Count);
            if (missing.Count > 0)
            {
                await ReadMissingAsync(activity, read, missing, collected, cancellationToken).ConfigureAwait(false);
            }

            var answer = new SortedDictionary<long, BucketSum[]>();
            foreach (var (label, list) in collected)
            {
                answer[TicksToNanoseconds(label)] = [.. list];
            }

            return answer;
        }
    }

    private async Task ReadMissingAsync(
        Activity? activity, ReadShape read, List<Piece> missing, SortedDictionary<long, List<BucketSum>> collected, CancellationToken cancellationToken)
    {
        // Contiguous pieces of one granularity form one statement; all statements go in one request.
        var runs = new List<(long From, long To, long Granularity)>();
        foreach (var piece in missing)
        {
            // Totals (granularity 0) stay one run per piece: their rows carry no time to tell the pieces apart.
            if (runs.Count > 0 && runs[^1].To == piece.From && runs[^1].Granularity == piece.Granularity && piece.Granularity != 0)
            {
                runs[^1] = (runs[^1].From, piece.To, piece.Granularity);
            }
            else
            {
                runs.Add((piece.From, piece.To, piece.Granularity));
            }
        }

        // Each run is read from the coarsest rollup tier that fits it, minutes only at its edges.
        var statements = new List<string>();
        var statementGranularity = new List<long>();
        var statementRun = new List<long>();
        var statementWeights = new List<long>();
        foreach (var (runFrom, runTo, granularity) in runs)
        {
            foreach (var span in RollupSpans.Plan(read.Measurement, runFrom, runTo, granularity, options.UseRollups, read.Tiered))
            {
                // Points as wide as the buckets need no summing per bucket: they are read raw (about half the CPU of one
                // window per point), floored to their bucket and added up below. With few points per series (a 90-day
                // connector report from the daily tier) the tags come as columns, without grouping, which saves a
                // quarter more; with many, grouping costs less and keeps the answer a third of the size.
                var pointsPerSeries = (span.To - span.From) / span.Resolution;
                var raw = granularity != 0 && span.Resolution == granularity;
                var columns = raw && pointsPerSeries <= MaxPointsPerSeriesAsColumns && read.GroupByTags.Length > 0;
                var messages = InfluxQl.QuoteIdentifier(InfluxSchema.Fields.Messages);
                statements.Add(new StringBuilder()
                    .Append(raw ? "SELECT " + messages : "SELECT SUM(" + messages + ") AS " + messages)
                    .Append(columns ? "," + read.GroupByTags : string.Empty)
                    .Append(" FROM ").Append(InfluxQl.QuoteIdentifier(span.Measurement))
                    .Append(" WHERE time >= ").Append(InfluxQl.Time(new DateTimeOffset(span.From, TimeSpan.Zero)))
                    .Append(" AND time < ").Append(InfluxQl.Time(new DateTimeOffset(span.To, TimeSpan.Zero)))
                    .Append(read.WhereWithoutTime)
                    .Append(columns ? string.Empty : GroupBy(raw ? 0 : granularity, read.GroupByTags))
                    .ToString());
                statementGranularity.Add(granularity);
                statementRun.Add(runFrom);
                statementWeights.Add(StatementOverhead + pointsPerSeries);
            }
        }

        activity?.SetTag("db.query.text", string.Join("; ", statements));
        var started = Stopwatch.GetTimestamp();
        var results = await client.QueryAsync(statements, options.RequestsPerQuestion, statementWeights, cancellationToken).ConfigureAwait(false);
        QueryTelemetry.InfluxDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

        // Rows by (granularity, start of their granularity bucket): each missing piece takes the rows of its own start.
        var rows = new Dictionary<(long Granularity, long Start), List<BucketSum>>();

        // One string per connector name, however many rows name it, in what the cache keeps.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var statement = 0; statement < results.Count && statement < statementGranularity.Count; statement++)
        {
            var granularity = statementGranularity[statement];
            foreach (var series in results[statement].Series)
            {
                // Grouped statements carry the tags per series; raw ones per row, as columns.
                var columns = TagColumns.Of(series);
                var seriesTags = columns is null ? SumTags.Parse(series.Tag) : default;
                foreach (var row in series.Rows)
                {
                    var tags = columns is null ? seriesTags : SumTags.Parse(key => columns.Tag(row, key), names);
                    if (!tags.Valid)
                    {
                        continue;
                    }

                    // Without time grouping each statement stamps its rows with its own range start: the run's start instead.
                    var start = granularity == 0 ? statementRun[statement] : Floor(NanosecondsToTicks(row.Time), granularity);
                    if (!rows.TryGetValue((granularity, start), out var list))
                    {
                        rows[(granularity, start)] = list = [];
                    }

                    list.Add(tags.Sum(row.Values.Length > 0 ? row.Values[0] : 0));
                }
            }
        }

        foreach (var piece in missing)
        {
            // A partial piece's row is labelled with the start of its granularity bucket, which may precede the piece.
            var sums = rows.TryGetValue((piece.Granularity, piece.Granularity == 0 ? piece.From : Floor(piece.From, piece.Granularity)), out var list) ? list.ToArray() : [];
            Collect(collected, piece.Label, sums);
            if (piece.CacheKey is not null)
            {
                _cache!.Set(piece.CacheKey, sums, new MemoryCacheEntryOptions
                {
                    AbsoluteExpirationRelativeToNow = options.CacheTtl,
                    Size = sums.Length + 1,
                });
            }
        }
    }

    private static string GroupBy(long granularity, string tags)
    {
        if (granularity == 0)
        {
            return tags.Length > 0 ? " GROUP BY " + tags : string.Empty;
        }

        return " GROUP BY time(" + InfluxQl.Duration(TimeSpan.FromTicks(granularity)) + ")" + (tags.Length > 0 ? "," + tags : string.Empty) + " fill(none)";
    }

    private static void Collect(SortedDictionary<long, List<BucketSum>> collected, long label, BucketSum[] sums)
    {
        if (sums.Length == 0)
        {
            return;
        }

        if (!collected.TryGetValue(label, out var list))
        {
            collected[label] = list = [];
        }

        list.AddRange(sums);
    }

    private static long NanosecondsToTicks(long nanoseconds) => (nanoseconds / 100) + DateTimeOffset.UnixEpoch.UtcTicks;

    /// <summary>The tags a raw statement selected as columns, by name, with their value-column index (columns start with time).</summary>
    private sealed class TagColumns(Dictionary<string, int> indexes)
    {
        public static TagColumns? Of(InfluxSeries series) =>
            series.Columns.Contains(InfluxSchema.Tags.Direction)
                ? new TagColumns(series.Columns.Skip(1).Select((name, index) => (name, index)).ToDictionary(column => column.name, column => column.index, StringComparer.Ordinal))
                : null;

        public string Tag(InfluxRow row, string key) => indexes.TryGetValue(key, out var index) ? row.Text(index) : string.Empty;
    }

    /// <summary>The tags of a sum, parsed once per series (grouped statements) or per row (raw ones).</summary>
    private readonly record struct SumTags(bool Valid, Direction Direction, TlsVersion Tls, string Connector, ConnectorType Type, bool Forced, TransitAuth Auth, CipherClass Cipher)
    {
        public static SumTags Parse(Func<string, string> tag, Dictionary<string, string>? names = null)
        {
            if (!Directions.TryParseWire(tag(InfluxSchema.Tags.Direction), out var direction))
            {
                return default;
            }

            var connector = tag(InfluxSchema.Tags.Connector);
            if (names is not null)
            {
                connector = names.TryGetValue(connector, out var known) ? known : names[connector] = connector;
            }

            return new SumTags(
                true,
                direction,
                ParseTls(tag(InfluxSchema.Tags.Tls)),
                connector,
                ConnectorTypes.TryParseWire(tag(InfluxSchema.Tags.ConnectorType), out var type) ? type : ConnectorType.Internet,
                string.Equals(tag(InfluxSchema.Tags.ForcedTls), "true", StringComparison.OrdinalIgnoreCase),
                TransitSecurity.TryParseAuth(tag(InfluxSchema.Tags.Auth), out var auth) ? auth : TransitAuth.Unknown,
                TransitSecurity.TryParseCipherClass(tag(InfluxSchema.Tags.Cipher), out var cipher) ? cipher : CipherClass.Unknown);
        }

        public BucketSum Sum(long messages) => new(Direction, Tls, Connector, Type, Forced, messages, Auth, Cipher);
    }

    /// <summary>A span to read: its answer counts in bucket <see cref="Label"/>, cached under <see cref="CacheKey"/> when whole and closed.</summary>
    private readonly record struct Piece(long Label, long From, long To, long Granularity, string? CacheKey);

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
