using System.Diagnostics;
using MailFlow.Backend.Influx;
using MailFlow.Contracts.Schema;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;

namespace MailFlow.Backend.Query;

public sealed partial class MailFlowQueryEngine
{
    /// <summary>
    /// The totals of one question read from InfluxDB (<see cref="BucketedSums"/>: rollup tiers and the cache of
    /// closed buckets); the questions themselves are <see cref="MailFlowQuestions"/>'s, shared with the terminal report.
    /// </summary>
    private sealed class InfluxTotals(MailFlowQueryEngine engine, Activity? activity, QueryFilter filter) : IMailFlowTotals
    {
        public DateTimeOffset From => filter.From;

        public DateTimeOffset To => filter.To;

        public async Task<IReadOnlyList<DirectionTotal>> DirectionTotalsAsync(TimeSpan? bucket, CancellationToken cancellationToken)
        {
            var totals = new List<DirectionTotal>();
            foreach (var (time, sums) in await ReadAsync(ByDirectionAndTls(filter), bucket, cancellationToken).ConfigureAwait(false))
            {
                totals.AddRange(sums.Select(sum => new DirectionTotal(time, sum.Direction, sum.Tls, sum.Messages)));
            }

            return totals;
        }

        public async Task<IReadOnlyList<ConnectorTotal>> ConnectorTotalsAsync(TimeSpan? bucket, CancellationToken cancellationToken)
        {
            var read = new ReadShape(InfluxSchema.MessagesMeasurement, InfluxSchema.MessagesMeasurement, WhereTags(filter, applyTls: false), ConnectorTags);
            var totals = new List<ConnectorTotal>();
            foreach (var (time, sums) in await ReadAsync(read, bucket, cancellationToken).ConfigureAwait(false))
            {
                totals.AddRange(sums.Select(sum => new ConnectorTotal(time, sum.Direction, sum.Connector, sum.Type, sum.Forced, sum.Tls, sum.Messages)));
            }

            return totals;
        }

        /// <summary>
        /// Sums per bucket start; whole-range totals (<paramref name="bucket"/> null) are read as the engine's
        /// <see cref="TotalsBucket"/> says and all labelled with the range's start.
        /// </summary>
        private async Task<IEnumerable<(DateTimeOffset Time, BucketSum[] Sums)>> ReadAsync(ReadShape read, TimeSpan? bucket, CancellationToken cancellationToken)
        {
            var buckets = await engine._sums.ReadAsync(activity, read, bucket ?? engine.TotalsBucket(filter), filter.From, filter.To, cancellationToken).ConfigureAwait(false);
            return buckets.Select(pair => (bucket is null ? filter.From : FromNanoseconds(pair.Key), pair.Value));
        }

