namespace MailFlow.Backend.Query;

/// <summary>What the one health computation (<see cref="MailFlowQueryEngine.DiagnoseHealthAsync"/>) found.</summary>
public enum HealthState
{
    /// <summary>InfluxDB answers, the database exists and holds mail-flow data (with its rollup tiers when used).</summary>
    Ok = 0,

    /// <summary>InfluxDB answers and the database exists, but no mail-flow data has been written yet.</summary>
    NoData = 1,

    /// <summary>Mail-flow minutes without the daily rollup tier while rollups are used: whole days would read as empty.</summary>
    RollupsMissing = 2,

    /// <summary>InfluxDB did not answer /ping (unreachable, timeout, not an InfluxDB).</summary>
    Unreachable = 3,

    /// <summary>InfluxDB refused the credentials or their permissions.</summary>
    AuthRefused = 4,

    /// <summary>The database/bucket or retention policy does not exist.</summary>
    DatabaseMissing = 5,

    /// <summary>InfluxDB answered /ping but failed a query.</summary>
    QueryFailed = 6,
}

/// <summary>
/// The facts of a health check, computed once by the engine; the gRPC health (<see cref="ToReport"/>) and the
/// plugin's CheckHealth (which words them with the data source page's fields) both derive from them.
/// </summary>
/// <param name="InfluxVersion">The server's version when /ping told it.</param>
/// <param name="LatestData">The newest mail-flow minute, when asked for and found.</param>
/// <param name="Cause">Failures: what InfluxDB or the network said, without advice (null when the message is all there is).</param>
/// <param name="Message">The engine's wording: what was checked, or the failure's message (names the server, never a secret).</param>
public sealed record HealthDiagnosis(HealthState State, string? InfluxVersion, DateTimeOffset? LatestData, string? Cause, string Message)
{
    /// <summary>
    /// Whether the engine can answer: missing rollups and no data yet still count as serving (InfluxDB itself is
    /// fine; the message says what to do).
    /// </summary>
    public bool Healthy => State is HealthState.Ok or HealthState.NoData or HealthState.RollupsMissing;

    /// <summary>The engine's report (gRPC health, <see cref="IMailFlowQueries.CheckHealthAsync"/>).</summary>
    public HealthReport ToReport() => new(Healthy, Message, InfluxVersion);
}
