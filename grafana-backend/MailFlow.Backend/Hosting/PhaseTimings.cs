using System.Diagnostics;
using System.Globalization;

namespace MailFlow.Backend.Hosting;

/// <summary>
/// Per-phase timings for finding where a first request's time goes: with <c>MAILFLOW_PLUGIN_TIMINGS=1</c> the plugin
/// logs (at Information, message "timing ...") its start-up steps since the process started, each QueryData call's
/// settings, parse, engine and Arrow encoding times, and every InfluxDB request. Off by default: nothing is
/// measured then. Never logs a statement's text or a setting, only names, counts and milliseconds.
/// </summary>
internal static partial class PhaseTimings
{
    /// <summary>The environment variable that turns the timings on (<c>1</c> or <c>true</c>).</summary>
    public const string Variable = "MAILFLOW_PLUGIN_TIMINGS";

    private static ILogger? _logger;

    /// <summary>True when the timings are logged.</summary>
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable(Variable)?.Trim().ToLowerInvariant() is "1" or "true";

    /// <summary>Where the timings go: the plugin's logger, set once at start-up.</summary>
    public static void Attach(ILogger logger)
    {
        if (Enabled)
        {
            _logger = logger;
        }
    }

    /// <summary>Milliseconds since the operating system started this process (start-up steps).</summary>
    public static double SinceProcessStart()
    {
        using var process = Process.GetCurrentProcess();
        return (DateTime.Now - process.StartTime).TotalMilliseconds;
    }

    /// <summary>Logs one phase's duration since <paramref name="startedTimestamp"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public static void Phase(string phase, long startedTimestamp, string detail = "")
    {
        if (_logger is { } logger)
        {
            Log(logger, phase, Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture), detail);
        }
    }

    /// <summary>Logs a start-up step: milliseconds since the process started.</summary>
    public static void StartupStep(string step)
    {
        if (_logger is { } logger)
        {
            Log(logger, "startup " + step + " (since process start)", SinceProcessStart().ToString("0.0", CultureInfo.InvariantCulture), string.Empty);
        }
    }

    [LoggerMessage(40, LogLevel.Information, "timing {Phase}: {ElapsedMs} ms {Detail}")]
    private static partial void Log(ILogger logger, string phase, string elapsedMs, string detail);
}