        public async Task<IReadOnlyList<PeerTotal>> PeerTotalsAsync(CancellationToken cancellationToken)
        {
            // Grouped by source too, to name the mail servers; the questions merge each server's series into one row.
            var groupBy = string.Join(',', new[] { InfluxSchema.Tags.Peer, InfluxSchema.Tags.Direction, InfluxSchema.Tags.Connector, InfluxSchema.Tags.Tls, InfluxSchema.Tags.Source }.Select(InfluxQl.QuoteIdentifier));
            var tags = WhereTags(filter, applyTls: true);

            // SUM and MAX are both aggregates, so one statement per span gives the count and the newest minute.
            var spans = RollupSpans.Plan(InfluxSchema.PeersMeasurement, filter.From.UtcTicks, filter.To.UtcTicks, 0, engine._options.UseRollups);
            var statements = spans.Select(span =>
                $"SELECT {SumMessages}, MAX({Tag(InfluxSchema.Fields.LastSeen)}) AS {Tag(InfluxSchema.Fields.LastSeen)} FROM {Tag(span.Measurement)} " +
                $"WHERE time >= {InfluxQl.Time(new DateTimeOffset(span.From, TimeSpan.Zero))} AND time < {InfluxQl.Time(new DateTimeOffset(span.To, TimeSpan.Zero))}{tags} GROUP BY {groupBy}").ToList();
            var result = await engine.ExecuteAsync(activity, statements, cancellationToken).ConfigureAwait(false);
            var totals = new List<PeerTotal>();
            var lastSeenMissing = false;
            foreach (var series in result.SelectMany(statement => statement.Series))
            {
                if (!TryDirection(series, out var direction) || series.Rows.Count == 0)
                {
                    continue;
                }

                var row = series.Rows[0];
                var lastSeconds = row.Values.Length > 1 ? row.Values[1] : 0;
                lastSeenMissing |= lastSeconds == 0;
                totals.Add(PeerOf(series, direction, First(row), DateTimeOffset.UnixEpoch.AddSeconds(lastSeconds)));
            }

            if (lastSeenMissing)
            {
                // Minute points written without last_seen (by another tool): the time of the newest point instead,
                // as a row of no messages that only moves the last sighting of a peer already counted.
                var field = InfluxQl.QuoteIdentifier(InfluxSchema.Fields.Messages);
                var counted = totals.Select(t => (t.Peer, t.Direction, t.Connector, t.Tls, t.Source)).ToHashSet();
                var last = await engine.ExecuteAsync(activity, $"SELECT LAST({field}) AS {field} FROM {Peers} WHERE {Where(filter, applyTls: true)} GROUP BY {groupBy}", cancellationToken).ConfigureAwait(false);
                foreach (var series in last[0].Series)
                {
                    if (TryDirection(series, out var direction) && series.Rows.Count > 0
                        && PeerOf(series, direction, 0, FromNanoseconds(series.Rows[0].Time)) is var sighting
                        && counted.Contains((sighting.Peer, sighting.Direction, sighting.Connector, sighting.Tls, sighting.Source)))
                    {
                        totals.Add(sighting);
                    }
                }
            }

            return totals;
        }

        /// <summary>
        /// Reads <c>mailflow_security</c> (and its tiers, through <see cref="BucketedSums"/> and its cache) per bucket,
        /// direction, connector, auth and cipher; minutes written before the measurement existed have no points
        /// there, so per bucket and connector the difference to <c>mailflow_messages</c> counts as auth and cipher
        /// <c>unknown</c> (docs/influxdb-export.md).
        /// </summary>
        public async Task<IReadOnlyList<SecurityTotal>> SecurityTotalsAsync(TimeSpan? bucket, CancellationToken cancellationToken)
        {
            // Both reads at once; the second without the span, which one read at a time describes.
            var messagesRead = Untraced.ConnectorTotalsAsync(bucket, cancellationToken);
            var totals = new List<SecurityTotal>();
            var recorded = new Dictionary<(DateTimeOffset, Direction, string, ConnectorType, bool), long>();
            foreach (var (time, sums) in await ReadAsync(Security(SecurityConnectorTags), bucket, cancellationToken).ConfigureAwait(false))
            {
                foreach (var sum in sums)
                {
                    totals.Add(new SecurityTotal(time, sum.Direction, sum.Connector, sum.Type, sum.Forced, sum.Auth, sum.Cipher, sum.Messages));
                    var key = (time, sum.Direction, sum.Connector, sum.Type, sum.Forced);
                    recorded[key] = recorded.GetValueOrDefault(key) + sum.Messages;
                }
            }

            foreach (var total in await messagesRead.ConfigureAwait(false))
            {
                var key = (total.Bucket, total.Direction, total.Connector, total.Type, total.ForcedTls);
                var covered = Math.Min(recorded.GetValueOrDefault(key), total.Messages);
                recorded[key] = recorded.GetValueOrDefault(key) - covered;
                if (total.Messages > covered)
                {
                    totals.Add(new SecurityTotal(total.Bucket, total.Direction, total.Connector, total.Type, total.ForcedTls, TransitAuth.Unknown, CipherClass.Unknown, total.Messages - covered));
                }
            }

            return totals;
        }

