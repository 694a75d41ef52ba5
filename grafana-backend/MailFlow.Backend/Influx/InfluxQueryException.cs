namespace MailFlow.Backend.Influx;

/// <summary>What went wrong talking to InfluxDB.</summary>
public enum InfluxErrorKind
{
    /// <summary>InfluxDB could not be reached, or failed (HTTP 5xx).</summary>
    Unavailable = 0,

    /// <summary>No answer within the configured timeout.</summary>
    Timeout = 1,

    /// <summary>InfluxDB refused the credentials (token, user/password) or their permissions.</summary>
    AuthRefused = 2,

    /// <summary>The database/bucket or retention policy does not exist.</summary>
    DatabaseMissing = 3,

    /// <summary>Any other error InfluxDB reported, or an answer that is not InfluxQL JSON.</summary>
    Failed = 4,
}

/// <summary>
/// A failure of <see cref="InfluxQlClient"/>; <see cref="Exception.Message"/> names the server and what to do, never a
/// secret, so it is safe to show a user.
/// </summary>
public sealed class InfluxQueryException : Exception
{
    public InfluxQueryException(InfluxErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public InfluxQueryException()
        : this(InfluxErrorKind.Failed, "InfluxDB query failed")
    {
    }

    public InfluxQueryException(string message)
        : this(InfluxErrorKind.Failed, message)
    {
    }

    public InfluxQueryException(string message, Exception innerException)
        : this(InfluxErrorKind.Failed, message, innerException)
    {
    }

    /// <summary>The kind of failure.</summary>
    public InfluxErrorKind Kind { get; }

    /// <summary>
    /// What InfluxDB or the network said, without the advice <see cref="Exception.Message"/> adds (e.g. "HTTP 401:
    /// authorization failed"), for callers that give their own advice; null when the message is all there is.
    /// </summary>
    public string? Cause { get; init; }
}
