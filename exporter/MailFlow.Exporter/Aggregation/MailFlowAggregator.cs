using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Aggregation;

/// <summary>
/// Counts messages per time bucket and series (direction, connector, TLS version, source), and per peer for
/// plaintext and legacy TLS. One instance per thread; combine with <see cref="Merge"/>.
/// </summary>
public sealed class MailFlowAggregator : IRecordSink
{
    private readonly IConnectorClassifier _classifier;
    private readonly long _bucketTicks;
    private readonly DateTimeOffset? _from;
    private readonly DateTimeOffset? _to;
    private readonly string? _sourceOverride;
    private readonly Dictionary<(long Bucket, SeriesKey Key), Counts> _series = [];
    private readonly Dictionary<(long Bucket, PeerKey Key), Counts> _peers = [];
    private readonly Dictionary<PeerKey, PeerDetail> _peerDetails = [];

    /// <param name="classifier">Decides each message's connector.</param>
    /// <param name="bucket">Bucket size: one minute for InfluxDB, one day for the report.</param>
    /// <param name="from">Messages before this time are left out (inclusive bound); null for no bound.</param>
    /// <param name="to">Messages at or after this time are left out (exclusive bound); null for no bound.</param>
    /// <param name="sourceOverride">The source tag to use instead of the log's host name; null to keep the log's.</param>
    public MailFlowAggregator(IConnectorClassifier classifier, TimeSpan bucket, DateTimeOffset? from = null, DateTimeOffset? to = null, string? sourceOverride = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucket, TimeSpan.Zero);
        _classifier = classifier;
        _bucketTicks = bucket.Ticks;
        _from = from;
        _to = to;
        _sourceOverride = sourceOverride;
    }

    /// <summary>Messages counted (inside the time bounds).</summary>
    public long Records { get; private set; }

    /// <summary>Messages left out by the time bounds.</summary>
    public long RecordsOutsideWindow { get; private set; }

    public DateTimeOffset? FirstTimestamp { get; private set; }

    public DateTimeOffset? LastTimestamp { get; private set; }

    public ProblemLog Problems { get; } = new();

    /// <summary>Every bucket's counts, per series; <see cref="SeriesPoint.Minute"/> is the bucket's start (UTC).</summary>
    public IEnumerable<SeriesPoint> Series => _series.Select(pair => new SeriesPoint(ToTime(pair.Key.Bucket), pair.Key.Key, pair.Value));

    /// <summary>Every bucket's counts per plaintext or legacy-TLS peer.</summary>
    public IEnumerable<PeerPoint> Peers => _peers.Select(pair => new PeerPoint(ToTime(pair.Key.Bucket), pair.Key.Key, pair.Value));

    /// <summary>The last host, IP and time seen for each peer series.</summary>
    public IReadOnlyDictionary<PeerKey, PeerDetail> PeerDetails => _peerDetails;

    /// <summary>Messages by auth level and cipher class, peers with a transit-security concern, blocked deliveries.</summary>
    public TransitSecurityCounts Security { get; } = new();

    /// <summary>Every bucket's counts per transit-security series.</summary>
    public IEnumerable<SecurityPoint> SecuritySeries => Security.Series(ToTime);

    /// <summary>Every bucket's counts of transit-security concerns per peer.</summary>
    public IEnumerable<SecurityPeerPoint> SecurityPeers => Security.Peers(ToTime);

    /// <summary>Every bucket's deliveries blocked by a TLS policy, per recipient domain and reason.</summary>
    public IEnumerable<BlockedPoint> Blocked => Security.Blocked(ToTime);

    public void OnRecord(in MailRecord record)
    {
        var time = record.Timestamp;
        if ((_from is { } from && time < from) || (_to is { } to && time >= to))
        {
            if (record.Blocked == BlockReason.None)
            {
                RecordsOutsideWindow++;
            }

            return;
        }

        if (record.Blocked != BlockReason.None)
        {
            // Not mail flow: a delivery a TLS policy stopped.
            Security.AddBlocked(time.UtcTicks / _bucketTicks, record, _classifier.Classify(record), _sourceOverride ?? record.SourceHost ?? string.Empty);
            return;
        }

        Records++;
        if (FirstTimestamp is null || time < FirstTimestamp)
        {
            FirstTimestamp = time;
        }

        if (LastTimestamp is null || time > LastTimestamp)
        {
            LastTimestamp = time;
        }

        var connector = _classifier.Classify(record);
        var source = _sourceOverride ?? record.SourceHost ?? string.Empty;
        var bucket = time.UtcTicks / _bucketTicks;
        var key = new SeriesKey(record.Direction, connector, record.Tls, source);
        ref var counts = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_series, (bucket, key), out _);
        counts.Add(record.Recipients, record.Bytes);
        Security.Add(bucket, record, connector, source);

        if (record.Tls.IsLegacyOrPlaintext())
        {
            var peer = PeerName(record);
            var peerKey = new PeerKey(record.Direction, connector, record.Tls, source, peer);
            ref var peerCounts = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_peers, (bucket, peerKey), out _);
            peerCounts.Add(record.Recipients, record.Bytes);
            if (!_peerDetails.TryGetValue(peerKey, out var detail) || detail.LastSeen <= time)
            {
                _peerDetails[peerKey] = new PeerDetail(time, record.RemoteHost, record.RemoteIp);
            }
        }
    }

    public void OnProblem(in ParseProblem problem) => Problems.Add(problem);

    /// <summary>Adds another aggregator's counts (same bucket size) to this one.</summary>
    public void Merge(MailFlowAggregator other)
    {
        if (other._bucketTicks != _bucketTicks)
        {
            throw new ArgumentException("bucket sizes differ", nameof(other));
        }

        foreach (var (key, counts) in other._series)
        {
            ref var mine = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_series, key, out _);
            mine.Add(counts);
        }

        foreach (var (key, counts) in other._peers)
        {
            ref var mine = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_peers, key, out _);
            mine.Add(counts);
        }

        foreach (var (key, detail) in other._peerDetails)
        {
            if (!_peerDetails.TryGetValue(key, out var mine) || mine.LastSeen < detail.LastSeen)
            {
                _peerDetails[key] = detail;
            }
        }

        Security.Merge(other.Security);
        Records += other.Records;
        RecordsOutsideWindow += other.RecordsOutsideWindow;
        if (other.FirstTimestamp is { } first && (FirstTimestamp is null || first < FirstTimestamp))
        {
            FirstTimestamp = first;
        }

        if (other.LastTimestamp is { } last && (LastTimestamp is null || last > LastTimestamp))
        {
            LastTimestamp = last;
        }

        Problems.Merge(other.Problems);
    }

    /// <summary>
    /// Who to contact about a legacy-TLS message: the partner's domain (sender's for inbound, recipient's for
    /// outbound) when logged, else the remote host, else its IP.
    /// </summary>
    public static string PeerName(in MailRecord record)
    {
        var domain = record.Direction == Direction.Outbound ? record.RecipientDomain : record.SenderDomain;
        if (record.Direction == Direction.Submission)
        {
            domain = null;
        }

        return NonEmpty(domain) ?? NonEmpty(record.RemoteHost) ?? NonEmpty(record.RemoteIp) ?? "unknown";
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.ToLowerInvariant();

    private DateTimeOffset ToTime(long bucket) => new(bucket * _bucketTicks, TimeSpan.Zero);
}

/// <summary>The last time a legacy peer was seen, and from which host and IP.</summary>
public readonly record struct PeerDetail(DateTimeOffset LastSeen, string? Host, string? Ip);
