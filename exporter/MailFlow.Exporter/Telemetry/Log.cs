using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Telemetry;

/// <summary>Structured log events of the InfluxDB sink and the daemon. Stable event ids; secrets never appear.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Writing to {Target}")]
    public static partial void Connected(ILogger logger, string target);

    [LoggerMessage(1002, LogLevel.Information, "InfluxDB at {Url} reports version {Version}: using the {Api} API")]
    public static partial void Detected(ILogger logger, string url, string version, string api);

    [LoggerMessage(1003, LogLevel.Warning, "Could not create the database/bucket: {Reason}; writing anyway")]
    public static partial void CreateRefused(ILogger logger, string reason);

    [LoggerMessage(1004, LogLevel.Warning, "InfluxDB write failed (attempt {Attempt}, {Lines} lines), retrying in {DelayMs} ms: {Reason}")]
    public static partial void Retrying(ILogger logger, int attempt, int lines, long delayMs, string reason);

    [LoggerMessage(1005, LogLevel.Error, "InfluxDB write failed and will not be retried ({Lines} lines): {Reason}")]
    public static partial void WriteFailed(ILogger logger, int lines, string reason);

    [LoggerMessage(1006, LogLevel.Information, "InfluxDB is back after {Attempts} attempts")]
    public static partial void Recovered(ILogger logger, int attempts);

    [LoggerMessage(2001, LogLevel.Information, "Following {Path} (device {Device}, inode {Inode}) from offset {Offset}")]
    public static partial void Following(ILogger logger, string path, ulong device, ulong inode, long offset);

    [LoggerMessage(2002, LogLevel.Information, "{Path} was truncated (size {Size} < offset {Offset}): reading it again from the start")]
    public static partial void Truncated(ILogger logger, string path, long size, long offset);

    [LoggerMessage(2003, LogLevel.Information, "{Path} (inode {Inode}) was rotated away and read to its end at offset {Offset}")]
    public static partial void RotatedAway(ILogger logger, string path, ulong inode, long offset);

    [LoggerMessage(2004, LogLevel.Warning, "{Source} line {Line}: {Reason}")]
    public static partial void ParseProblem(ILogger logger, string source, long line, string reason);

    [LoggerMessage(2005, LogLevel.Warning, "{Count} records were older than the open-minute window ({Window}) and were not written (latest at {Minute:o})")]
    public static partial void LateRecords(ILogger logger, long count, TimeSpan window, DateTimeOffset minute);

    [LoggerMessage(2006, LogLevel.Information, "Checkpoint {Path} loaded: {Files} files, {OpenMinutes} open minutes")]
    public static partial void CheckpointLoaded(ILogger logger, string path, int files, int openMinutes);

    [LoggerMessage(2008, LogLevel.Information, "{Path} is a copy of {Original} (copytruncate): reading it from offset {Offset}")]
    public static partial void CopyDetected(ILogger logger, string path, string original, long offset);

    [LoggerMessage(2007, LogLevel.Warning, "{Path}: cannot read: {Reason}")]
    public static partial void ReadFailed(ILogger logger, string path, string reason);

    [LoggerMessage(4001, LogLevel.Information, "OpenTelemetry: metrics and logs over OTLP ({Protocol}) to {Endpoints}")]
    public static partial void TelemetryOn(ILogger logger, string protocol, string endpoints);
}
