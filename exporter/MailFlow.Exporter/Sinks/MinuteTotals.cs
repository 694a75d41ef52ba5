using MailFlow.Exporter.Aggregation;

namespace MailFlow.Exporter.Sinks;

/// <summary>
/// Complete per-minute totals, summed over every input that contributed, with the minutes changed since the
/// last <see cref="TakeDirty"/>. Because InfluxDB keeps the last point written for a series and timestamp,
/// writing these totals again is harmless, and writing them is the only way to write: never increments.
/// </summary>
public sealed class MinuteTotals
{
    private readonly SortedDictionary<DateTimeOffset, Minute> _minutes = [];
    private readonly HashSet<DateTimeOffset> _dirty = [];

    /// <summary>Minutes held.</summary>
    public int MinuteCount => _minutes.Count;

    /// <summary>Points (series and peers) held.</summary>
    public int PointCount { get; private set; }

    /// <summary>Adds a point's counts to its minute and series.</summary>
    public void Add(in SeriesPoint point)
    {
        var minute = GetMinute(point.Minute);
        if (minute.Series.TryGetValue(point.Key, out var counts))
        {
            counts.Add(point.Counts);
            minute.Series[point.Key] = counts;
        }
        else
        {
            minute.Series[point.Key] = point.Counts;
            PointCount++;
        }
    }

    /// <summary>Adds a peer point's counts to its minute and series.</summary>
    public void Add(in PeerPoint point)
    {
        var minute = GetMinute(point.Minute);
        if (minute.Peers.TryGetValue(point.Key, out var counts))
        {
            counts.Add(point.Counts);
            minute.Peers[point.Key] = counts;
        }
        else
        {
            minute.Peers[point.Key] = point.Counts;
            PointCount++;
        }
    }

    /// <summary>Adds a transit-security point's counts to its minute and series.</summary>
    public void Add(in SecurityPoint point) => AddTo(GetMinute(point.Minute).Security, point.Key, point.Counts);

    /// <summary>Adds a blocked point's counts to its minute and series.</summary>
    public void Add(in BlockedPoint point) => AddTo(GetMinute(point.Minute).Blocked, point.Key, point.Counts);

    /// <summary>Adds a security-peer point's counts to its minute and series.</summary>
    public void Add(in SecurityPeerPoint point) => AddTo(GetMinute(point.Minute).SecurityPeers, point.Key, point.Counts);

    /// <summary>Adds everything an aggregator holds.</summary>
    public void AddAll(IPointAggregator aggregator)
    {
        foreach (var point in aggregator.Series)
        {
            Add(point);
        }

        foreach (var point in aggregator.Peers)
        {
            Add(point);
        }

        foreach (var point in aggregator.Security)
        {
            Add(point);
        }

        foreach (var point in aggregator.Blocked)
        {
            Add(point);
        }

        foreach (var point in aggregator.SecurityPeers)
        {
            Add(point);
        }
    }

    /// <summary>The minutes held, in order.</summary>
    public IEnumerable<DateTimeOffset> Minutes => _minutes.Keys;

    /// <summary>Every series point, by minute.</summary>
    public IEnumerable<SeriesPoint> Series => _minutes.SelectMany(m => m.Value.Series.Select(s => new SeriesPoint(m.Key, s.Key, s.Value)));

    /// <summary>Every peer point, by minute.</summary>
    public IEnumerable<PeerPoint> Peers => _minutes.SelectMany(m => m.Value.Peers.Select(s => new PeerPoint(m.Key, s.Key, s.Value)));

    /// <summary>Every transit-security point, by minute.</summary>
    public IEnumerable<SecurityPoint> Security => _minutes.SelectMany(m => m.Value.Security.Select(s => new SecurityPoint(m.Key, s.Key, s.Value)));

    /// <summary>Every blocked point, by minute.</summary>
    public IEnumerable<BlockedPoint> Blocked => _minutes.SelectMany(m => m.Value.Blocked.Select(s => new BlockedPoint(m.Key, s.Key, s.Value)));

