using System.Runtime.InteropServices;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Aggregation;

/// <summary>One series of the transit-security measurement: no TLS version tag, so its series stay few.</summary>
public readonly record struct SecurityKey(Direction Direction, ConnectorInfo Connector, TransitAuth Auth, CipherClass Cipher, string Source);

/// <summary>Counts of one transit-security series over one bucket.</summary>
public readonly record struct SecurityPoint(DateTimeOffset Minute, SecurityKey Key, Counts Counts);

/// <summary>One peer with a transit-security concern (<see cref="SecurityConcern"/>).</summary>
public readonly record struct SecurityPeerKey(Direction Direction, ConnectorInfo Connector, SecurityConcern Concern, TransitAuth Auth, CipherClass Cipher, string Source, string Peer);

/// <summary>Counts of one security-peer series over one bucket.</summary>
public readonly record struct SecurityPeerPoint(DateTimeOffset Minute, SecurityPeerKey Key, Counts Counts);

/// <summary>Deliveries a TLS policy stopped, per recipient domain and reason.</summary>
public readonly record struct BlockedKey(ConnectorInfo Connector, BlockReason Reason, string Source, string Domain);

/// <summary>Counts of one blocked series over one bucket.</summary>
public readonly record struct BlockedPoint(DateTimeOffset Minute, BlockedKey Key, Counts Counts);

/// <summary>
/// The transit-security side of <see cref="MailFlowAggregator"/>: messages per auth level and cipher class, the peers
/// with a concern, and the deliveries blocked by a TLS policy. Kept apart so the TLS-version counting stays as it was.
/// </summary>
public sealed class TransitSecurityCounts
{
    private readonly Dictionary<(long Bucket, SecurityKey Key), Counts> _series = [];
    private readonly Dictionary<(long Bucket, SecurityPeerKey Key), Counts> _peers = [];
    private readonly Dictionary<SecurityPeerKey, PeerDetail> _peerDetails = [];
    private readonly Dictionary<(long Bucket, BlockedKey Key), Counts> _blocked = [];
    private readonly Dictionary<BlockedKey, PeerDetail> _blockedDetails = [];

    /// <summary>Deliveries blocked by a TLS policy (not messages: they are not counted as mail flow).</summary>
    public long BlockedDeliveries { get; private set; }

    public IReadOnlyDictionary<SecurityPeerKey, PeerDetail> PeerDetails => _peerDetails;

    public IReadOnlyDictionary<BlockedKey, PeerDetail> BlockedDetails => _blockedDetails;

    /// <summary>True for connectors whose peers are expected to present a verified certificate.</summary>
    public static bool ShouldVerify(ConnectorInfo connector) =>
        connector.ForcedTls || connector.Type is ConnectorType.Partner or ConnectorType.OnPremises;

    /// <summary>The concern a message raises, if any.</summary>
    public static SecurityConcern? ConcernOf(in MailRecord record, ConnectorInfo connector)
    {
        if (record.CipherClass == CipherClass.Weak)
        {
            return SecurityConcern.WeakCipher;
        }

        return record.Auth is TransitAuth.Untrusted or TransitAuth.Anonymous && ShouldVerify(connector)
            ? SecurityConcern.UnverifiedCertificate
            : null;
    }

    internal void Add(long bucket, in MailRecord record, ConnectorInfo connector, string source)
    {
        var key = new SecurityKey(record.Direction, connector, record.Auth, record.CipherClass, source);
        CollectionsMarshal.GetValueRefOrAddDefault(_series, (bucket, key), out _).Add(record.Recipients, record.Bytes);
        if (ConcernOf(record, connector) is { } concern)
        {
            var peerKey = new SecurityPeerKey(record.Direction, connector, concern, record.Auth, record.CipherClass, source, MailFlowAggregator.PeerName(record));
            CollectionsMarshal.GetValueRefOrAddDefault(_peers, (bucket, peerKey), out _).Add(record.Recipients, record.Bytes);
            Remember(_peerDetails, peerKey, record);
        }
    }

    internal void AddBlocked(long bucket, in MailRecord record, ConnectorInfo connector, string source)
    {
        BlockedDeliveries++;
        var domain = record.RecipientDomain ?? record.RemoteHost ?? record.RemoteIp ?? "unknown";
        var key = new BlockedKey(connector, record.Blocked, source, domain.ToLowerInvariant());
        CollectionsMarshal.GetValueRefOrAddDefault(_blocked, (bucket, key), out _).Add(record.Recipients, record.Bytes);
        Remember(_blockedDetails, key, record);
    }

    internal void Merge(TransitSecurityCounts other)
    {
        MergeCounts(_series, other._series);
        MergeCounts(_peers, other._peers);
        MergeCounts(_blocked, other._blocked);
        MergeDetails(_peerDetails, other._peerDetails);
        MergeDetails(_blockedDetails, other._blockedDetails);
        BlockedDeliveries += other.BlockedDeliveries;
    }

    internal IEnumerable<SecurityPoint> Series(Func<long, DateTimeOffset> toTime) =>
        _series.Select(pair => new SecurityPoint(toTime(pair.Key.Bucket), pair.Key.Key, pair.Value));

    internal IEnumerable<SecurityPeerPoint> Peers(Func<long, DateTimeOffset> toTime) =>
        _peers.Select(pair => new SecurityPeerPoint(toTime(pair.Key.Bucket), pair.Key.Key, pair.Value));

    internal IEnumerable<BlockedPoint> Blocked(Func<long, DateTimeOffset> toTime) =>
        _blocked.Select(pair => new BlockedPoint(toTime(pair.Key.Bucket), pair.Key.Key, pair.Value));

    private static void Remember<TKey>(Dictionary<TKey, PeerDetail> details, TKey key, in MailRecord record)
        where TKey : notnull
    {
        if (!details.TryGetValue(key, out var detail) || detail.LastSeen <= record.Timestamp)
        {
            details[key] = new PeerDetail(record.Timestamp, record.RemoteHost, record.RemoteIp);
        }
    }

    private static void MergeCounts<TKey>(Dictionary<TKey, Counts> mine, Dictionary<TKey, Counts> theirs)
        where TKey : notnull
    {
        foreach (var (key, counts) in theirs)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(mine, key, out _).Add(counts);
        }
    }

    private static void MergeDetails<TKey>(Dictionary<TKey, PeerDetail> mine, Dictionary<TKey, PeerDetail> theirs)
        where TKey : notnull
    {
        foreach (var (key, detail) in theirs)
        {
            if (!mine.TryGetValue(key, out var existing) || existing.LastSeen < detail.LastSeen)
            {
                mine[key] = detail;
            }
        }
    }
}