        /// <summary>
        /// As <see cref="SecurityTotalsAsync"/> summed over connectors, but read per direction only (from the narrow
        /// <c>mailflow_security_narrow</c> when no connector is named): the unknown rest is then taken per bucket and
        /// direction (from the narrow <c>mailflow_tls</c>), which equals the sum
        /// per connector as long as no connector has more security points than messages (the exporter writes both
        /// from the same records).
        /// </summary>
        public async Task<IReadOnlyList<DirectionSecurityTotal>> DirectionSecurityTotalsAsync(TimeSpan? bucket, CancellationToken cancellationToken)
        {
            var messagesRead = Untraced.DirectionTotalsAsync(bucket, cancellationToken);
            var totals = new List<DirectionSecurityTotal>();
            var recorded = new Dictionary<(DateTimeOffset, Direction), long>();
            // Without connector names, whole blocks and minutes come from the narrow measurement (a few series per
            // direction instead of one per connector), as the TLS time series read mailflow_tls.
            var read = new ReadShape(
                InfluxSchema.SecurityMeasurement,
                filter.Connectors.Count == 0 ? InfluxSchema.SecurityNarrowMeasurement : InfluxSchema.SecurityMeasurement,
                WhereTags(filter, applyTls: false),
                DirectionAuthCipherTags);
            foreach (var (time, sums) in await ReadAsync(read, bucket, cancellationToken).ConfigureAwait(false))
            {
                foreach (var sum in sums)
                {
                    totals.Add(new DirectionSecurityTotal(time, sum.Direction, sum.Auth, sum.Cipher, sum.Messages));
                    recorded[(time, sum.Direction)] = recorded.GetValueOrDefault((time, sum.Direction)) + sum.Messages;
                }
            }

            var messages = new Dictionary<(DateTimeOffset, Direction), long>();
            foreach (var total in await messagesRead.ConfigureAwait(false))
            {
                messages[(total.Bucket, total.Direction)] = messages.GetValueOrDefault((total.Bucket, total.Direction)) + total.Messages;
            }

            foreach (var ((time, direction), count) in messages)
            {
                var unknown = count - Math.Min(recorded.GetValueOrDefault((time, direction)), count);
                if (unknown > 0)
                {
                    totals.Add(new DirectionSecurityTotal(time, direction, TransitAuth.Unknown, CipherClass.Unknown, unknown));
                }
            }

            return totals;
        }

        /// <summary>The same totals without the question's span (an <see cref="Activity"/> is not written from two reads at once).</summary>
        private InfluxTotals Untraced => new(engine, null, filter);

        private ReadShape Security(string groupByTags) =>
            new(InfluxSchema.SecurityMeasurement, InfluxSchema.SecurityMeasurement, WhereTags(filter, applyTls: false), groupByTags);

        public async Task<IReadOnlyList<BlockedTotal>> BlockedTotalsAsync(CancellationToken cancellationToken)
        {
            var groupBy = string.Join(',', new[] { InfluxSchema.Tags.RecipientDomain, InfluxSchema.Tags.Reason, InfluxSchema.Tags.Connector, InfluxSchema.Tags.Source }.Select(InfluxQl.QuoteIdentifier));
            var tags = WhereTags(filter, applyTls: false);
            var spans = RollupSpans.Plan(InfluxSchema.BlockedMeasurement, filter.From.UtcTicks, filter.To.UtcTicks, 0, engine._options.UseRollups);
            var statements = spans.Select(span =>
                $"SELECT {SumMessages}, MAX({Tag(InfluxSchema.Fields.LastSeen)}) AS {Tag(InfluxSchema.Fields.LastSeen)} FROM {Tag(span.Measurement)} " +
                $"WHERE time >= {InfluxQl.Time(new DateTimeOffset(span.From, TimeSpan.Zero))} AND time < {InfluxQl.Time(new DateTimeOffset(span.To, TimeSpan.Zero))}{tags} GROUP BY {groupBy}").ToList();
            var result = await engine.ExecuteAsync(activity, statements, cancellationToken).ConfigureAwait(false);
            var totals = new List<BlockedTotal>();
            foreach (var series in result.SelectMany(statement => statement.Series))
            {
                if (series.Rows.Count == 0 || !BlockReasons.TryParseWire(series.Tag(InfluxSchema.Tags.Reason), out var reason))
                {
                    continue;
                }

                var row = series.Rows[0];
                var lastSeconds = row.Values.Length > 1 ? row.Values[1] : 0;
                totals.Add(new BlockedTotal(
                    series.Tag(InfluxSchema.Tags.RecipientDomain), reason, series.Tag(InfluxSchema.Tags.Connector), series.Tag(InfluxSchema.Tags.Source),
                    First(row), lastSeconds > 0 ? DateTimeOffset.UnixEpoch.AddSeconds(lastSeconds) : filter.From));
            }

            return totals;
        }