    /// <summary>Every security-peer point, by minute.</summary>
    public IEnumerable<SecurityPeerPoint> SecurityPeers => _minutes.SelectMany(m => m.Value.SecurityPeers.Select(s => new SecurityPeerPoint(m.Key, s.Key, s.Value)));

    /// <summary>The complete totals of the minutes changed since the last call, and forgets that they changed.</summary>
    public (List<SeriesPoint> Series, List<PeerPoint> Peers) TakeDirty()
    {
        var points = TakeDirtyPoints();
        return (points.Series, points.Peers);
    }

    /// <summary>As <see cref="TakeDirty"/>, with the transit-security and blocked points of the same minutes.</summary>
    public MinutePoints TakeDirtyPoints()
    {
        var points = new MinutePoints([], [], [], [], []);
        foreach (var time in _dirty.Order())
        {
            var minute = _minutes[time];
            points.Series.AddRange(minute.Series.Select(s => new SeriesPoint(time, s.Key, s.Value)));
            points.Peers.AddRange(minute.Peers.Select(s => new PeerPoint(time, s.Key, s.Value)));
            points.Security.AddRange(minute.Security.Select(s => new SecurityPoint(time, s.Key, s.Value)));
            points.Blocked.AddRange(minute.Blocked.Select(s => new BlockedPoint(time, s.Key, s.Value)));
            points.SecurityPeers.AddRange(minute.SecurityPeers.Select(s => new SecurityPeerPoint(time, s.Key, s.Value)));
        }

        _dirty.Clear();
        return points;
    }

    /// <summary>Marks minutes changed again (their write failed and must be redone).</summary>
    public void MarkDirty(IEnumerable<DateTimeOffset> minutes)
    {
        foreach (var minute in minutes)
        {
            if (_minutes.ContainsKey(minute))
            {
                _dirty.Add(minute);
            }
        }
    }

    /// <summary>Forgets the minutes before <paramref name="cutoff"/> (they are final and written).</summary>
    public int RemoveBefore(DateTimeOffset cutoff)
    {
        var removed = 0;
        while (_minutes.Count > 0)
        {
            var first = _minutes.First();
            if (first.Key >= cutoff)
            {
                break;
            }

            PointCount -= first.Value.Series.Count + first.Value.Peers.Count + first.Value.Security.Count + first.Value.Blocked.Count + first.Value.SecurityPeers.Count;
            _minutes.Remove(first.Key);
            _dirty.Remove(first.Key);
            removed++;
        }

        return removed;
    }

    private Minute GetMinute(DateTimeOffset time)
    {
        _dirty.Add(time);
        if (!_minutes.TryGetValue(time, out var minute))
        {
            minute = new Minute();
            _minutes.Add(time, minute);
        }

        return minute;
    }

    private void AddTo<TKey>(Dictionary<TKey, Counts> series, TKey key, in Counts counts)
        where TKey : notnull
    {
        ref var total = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(series, key, out var existed);
        total.Add(counts);
        if (!existed)
        {
            PointCount++;
        }
    }

    private sealed class Minute
    {
        public Dictionary<SeriesKey, Counts> Series { get; } = [];
        public Dictionary<PeerKey, Counts> Peers { get; } = [];
        public Dictionary<SecurityKey, Counts> Security { get; } = [];
        public Dictionary<BlockedKey, Counts> Blocked { get; } = [];
        public Dictionary<SecurityPeerKey, Counts> SecurityPeers { get; } = [];
    }
}

/// <summary>The points of some minutes, per measurement.</summary>
public sealed record MinutePoints(List<SeriesPoint> Series, List<PeerPoint> Peers, List<SecurityPoint> Security, List<BlockedPoint> Blocked, List<SecurityPeerPoint> SecurityPeers)
{
    public int Count => Series.Count + Peers.Count + Security.Count + Blocked.Count + SecurityPeers.Count;
}
