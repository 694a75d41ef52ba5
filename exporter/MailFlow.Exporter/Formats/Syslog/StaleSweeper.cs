namespace MailFlow.Exporter.Formats.Syslog;

/// <summary>
/// Forgets correlation state (sessions, processes, queue ids) that log time has left behind, so that a parser's
/// memory stays flat on endless input. Sweeps every <see cref="SweepEvery"/> of log time, and also when log time
/// jumps back (concatenated or out-of-order inputs) so that nothing waits forever.
/// </summary>
internal sealed class StaleSweeper
{
    /// <summary>State idle this long (log time) is flushed and forgotten.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    /// <summary>How often (log time) the tables are swept.</summary>
    public static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(5);

    private readonly long _staleTicks = StaleAfter.Ticks;
    private readonly long _everyTicks = SweepEvery.Ticks;
    private long _nextSweep;

    /// <summary>
    /// True when the tables should be swept at log time <paramref name="now"/>; entries last seen outside
    /// [<paramref name="cutoff"/>, <paramref name="future"/>] are then stale. The first call only arms the sweeper.
    /// </summary>
    public bool IsDue(long now, out long cutoff, out long future)
    {
        cutoff = now - _staleTicks;
        future = now + _staleTicks;
        if (now < _nextSweep && now > _nextSweep - (2 * _everyTicks))
        {
            return false;
        }

        var armed = _nextSweep != 0;
        _nextSweep = now + _everyTicks;
        return armed;
    }

    /// <summary>Removes every entry last seen outside [cutoff, future], handing each to <paramref name="removed"/>.</summary>
    public static void RemoveStale<TKey, TValue>(Dictionary<TKey, TValue> table, Func<TValue, long> lastSeen, long cutoff, long future, List<TKey> scratch, Action<TValue>? removed = null)
        where TKey : notnull
    {
        foreach (var (key, value) in table)
        {
            var seen = lastSeen(value);
            if (seen < cutoff || seen > future)
            {
                scratch.Add(key);
            }
        }

        foreach (var key in scratch)
        {
            if (table.Remove(key, out var value))
            {
                removed?.Invoke(value);
            }
        }

        scratch.Clear();
    }
}
