namespace MailFlow.TlsReports;

/// <summary>
/// Bounds on one report, so that a hostile or broken one (a gzip bomb, an array of millions of entries) is refused
/// with a message instead of filling memory. Real reports are a few KB; the defaults leave room for large senders.
/// </summary>
public sealed record TlsReportLimits
{
    /// <summary>Default <see cref="MaxCompressedBytes"/>: 4 MiB.</summary>
    public const int DefaultMaxCompressedBytes = 4 * 1024 * 1024;

    /// <summary>Default <see cref="MaxJsonBytes"/>: 32 MiB.</summary>
    public const int DefaultMaxJsonBytes = 32 * 1024 * 1024;

    /// <summary>The defaults.</summary>
    public static TlsReportLimits Default { get; } = new();

    /// <summary>Bytes of a report as delivered (gzip or JSON) at most.</summary>
    public int MaxCompressedBytes { get; init; } = DefaultMaxCompressedBytes;

    /// <summary>Bytes of JSON a report may decompress to at most: beyond it the gzip is refused (a gzip bomb).</summary>
    public int MaxJsonBytes { get; init; } = DefaultMaxJsonBytes;

    /// <summary>Entries of <c>policies</c> at most.</summary>
    public int MaxPolicies { get; init; } = 1000;

    /// <summary>Entries of one policy's <c>failure-details</c> at most.</summary>
    public int MaxFailureDetails { get; init; } = 10_000;

    /// <summary>Entries of <c>policy-string</c> or <c>mx-host</c> at most.</summary>
    public int MaxStrings { get; init; } = 1000;

    /// <summary>Characters of one string value at most.</summary>
    public int MaxStringLength { get; init; } = 8192;

    /// <summary>A session count above this is refused (no sender makes a trillion sessions a day to one domain).</summary>
    public long MaxSessionCount { get; init; } = 1_000_000_000_000;

    /// <summary>The longest date range accepted (RFC 8460 reports cover a day).</summary>
    public TimeSpan MaxRange { get; init; } = TimeSpan.FromDays(31);

    /// <summary>The earliest start accepted: RFC 8460 was published in September 2018.</summary>
    public DateTimeOffset EarliestStart { get; init; } = new(2018, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How far past the present a date range may end (clocks differ).</summary>
    public TimeSpan FutureTolerance { get; init; } = TimeSpan.FromDays(2);
}
