namespace MailFlow.Backend.Query;

/// <summary>Tuning of <see cref="MailFlowQueryEngine"/>; each default is a named constant with its reason.</summary>
public sealed class QueryEngineOptions
{
    /// <summary>
    /// Default <see cref="CacheTtl"/>: 5 minutes. Sums of whole past days, hours and time-series buckets are kept
    /// this long, so that a 90-day dashboard re-reads only the edges of its range; data back-filled into an already
    /// cached day shows up at the latest after this delay.
    /// </summary>
    public static readonly TimeSpan DefaultCacheTtl = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Default <see cref="SettleDelay"/>: 10 minutes. A bucket that ended less than this long ago is never cached:
    /// the exporter may still be flushing its last minutes.
    /// </summary>
    public static readonly TimeSpan DefaultSettleDelay = TimeSpan.FromMinutes(10);

    /// <summary>Default <see cref="CacheMaxRows"/>: about 100 MB at most for 1M cached sums.</summary>
    public const long DefaultCacheMaxRows = 1_000_000;

    /// <summary>How long sums of closed buckets are reused; <see cref="TimeSpan.Zero"/> disables the cache. Default 5 min.</summary>
    public TimeSpan CacheTtl { get; set; } = DefaultCacheTtl;

    /// <summary>How long after its end a bucket becomes cacheable. Default 10 min.</summary>
    public TimeSpan SettleDelay { get; set; } = DefaultSettleDelay;

    /// <summary>Most cached sums (rows) kept in memory. Default 1,000,000.</summary>
    public long CacheMaxRows { get; set; } = DefaultCacheMaxRows;

    /// <summary>
    /// Whether whole 5-minute blocks, hours and days are read from the rollup tiers the exporter maintains
    /// (<c>mailflow_messages_1d</c>, ...) instead of from the minute points. Default true; turn it off for minute
    /// points written by another tool until <c>mailflow-exporter rollup</c> has built their tiers.
    /// </summary>
    public bool UseRollups { get; set; } = true;

    /// <summary>
    /// Default <see cref="RequestsPerQuestion"/>: 3. A question is up to 7 statements (edge minutes, 5-minute
    /// blocks, hours and days on both sides); InfluxDB runs one request's statements in turn, so a few concurrent
    /// requests use the cores of a small server without flooding it.
    /// </summary>
    public const int DefaultRequestsPerQuestion = 3;

    /// <summary>Most concurrent InfluxDB requests one question's statements are spread over. Default 3.</summary>
    public int RequestsPerQuestion { get; set; } = DefaultRequestsPerQuestion;

    /// <summary>True when closed buckets are cached.</summary>
    public bool CacheEnabled => CacheTtl > TimeSpan.Zero && CacheMaxRows > 0;
}
