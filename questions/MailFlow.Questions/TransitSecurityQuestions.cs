using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Questions;

/// <summary>
/// The transit-security questions (issue 13), written once over <see cref="IMailFlowTotals"/> like
/// <see cref="MailFlowQuestions"/>: how the other server was authenticated and how strong the cipher was, the
/// deliveries a TLS policy blocked, and the recipient domains that took plaintext.
/// </summary>
public static class TransitSecurityQuestions
{
    /// <summary>Per direction and per connector over the range: messages by auth level and by cipher class.</summary>
    public static async Task<TransitSecurityAnswer> BreakdownAsync(IMailFlowTotals totals, CancellationToken cancellationToken = default)
    {
        var directions = Directions.All.ToDictionary(d => d, _ => new SecurityCounts());
        var connectors = new Dictionary<(Direction Direction, string Connector, ConnectorType Type), (bool Forced, SecurityCounts Counts)>();
        foreach (var total in await totals.SecurityTotalsAsync(null, cancellationToken).ConfigureAwait(false))
        {
            directions[total.Direction].Add(total.Auth, total.Cipher, total.Messages);
            var key = (total.Direction, total.Connector, total.Type);
            var (forced, counts) = connectors.TryGetValue(key, out var found) ? found : (false, new SecurityCounts());
            counts.Add(total.Auth, total.Cipher, total.Messages);
            connectors[key] = (forced || total.ForcedTls, counts);
        }

        var rows = connectors
            .Where(c => c.Value.Counts.Messages > 0)
            .Select(c => new ConnectorSecurity(c.Key.Direction, c.Key.Connector, c.Key.Type, c.Value.Forced, c.Value.Counts))
            .OrderBy(r => r.Direction)
            .ThenBy(r => r.ConnectorType is ConnectorType.Internet or ConnectorType.Submission ? 1 : 0)
            .ThenByDescending(r => r.Messages.Messages)
            .ThenBy(r => r.Connector, StringComparer.Ordinal)
            .ThenBy(r => r.ConnectorType)
            .ToList();
        return new TransitSecurityAnswer(Directions.All.Select(d => new DirectionSecurity(d, directions[d])).ToList(), rows);
    }

    /// <summary>
    /// Per direction over the range: messages by auth level and by cipher class, as <see cref="BreakdownAsync"/>'s
    /// directions but read per direction only (a store need not list every connector for it).
    /// </summary>
    public static async Task<IReadOnlyList<DirectionSecurity>> DirectionsAsync(IMailFlowTotals totals, CancellationToken cancellationToken = default)
    {
        var directions = Directions.All.ToDictionary(d => d, _ => new SecurityCounts());
        foreach (var total in await totals.DirectionSecurityTotalsAsync(null, cancellationToken).ConfigureAwait(false))
        {
            directions[total.Direction].Add(total.Auth, total.Cipher, total.Messages);
        }

        return Directions.All.Select(d => new DirectionSecurity(d, directions[d])).ToList();
    }

