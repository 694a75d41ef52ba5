using System.Threading.Channels;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Telemetry;
using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Tailing;

/// <summary>
/// The single writer of the daemon. It applies the followers' steps to the complete totals of the open minutes,
/// writes the minutes that changed (their complete totals: InfluxDB overwrites a point with the same series and
/// time), and only after InfluxDB acknowledged them saves the checkpoint that pairs those totals with the file
/// offsets they cover. Then it closes minutes older than the open window. While InfluxDB is down it keeps
/// retrying and stops taking steps, so the bounded channel makes the followers wait: memory stays bounded
/// and nothing is skipped.
/// </summary>
public sealed class FlowCoordinator
{
    private readonly FollowOptions _options;
    private readonly InfluxPointWriter _writer;
    private readonly ILogger _logger;
    private readonly string _checkpointPath;
    private readonly Checkpoint _state;
    private readonly Channel<FollowDelta> _channel;
    private readonly Dictionary<FileIdentity, (DateTimeOffset? Latest, long Backlog)> _progress = [];
    private DateTimeOffset? _newest;
    private long _lateSinceLog;
    private bool _changed;
    private readonly Func<bool> _caughtUp;

    /// <param name="caughtUp">True once every follower has read all its files to their end once; no minute closes before.</param>
    public FlowCoordinator(FollowOptions options, InfluxPointWriter writer, ILogger logger, string checkpointPath, Checkpoint state, Func<bool>? caughtUp = null)
    {
        _caughtUp = caughtUp ?? (() => true);
        _options = options;
        _writer = writer;
        _logger = logger;
        _checkpointPath = checkpointPath;
        _state = state;
        _channel = Channel.CreateBounded<FollowDelta>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Where followers send their steps.</summary>
    public ChannelWriter<FollowDelta> Input => _channel.Writer;

    /// <summary>The state as of the last flush (tests read it).</summary>
    public Checkpoint State => _state;

    /// <summary>Flushes completed (write acknowledged and checkpoint saved).</summary>
    public long Flushes { get; private set; }

    /// <summary>Records dropped because their minute was already closed.</summary>
    public long LateRecords { get; private set; }

    /// <summary>Test hook standing in for SIGKILL: called at named points; throwing there abandons everything in memory.</summary>
    internal Action<string>? CrashPoint { get; set; }

    /// <summary>Applies steps and flushes until <paramref name="stoppingToken"/> fires, then drains and flushes once more.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _writer.ConnectAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return; // Stopped before InfluxDB ever answered: nothing was applied, the checkpoint is unchanged.
        }

        var lastFlush = Environment.TickCount64;
        var reader = _channel.Reader;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var untilFlush = _options.FlushInterval.TotalMilliseconds - (Environment.TickCount64 - lastFlush);
                if (untilFlush > 0)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                    wait.CancelAfter(TimeSpan.FromMilliseconds(untilFlush));
                    try
                    {
                        await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                    }
                }

                ApplyAvailable(reader);
                if (Environment.TickCount64 - lastFlush >= _options.FlushInterval.TotalMilliseconds)
                {
                    await FlushAsync(stoppingToken).ConfigureAwait(false);
                    lastFlush = Environment.TickCount64;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Stopping: the followers are stopped first; write what they handed over, if InfluxDB answers in time.
        ApplyAvailable(reader);
        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await FlushAsync(last.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Not acknowledged: the checkpoint still points before these lines, so the next start reads them again.
        }
    }

    /// <summary>Applies every step waiting in the channel.</summary>
    internal void ApplyAvailable(ChannelReader<FollowDelta> reader)
    {
        while (reader.TryRead(out var delta))
        {
            Apply(delta);
        }
    }

    /// <summary>Writes the changed minutes, recomputes their rollup buckets, then saves the checkpoint, then closes old minutes.</summary>
    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        var dirty = _state.Totals.TakeDirtyPoints();
        ExporterMetrics.SetBacklogPoints(dirty.Count);
        if (dirty.Count > 0)
        {
            var (minutes, sources) = InfluxPointWriter.Touched(dirty);
            try
            {
                await _writer.WriteAsync(dirty.Series, dirty.Peers, dirty.Security, dirty.Blocked, dirty.SecurityPeers, cancellationToken).ConfigureAwait(false);
                CrashPoint?.Invoke("after-write");

                // Before the checkpoint: a crash here replays these lines, which rewrites the minutes and so
                // recomputes their rollups on the next start.
                await _writer.WriteRollupsAsync(minutes, sources, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _state.Totals.MarkDirty(minutes);
                throw;
            }

            CrashPoint?.Invoke("after-rollup");
        }

        ExporterMetrics.SetBacklogPoints(0);
        if (!_changed)
        {
            return;
        }

        _state.Save(_checkpointPath);
        _changed = false;
        CrashPoint?.Invoke("after-checkpoint");
        Flushes++;
        CloseOldMinutes();
        if (_lateSinceLog > 0)
        {
            Log.LateRecords(_logger, _lateSinceLog, _options.OpenWindow, _state.ClosedBefore);
            _lateSinceLog = 0;
        }
    }

    private void Apply(FollowDelta delta)
    {
        _changed = true;
        var position = delta.Position;
        if (delta.Removed)
        {
            _state.Files.Remove(position.Identity);
            _progress.Remove(position.Identity);
        }
        else
        {
            _state.Files[position.Identity] = position;
            _progress[position.Identity] = (delta.Latest, delta.Backlog);
        }

        if (delta.Latest is { } latest && (_newest is null || latest > _newest))
        {
            _newest = latest;
        }

        if (delta.Points is not { } points)
        {
            return;
        }

        var closed = _state.ClosedBefore;
        foreach (var point in points.Series)
        {
            if (point.Minute < closed)
            {
                LateRecords += point.Counts.Messages;
                _lateSinceLog += point.Counts.Messages;
                ExporterMetrics.LateRecords.Add(point.Counts.Messages);
                continue;
            }

            _state.Totals.Add(point);
        }

        foreach (var point in points.Peers)
        {
            if (point.Minute >= closed)
            {
                _state.Totals.Add(point);
            }
        }

        foreach (var point in points.Security)
        {
            if (point.Minute >= closed)
            {
                _state.Totals.Add(point);
            }
        }

        foreach (var point in points.Blocked)
        {
            if (point.Minute >= closed)
            {
                _state.Totals.Add(point);
            }
        }

        foreach (var point in points.SecurityPeers)
        {
            if (point.Minute >= closed)
            {
                _state.Totals.Add(point);
            }
        }
    }

    /// <summary>
    /// Minutes older than the open window, measured from the newest record time (or, while a file is still
    /// catching up, from that file's newest record), are final: they were just written, and are dropped.
    /// Nothing closes before every follower has read its files to their end once after the start.
    /// </summary>
    private void CloseOldMinutes()
    {
        // Until every file was read once, a file not yet read may hold records for any minute.
        if (_newest is not { } reference || !_caughtUp())
        {
            return;
        }

        // A file still behind holds its future records near its newest record time (logs run forward in time).
        foreach (var (latest, backlog) in _progress.Values)
        {
            if (backlog > 0)
            {
                if (latest is not { } behind)
                {
                    return;
                }

                if (behind < reference)
                {
                    reference = behind;
                }
            }
        }

        var cutoff = reference - _options.OpenWindow;
        cutoff = new DateTimeOffset(cutoff.UtcTicks - (cutoff.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        if (cutoff > _state.ClosedBefore)
        {
            _state.Totals.RemoveBefore(cutoff);
            _state.ClosedBefore = cutoff;
        }
    }
}
