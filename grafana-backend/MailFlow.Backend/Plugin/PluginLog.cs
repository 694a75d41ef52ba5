namespace MailFlow.Backend.Plugin;

/// <summary>The plugin's log messages, with stable event ids. Settings secrets never appear in them.</summary>
internal static partial class PluginLog
{
    [LoggerMessage(1, LogLevel.Information, "Plugin listening on {Address} (Grafana {GrafanaVersion})")]
    public static partial void Listening(ILogger logger, string address, string grafanaVersion);

    [LoggerMessage(2, LogLevel.Information, "Shutdown requested by the host")]
    public static partial void ShutdownRequested(ILogger logger);

    [LoggerMessage(3, LogLevel.Warning, "Query {RefId} ({QueryType}) failed: {Error}")]
    public static partial void QueryFailed(ILogger logger, string refId, string queryType, string error);

    [LoggerMessage(4, LogLevel.Debug, "QueryData: {Count} queries answered in {ElapsedMs} ms")]
    public static partial void QueriesAnswered(ILogger logger, int count, long elapsedMs);

    [LoggerMessage(5, LogLevel.Information, "Health check of data source {DataSource}: {Status} {Message}")]
    public static partial void HealthChecked(ILogger logger, string dataSource, string status, string message);

    [LoggerMessage(6, LogLevel.Warning, "Resource {Path} answered {Code}")]
    public static partial void ResourceFailed(ILogger logger, string path, int code);

    [LoggerMessage(7, LogLevel.Information, "Data source {DataSource} ({Uid}) configured: {Url}, InfluxDB {Version}")]
    public static partial void EngineCreated(ILogger logger, string dataSource, string uid, string url, string version);

    [LoggerMessage(8, LogLevel.Error, "Plugin failed to start: {Error}")]
    public static partial void StartFailed(ILogger logger, string error);
}
