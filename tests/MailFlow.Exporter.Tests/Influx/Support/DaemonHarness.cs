using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Tailing;
using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Tests.Influx.Support;

/// <summary>Stands in for SIGKILL inside the process: thrown at a crash point, nothing after it runs.</summary>
public sealed class SimulatedCrashException : Exception
{
    public SimulatedCrashException(string message)
        : base(message)
    {
    }

    public SimulatedCrashException()
    {
    }

    public SimulatedCrashException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// One run of the daemon's pipeline in-process, with fast timings. A crash point (e.g. <c>after-write</c> on its
/// 2nd occurrence) abandons every bit of memory at that instant: the next instance starts from what is on disk.
/// </summary>
public sealed class DaemonHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, int> _seen = [];

    /// <param name="detectFormat">True to detect each file's format as <c>run</c> does without <c>--format</c> (else the test format).</param>
    /// <param name="source">The source tag the test format gives its records (else mx1).</param>
    public DaemonHarness(FollowOptions options, InfluxOptions influx, ILoggerProvider? logs = null, (string Point, int Occurrence)? crashAt = null, bool detectFormat = false, string? source = null)
    {
        using var factory = LoggerFactory.Create(builder =>
        {
            if (logs is not null)
            {
                builder.AddProvider(logs);
            }
        });
        Pipeline = new FollowPipeline(options, influx, new ParseOptions { TimeZone = TimeZoneInfo.Utc, SourceHost = source }, detectFormat ? null : SessionTestFormat.Instance, () => new TestAggregator(), factory);
        if (crashAt is { } crash)
        {
            Pipeline.Coordinator.CrashPoint = point =>
            {
                _seen[point] = _seen.GetValueOrDefault(point) + 1;
                if (point == crash.Point && _seen[point] == crash.Occurrence)
                {
                    throw new SimulatedCrashException($"crash at {point} #{crash.Occurrence}");
                }
            };
        }

        Run = Task.Run(() => Pipeline.RunAsync(_stop.Token));
    }

    public FollowPipeline Pipeline { get; }

    public Task Run { get; }

    /// <summary>Fast timings for tests.</summary>
    public static FollowOptions Options(string checkpoint, params string[] globs) => new()
    {
        Paths = [.. globs],
        CheckpointPath = checkpoint,
        PollInterval = TimeSpan.FromMilliseconds(50),
        FlushInterval = TimeSpan.FromMilliseconds(200),
        RotationGrace = TimeSpan.FromMilliseconds(500),
        ChunkBytes = 70 * 1024,
    };

    /// <summary>Graceful stop (SIGTERM): followers stop, the last steps are written, the checkpoint saved.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Run.WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (!Run.IsCompleted)
        {
            await StopAsync();
        }

        Pipeline.Dispose();
        _stop.Dispose();
    }
}