    /// <summary>
    /// Messages and share per direction and auth level (or cipher class) per epoch-aligned bucket of
    /// <paramref name="interval"/>: every bucket of the range, 0 where a series has none; shares are relative to
    /// all messages of the direction in the bucket.
    /// </summary>
    public static async Task<SecurityTimeSeries> TimeSeriesAsync(IMailFlowTotals totals, TimeSpan interval, SecurityDimension dimension, CancellationToken cancellationToken = default)
    {
        var denominators = new Dictionary<(Direction, long), long>();
        var perSeries = new SortedDictionary<(Direction Direction, int Order), Dictionary<long, long>>();
        foreach (var total in await totals.DirectionSecurityTotalsAsync(interval, cancellationToken).ConfigureAwait(false))
        {
            var time = total.Bucket.UtcTicks;
            denominators[(total.Direction, time)] = denominators.GetValueOrDefault((total.Direction, time)) + total.Messages;
            var order = dimension == SecurityDimension.Auth ? IndexOf(TransitSecurity.AuthLevels, total.Auth) : IndexOf(TransitSecurity.CipherClasses, total.Cipher);
            if (!perSeries.TryGetValue((total.Direction, order), out var points))
            {
                perSeries[(total.Direction, order)] = points = [];
            }

            points[time] = points.GetValueOrDefault(time) + total.Messages;
        }

        var bucketTimes = new List<long>();
        for (var start = MailFlowQuestions.Floor(totals.From.UtcTicks, interval.Ticks); start < totals.To.UtcTicks; start += interval.Ticks)
        {
            bucketTimes.Add(start);
        }

        var series = perSeries
            .Where(pair => pair.Value.Values.Any(m => m > 0))
            .Select(pair => new SecuritySeries(
                pair.Key.Direction,
                dimension == SecurityDimension.Auth ? TransitSecurity.AuthLevels[pair.Key.Order].ToWire() : TransitSecurity.CipherClasses[pair.Key.Order].ToWire(),
                bucketTimes.Select(time =>
                {
                    var messages = pair.Value.GetValueOrDefault(time);
                    var denominator = denominators.GetValueOrDefault((pair.Key.Direction, time));
                    return new TlsPoint(new DateTimeOffset(time, TimeSpan.Zero), messages, denominator == 0 ? 0 : 100.0 * messages / denominator);
                }).ToList()))
            .ToList();
        return new SecurityTimeSeries(interval, dimension, series);
    }

    /// <summary>
    /// Microsoft's "Messages blocked" table: deliveries a TLS policy stopped per recipient domain, reason and
    /// connector, whichever mail servers logged them; busiest first (then domain, reason, connector), cut to
    /// <paramref name="limit"/> after merging.
    /// </summary>
    public static async Task<IReadOnlyList<BlockedDomain>> BlockedAsync(IMailFlowTotals totals, int limit, CancellationToken cancellationToken = default)
    {
        var merged = new Dictionary<(string Domain, BlockReason Reason, string Connector), (long Deliveries, BlockedTotal Latest, SortedSet<string> Sources)>();
        foreach (var total in await totals.BlockedTotalsAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = (total.Domain, total.Reason, total.Connector);
            var found = merged.TryGetValue(key, out var existing) ? existing : (0, total, new SortedSet<string>(StringComparer.Ordinal));
            if (total.Source.Length > 0)
            {
                found.Item3.Add(total.Source);
            }

            merged[key] = (found.Item1 + total.Deliveries, total.LastSeen > found.Item2.LastSeen ? total : found.Item2, found.Item3);
        }

        return merged
            .Where(b => b.Value.Deliveries > 0)
            .OrderByDescending(b => b.Value.Deliveries)
            .ThenBy(b => b.Key.Domain, StringComparer.Ordinal)
            .ThenBy(b => b.Key.Reason)
            .ThenBy(b => b.Key.Connector, StringComparer.Ordinal)
            .Take(Math.Max(0, limit))
            .Select(b => new BlockedDomain(b.Key.Domain, b.Key.Reason, b.Key.Connector, b.Value.Deliveries, ToMinute(b.Value.Latest.LastSeen), [.. b.Value.Sources], b.Value.Latest.Host, b.Value.Latest.Ip))
            .ToList();
    }

