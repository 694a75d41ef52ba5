using MailFlow.Exporter.Rollups;

namespace MailFlow.Exporter.Sinks;

/// <summary>
/// One InfluxDB write API. Implementations send what they are given once and classify failures in an
/// <see cref="InfluxWriteException"/>; batching and retries live in <see cref="InfluxPointWriter"/>.
/// </summary>
public interface IInfluxTransport : IDisposable
{
    /// <summary>For messages, e.g. <c>InfluxDB v1 API at http://127.0.0.1:8086, database mailflow</c>. No secrets.</summary>
    string Description { get; }

    /// <summary>Creates the database or bucket when it is missing and the credentials allow it; otherwise does nothing.</summary>
    Task EnsureTargetAsync(CancellationToken cancellationToken);

    /// <summary>Writes line protocol (precision seconds, lines ending with <c>\n</c>).</summary>
    /// <exception cref="InfluxWriteException">The server refused the write or could not be reached.</exception>
    Task WriteAsync(ReadOnlyMemory<byte> lineProtocol, CancellationToken cancellationToken);

    /// <summary>
    /// Recomputes <paramref name="spans"/> of <paramref name="step"/>'s tier, for both measurements, from the finer
    /// tier as stored (one request; statements run in order). Idempotent: it overwrites the same points.
    /// </summary>
    /// <returns>The rollup points written (for v2: the points of the messages field, i.e. one per series and bucket).</returns>
    /// <exception cref="InfluxWriteException">The server refused a statement or could not be reached.</exception>
    Task<long> RollupAsync(RollupStep step, IReadOnlyList<RollupSpan> spans, CancellationToken cancellationToken);
}

/// <summary>A write that failed, with whether trying again may help.</summary>
public sealed class InfluxWriteException : Exception
{
    public InfluxWriteException(string message, bool retryable, int? status = null, Exception? inner = null)
        : base(message, inner)
    {
        Retryable = retryable;
        Status = status;
    }

    public InfluxWriteException()
        : this("InfluxDB write failed", true)
    {
    }

    public InfluxWriteException(string message)
        : this(message, true)
    {
    }

    public InfluxWriteException(string message, Exception inner)
        : this(message, true, null, inner)
    {
    }

    /// <summary>True for connection failures, timeouts, 5xx and 429; false for other 4xx (bad data, auth): retrying cannot fix those.</summary>
    public bool Retryable { get; }

    /// <summary>The HTTP status, when the server answered.</summary>
    public int? Status { get; }

    /// <summary>Classifies an HTTP status.</summary>
    public static bool IsRetryableStatus(int status) => status >= 500 || status == 429 || status == 408;
}