        /// <summary>Reads <c>mailflow_security_peers</c> (and its tiers) per peer, direction, connector, concern, auth, cipher and source, as <see cref="BlockedTotalsAsync"/>.</summary>
        public async Task<IReadOnlyList<SecurityPeerTotal>> SecurityPeerTotalsAsync(CancellationToken cancellationToken)
        {
            var groupBy = string.Join(',', new[] { InfluxSchema.Tags.Peer, InfluxSchema.Tags.Direction, InfluxSchema.Tags.Connector, InfluxSchema.Tags.ConnectorType, InfluxSchema.Tags.Concern, InfluxSchema.Tags.Auth, InfluxSchema.Tags.Cipher, InfluxSchema.Tags.Source }.Select(InfluxQl.QuoteIdentifier));
            var tags = WhereTags(filter, applyTls: false);
            var spans = RollupSpans.Plan(InfluxSchema.SecurityPeersMeasurement, filter.From.UtcTicks, filter.To.UtcTicks, 0, engine._options.UseRollups);
            var statements = spans.Select(span =>
                $"SELECT {SumMessages}, MAX({Tag(InfluxSchema.Fields.LastSeen)}) AS {Tag(InfluxSchema.Fields.LastSeen)} FROM {Tag(span.Measurement)} " +
                $"WHERE time >= {InfluxQl.Time(new DateTimeOffset(span.From, TimeSpan.Zero))} AND time < {InfluxQl.Time(new DateTimeOffset(span.To, TimeSpan.Zero))}{tags} GROUP BY {groupBy}").ToList();
            var result = await engine.ExecuteAsync(activity, statements, cancellationToken).ConfigureAwait(false);
            var totals = new List<SecurityPeerTotal>();
            foreach (var series in result.SelectMany(statement => statement.Series))
            {
                if (series.Rows.Count == 0 || !TryDirection(series, out var direction) || !SecurityConcerns.TryParseWire(series.Tag(InfluxSchema.Tags.Concern), out var concern))
                {
                    continue;
                }

                var type = ConnectorTypes.TryParseWire(series.Tag(InfluxSchema.Tags.ConnectorType), out var parsedType) ? parsedType : ConnectorType.Internet;
                var auth = TransitSecurity.TryParseAuth(series.Tag(InfluxSchema.Tags.Auth), out var parsedAuth) ? parsedAuth : TransitAuth.Unknown;
                var cipher = TransitSecurity.TryParseCipherClass(series.Tag(InfluxSchema.Tags.Cipher), out var parsedCipher) ? parsedCipher : CipherClass.Unknown;
                var row = series.Rows[0];
                var lastSeconds = row.Values.Length > 1 ? row.Values[1] : 0;
                totals.Add(new SecurityPeerTotal(
                    series.Tag(InfluxSchema.Tags.Peer), direction, series.Tag(InfluxSchema.Tags.Connector), type, concern, auth, cipher, series.Tag(InfluxSchema.Tags.Source),
                    First(row), lastSeconds > 0 ? DateTimeOffset.UnixEpoch.AddSeconds(lastSeconds) : filter.From));
            }

            return totals;
        }

        private static PeerTotal PeerOf(InfluxSeries series, Direction direction, long messages, DateTimeOffset lastSeen) => new(
            series.Tag(InfluxSchema.Tags.Peer),
            direction,
            series.Tag(InfluxSchema.Tags.Connector),
            ParseTls(series.Tag(InfluxSchema.Tags.Tls)),
            series.Tag(InfluxSchema.Tags.Source),
            messages,
            lastSeen);
    }
}