    /// <summary>
    /// The peers to contact: messages with an unverified certificate on a connector that should verify, or with a
    /// weak cipher, per peer, direction, connector, concern, auth level and cipher class, whichever mail servers
    /// logged them; weak ciphers first, then busiest, then by peer, direction and connector, cut to
    /// <paramref name="limit"/> after merging.
    /// </summary>
    public static async Task<IReadOnlyList<SecurityPeer>> SecurityPeersAsync(IMailFlowTotals totals, int limit, CancellationToken cancellationToken = default)
    {
        var merged = new Dictionary<(string Peer, Direction Direction, string Connector, ConnectorType Type, SecurityConcern Concern, TransitAuth Auth, CipherClass Cipher), (long Messages, SecurityPeerTotal Latest, SortedSet<string> Sources)>();
        foreach (var total in await totals.SecurityPeerTotalsAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = (total.Peer, total.Direction, total.Connector, total.ConnectorType, total.Concern, total.Auth, total.Cipher);
            var found = merged.TryGetValue(key, out var existing) ? existing : (0, total, new SortedSet<string>(StringComparer.Ordinal));
            if (total.Source.Length > 0)
            {
                found.Item3.Add(total.Source);
            }

            merged[key] = (found.Item1 + total.Messages, total.LastSeen > found.Item2.LastSeen ? total : found.Item2, found.Item3);
        }

        return merged
            .Where(p => p.Value.Messages > 0)
            .OrderBy(p => p.Key.Concern == SecurityConcern.WeakCipher ? 0 : 1)
            .ThenByDescending(p => p.Value.Messages)
            .ThenBy(p => p.Key.Peer, StringComparer.Ordinal)
            .ThenBy(p => p.Key.Direction)
            .ThenBy(p => p.Key.Connector, StringComparer.Ordinal)
            .ThenBy(p => p.Key.Type)
            .ThenBy(p => p.Key.Auth)
            .ThenBy(p => p.Key.Cipher)
            .Take(Math.Max(0, limit))
            .Select(p => new SecurityPeer(
                p.Key.Peer, p.Key.Direction, p.Key.Connector, p.Key.Type, p.Key.Concern, p.Key.Auth, p.Key.Cipher,
                p.Value.Messages, ToMinute(p.Value.Latest.LastSeen), [.. p.Value.Sources], p.Value.Latest.Host, p.Value.Latest.Ip))
            .ToList();
    }

    /// <summary>
    /// Microsoft's "Recipient domains not supporting TLS": outbound messages delivered in plaintext per recipient
    /// domain (the peer of an outbound message), whatever the connector and mail server; busiest first, then by
    /// domain, cut to <paramref name="limit"/>.
    /// </summary>
    public static async Task<IReadOnlyList<PlaintextDomain>> PlaintextDomainsAsync(IMailFlowTotals totals, int limit, CancellationToken cancellationToken = default)
    {
        var merged = new Dictionary<string, (long Messages, PeerTotal Latest, SortedSet<string> Sources)>(StringComparer.Ordinal);
        foreach (var total in await totals.PeerTotalsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (total.Direction != Direction.Outbound || total.Tls != TlsVersion.None)
            {
                continue;
            }

            var found = merged.TryGetValue(total.Peer, out var existing) ? existing : (0, total, new SortedSet<string>(StringComparer.Ordinal));
            if (total.Source.Length > 0)
            {
                found.Item3.Add(total.Source);
            }

            merged[total.Peer] = (found.Item1 + total.Messages, total.LastSeen > found.Item2.LastSeen ? total : found.Item2, found.Item3);
        }

        return merged
            .Where(d => d.Value.Messages > 0)
            .OrderByDescending(d => d.Value.Messages)
            .ThenBy(d => d.Key, StringComparer.Ordinal)
            .Take(Math.Max(0, limit))
            .Select(d => new PlaintextDomain(d.Key, d.Value.Messages, ToMinute(d.Value.Latest.LastSeen), [.. d.Value.Sources], d.Value.Latest.Host, d.Value.Latest.Ip))
            .ToList();
    }

    /// <summary>The active transit-security insights over the range (<see cref="SecurityInsightRules.Evaluate"/>).</summary>
    public static async Task<IReadOnlyList<SecurityInsight>> InsightsAsync(IMailFlowTotals totals, CancellationToken cancellationToken = default) =>
        SecurityInsightRules.Evaluate((await BreakdownAsync(totals, cancellationToken).ConfigureAwait(false)).Connectors);

    private static int IndexOf<T>(IReadOnlyList<T> list, T value)
        where T : struct, Enum
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (EqualityComparer<T>.Default.Equals(list[i], value))
            {
                return i;
            }
        }

        return list.Count - 1;
    }

    /// <summary>Last sightings to the minute, as <see cref="MailFlowQuestions.LegacyPeersAsync"/> (the store's resolution).</summary>
    private static DateTimeOffset ToMinute(DateTimeOffset instant) => new(MailFlowQuestions.Floor(instant.UtcTicks, TimeSpan.TicksPerMinute), TimeSpan.Zero);
}
