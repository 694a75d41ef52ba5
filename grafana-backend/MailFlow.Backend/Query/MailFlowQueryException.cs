using MailFlow.Backend.Influx;

namespace MailFlow.Backend.Query;

/// <summary>What went wrong, in terms a caller can act on; the API maps each kind to one gRPC status code.</summary>
public enum QueryErrorKind
{
    /// <summary>The request itself is wrong (range, filter, limit): fix the request.</summary>
    InvalidArgument = 0,

    /// <summary>InfluxDB could not be reached or did not answer in time: retry later, check the URL.</summary>
    Unavailable = 1,

    /// <summary>InfluxDB refused the credentials (token, user/password).</summary>
    AuthRefused = 2,

    /// <summary>The database/bucket or retention policy does not exist: check the database or bucket setting.</summary>
    DatabaseMissing = 3,

    /// <summary>InfluxDB answered with an error the engine did not expect.</summary>
    QueryFailed = 4,

    /// <summary>The answer took longer than the configured timeout.</summary>
    Timeout = 5,
}

/// <summary>A failure of the query engine; <see cref="Exception.Message"/> is safe to show a user (no secrets).</summary>
public sealed class MailFlowQueryException : Exception
{
    public MailFlowQueryException(QueryErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public MailFlowQueryException()
        : this(QueryErrorKind.QueryFailed, "query failed")
    {
    }

    public MailFlowQueryException(string message)
        : this(QueryErrorKind.QueryFailed, message)
    {
    }

    public MailFlowQueryException(string message, Exception innerException)
        : this(QueryErrorKind.QueryFailed, message, innerException)
    {
    }

    /// <summary>The kind of failure.</summary>
    public QueryErrorKind Kind { get; }

    /// <summary>
    /// What InfluxDB or the network said, without the advice <see cref="Exception.Message"/> adds (e.g. "HTTP 401:
    /// authorization failed"), for callers that give their own advice; null when the message is all there is.
    /// </summary>
    public string? Cause { get; init; }

    /// <summary>
    /// The engine's one translation of an InfluxDB failure (<see cref="InfluxQueryException"/>, thrown by the client)
    /// into its own terms: same message and cause, the matching kind.
    /// </summary>
    internal static MailFlowQueryException FromInflux(InfluxQueryException error) =>
        new(KindOf(error.Kind), error.Message, error) { Cause = error.Cause };

    // No discard arm: a new InfluxErrorKind without its QueryErrorKind is a compile error (CS8509).
#pragma warning disable CS8524
    private static QueryErrorKind KindOf(InfluxErrorKind kind) => kind switch
    {
        InfluxErrorKind.Unavailable => QueryErrorKind.Unavailable,
        InfluxErrorKind.Timeout => QueryErrorKind.Timeout,
        InfluxErrorKind.AuthRefused => QueryErrorKind.AuthRefused,
        InfluxErrorKind.DatabaseMissing => QueryErrorKind.DatabaseMissing,
        InfluxErrorKind.Failed => QueryErrorKind.QueryFailed,
    };
#pragma warning restore CS8524
}
