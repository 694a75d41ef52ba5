using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Telemetry;
using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Tailing;

/// <summary>
/// The daemon's parts wired together: the checkpoint loaded, one <see cref="FileFollower"/> per glob feeding
/// one <see cref="FlowCoordinator"/>. The hosted services run them; tests run <see cref="RunAsync"/> directly.
/// </summary>
public sealed class FollowPipeline : IDisposable
{
    private readonly InfluxPointWriter _writer;

    public FollowPipeline(FollowOptions options, InfluxOptions influx, ParseOptions parseOptions, ILogFormat? format, Func<IPointAggregator> newAggregator, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("MailFlow.Exporter.Run");
        CheckpointPath = options.ResolveCheckpointPath();
        var firstStart = !File.Exists(CheckpointPath);
        var state = Checkpoint.Load(CheckpointPath);
        if (!firstStart)
        {
            Log.CheckpointLoaded(logger, CheckpointPath, state.Files.Count, state.Totals.MinuteCount);
        }

        _writer = new InfluxPointWriter(influx, loggers.CreateLogger("MailFlow.Exporter.Influx"));
        Coordinator = new FlowCoordinator(options, _writer, logger, CheckpointPath, state);
        var resume = new Dictionary<FileIdentity, FilePosition>(state.Files);
        Followers = options.Paths
            .Select(glob => new FileFollower(glob, options, parseOptions, format, newAggregator, resume, firstStart, Coordinator.Input, loggers.CreateLogger("MailFlow.Exporter.Follow")))
            .ToList();
    }

    public string CheckpointPath { get; }

    public FlowCoordinator Coordinator { get; }

    public IReadOnlyList<FileFollower> Followers { get; }

    /// <summary>The writer (its counters: points written, retries).</summary>
    public InfluxPointWriter Writer => _writer;

    /// <summary>
    /// Runs until <paramref name="stoppingToken"/> fires (or the coordinator fails): followers stop first, then
    /// the coordinator writes what they handed over and saves the checkpoint.
    /// </summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var followersStop = new CancellationTokenSource();
        using var coordinatorStop = new CancellationTokenSource();
        var coordinator = Coordinator.RunAsync(coordinatorStop.Token);
        var followers = Followers.Select(f => f.RunAsync(followersStop.Token)).ToArray();
        var stopped = new TaskCompletionSource();
        using (stoppingToken.Register(() => stopped.TrySetResult()))
        {
            await Task.WhenAny(coordinator, stopped.Task).ConfigureAwait(false);
        }

        await followersStop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(followers).ConfigureAwait(false);
        await coordinatorStop.CancelAsync().ConfigureAwait(false);
        await coordinator.ConfigureAwait(false);
    }

    public void Dispose() => _writer.Dispose();
}
