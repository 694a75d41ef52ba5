namespace MailFlow.Backend.Query;

/// <summary>Health of the engine's dependency.</summary>
/// <param name="Healthy">True when InfluxDB answers and the database exists.</param>
/// <param name="Message">What was checked, or what is wrong and how to fix it.</param>
/// <param name="InfluxVersion">The server's version when it tells it (X-Influxdb-Version).</param>
public sealed record HealthReport(bool Healthy, string Message, string? InfluxVersion);
