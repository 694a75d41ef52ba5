using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Questions;

/// <summary>
/// The totals every question is computed from, over one range and one set of filters (the implementation is bound
/// to them). The terminal <c>report</c> implements it over its in-memory aggregate, the query engine over InfluxDB.
/// A bucket is either the whole range (<c>bucket</c> null: one row set labelled <see cref="From"/>) or an
/// epoch-aligned width (a UTC day for the per-day questions, any interval for time series); rows of one bucket
/// may repeat the same keys (pieces read separately): the questions add them up.
/// </summary>
public interface IMailFlowTotals
{
    /// <summary>Start of the range, inclusive.</summary>
    DateTimeOffset From { get; }

    /// <summary>End of the range, exclusive.</summary>
    DateTimeOffset To { get; }

    /// <summary>Messages per bucket, direction and TLS version.</summary>
    Task<IReadOnlyList<DirectionTotal>> DirectionTotalsAsync(TimeSpan? bucket, CancellationToken cancellationToken);

    /// <summary>Messages per bucket, direction, connector (name, type, Forced TLS) and TLS version.</summary>
    Task<IReadOnlyList<ConnectorTotal>> ConnectorTotalsAsync(TimeSpan? bucket, CancellationToken cancellationToken);

    /// <summary>Messages over the range per remote peer, direction, connector, TLS version and mail server (<c>source</c>).</summary>
    Task<IReadOnlyList<PeerTotal>> PeerTotalsAsync(CancellationToken cancellationToken);

    // ---- transit security (issue 13) ----

    /// <summary>
    /// Messages per bucket, direction, connector, auth level and cipher class: the same messages as
    /// <see cref="ConnectorTotalsAsync"/>, those whose auth and cipher are not recorded counted as <c>unknown</c>.
    /// </summary>
    Task<IReadOnlyList<SecurityTotal>> SecurityTotalsAsync(TimeSpan? bucket, CancellationToken cancellationToken);

    /// <summary>
    /// Messages per bucket, direction, auth level and cipher class over every connector: what the time series need.
    /// By default <see cref="SecurityTotalsAsync"/> summed; a store overrides it to read per direction only (a long
    /// series per connector is buckets times connectors of rows).
    /// </summary>
    async Task<IReadOnlyList<DirectionSecurityTotal>> DirectionSecurityTotalsAsync(TimeSpan? bucket, CancellationToken cancellationToken) =>
        (await SecurityTotalsAsync(bucket, cancellationToken).ConfigureAwait(false))
            .GroupBy(total => (total.Bucket, total.Direction, total.Auth, total.Cipher))
            .Select(group => new DirectionSecurityTotal(group.Key.Bucket, group.Key.Direction, group.Key.Auth, group.Key.Cipher, group.Sum(total => total.Messages)))
            .ToList();

    /// <summary>Outbound deliveries a TLS policy stopped, over the range, per recipient domain, reason, connector and mail server.</summary>
    Task<IReadOnlyList<BlockedTotal>> BlockedTotalsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Messages over the range with a transit-security concern (<see cref="SecurityConcern"/>), per peer, direction,
    /// connector, concern, auth level, cipher class and mail server.
    /// </summary>
    Task<IReadOnlyList<SecurityPeerTotal>> SecurityPeerTotalsAsync(CancellationToken cancellationToken);
}

/// <summary>Messages of one bucket, direction and TLS version.</summary>
/// <param name="Bucket">Start of the bucket (the range's start for whole-range totals).</param>
public readonly record struct DirectionTotal(DateTimeOffset Bucket, Direction Direction, TlsVersion Tls, long Messages, long Recipients = 0, long Bytes = 0);

/// <summary>Messages of one bucket, direction, connector and TLS version.</summary>
public readonly record struct ConnectorTotal(DateTimeOffset Bucket, Direction Direction, string Connector, ConnectorType Type, bool ForcedTls, TlsVersion Tls, long Messages, long Recipients = 0, long Bytes = 0);

/// <summary>One mail server's messages with one peer, direction, connector and TLS version over the range.</summary>
/// <param name="Source">The mail server that logged them ("" when unknown).</param>
/// <param name="LastSeen">Its latest such message; <paramref name="Host"/> and <paramref name="Ip"/> are that message's, when known.</param>
public readonly record struct PeerTotal(string Peer, Direction Direction, string Connector, TlsVersion Tls, string Source, long Messages, DateTimeOffset LastSeen, string? Host = null, string? Ip = null);

/// <summary>Messages of one bucket, direction and connector with one auth level and cipher class.</summary>
public readonly record struct SecurityTotal(DateTimeOffset Bucket, Direction Direction, string Connector, ConnectorType Type, bool ForcedTls, TransitAuth Auth, CipherClass Cipher, long Messages);

/// <summary>Messages of one bucket and direction with one auth level and cipher class, over every connector.</summary>
public readonly record struct DirectionSecurityTotal(DateTimeOffset Bucket, Direction Direction, TransitAuth Auth, CipherClass Cipher, long Messages);

/// <summary>Deliveries to one recipient domain that a TLS policy stopped for one reason, on one connector, logged by one mail server.</summary>
/// <param name="LastSeen">The latest such delivery; <paramref name="Host"/> and <paramref name="Ip"/> are its, when known.</param>
public readonly record struct BlockedTotal(string Domain, BlockReason Reason, string Connector, string Source, long Deliveries, DateTimeOffset LastSeen, string? Host = null, string? Ip = null);

/// <summary>One mail server's messages with one peer, direction and connector that raised one concern with one auth level and cipher class.</summary>
/// <param name="Source">The mail server that logged them ("" when unknown).</param>
/// <param name="LastSeen">Its latest such message; <paramref name="Host"/> and <paramref name="Ip"/> are that message's, when known.</param>
public readonly record struct SecurityPeerTotal(
    string Peer, Direction Direction, string Connector, ConnectorType ConnectorType, SecurityConcern Concern, TransitAuth Auth, CipherClass Cipher,
    string Source, long Messages, DateTimeOffset LastSeen, string? Host = null, string? Ip = null);
