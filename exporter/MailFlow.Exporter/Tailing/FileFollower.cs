using System.Threading.Channels;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Telemetry;
using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Tailing;

/// <summary>
/// Follows the files of one glob like <c>tail -F</c>: new complete lines are parsed as they arrive; a rename
/// (rotation) is noticed by the inode, and the old file is read to its end before it is closed; a file that
/// shrinks (copytruncate) is read again from its start; new files matching the glob are picked up. Each step's
/// points go to the coordinator with the offset they reach, through a bounded channel: when the writer is
/// behind (InfluxDB down), reading waits instead of piling up memory. The glob's files are listed by
/// <see cref="GlobFiles"/>, copies are recognised by <see cref="CopyDetector"/>, each file's state is a
/// <see cref="TrackedFile"/>, and <see cref="FollowReader"/> reads what they gain (on the Input/ and Formats/ code
/// that batch reading uses).
/// </summary>
public sealed class FileFollower
{
    private readonly string _glob;
    private readonly FollowOptions _options;
    private readonly IReadOnlyDictionary<FileIdentity, FilePosition> _resume;
    private readonly bool _firstStart;
    private readonly ChannelWriter<FollowDelta> _output;
    private readonly ILogger _logger;
    private readonly Dictionary<FileIdentity, TrackedFile> _tracked = [];
    private readonly FollowSink _sink;
    private readonly CopyDetector _copies = new();
    private readonly FollowReader _reader;
    private bool _polledOnce;

    /// <param name="resume">File positions of the checkpoint (shared by every follower; looked up by identity).</param>
    /// <param name="firstStart">True when there was no checkpoint at all (<see cref="FollowOptions.StartAt"/> applies).</param>
    public FileFollower(string glob, FollowOptions options, ParseOptions parseOptions, ILogFormat? format, Func<IPointAggregator> newAggregator,
        IReadOnlyDictionary<FileIdentity, FilePosition> resume, bool firstStart, ChannelWriter<FollowDelta> output, ILogger logger)
    {
        _glob = glob;
        _options = options;
        _resume = resume;
        _firstStart = firstStart;
        _output = output;
        _logger = logger;
        _sink = new FollowSink(logger);
        _reader = new FollowReader(options, parseOptions, format, _sink, newAggregator, logger);
    }

    /// <summary>True once every file of the glob was read to its end at least once (the start-up catch-up is over).</summary>
    public bool CaughtUpOnce { get; private set; }

    /// <summary>Lines read so far (replayed lines included).</summary>
    public long LinesRead => _reader.LinesRead;

    /// <summary>Syslog lines of other programs (cron, kernel...) skipped so far, replayed lines included.</summary>
    public long OtherProgramLines => _reader.OtherProgramLinesOfPastParsers + _tracked.Values.Sum(f => f.Context?.OtherProgramLines ?? 0);

    /// <summary>Records handed on so far.</summary>
    public long Records => _sink.Records;

    /// <summary>Problems reported so far.</summary>
    public long Problems => _sink.Problems;

    /// <summary>Polls until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var busy = await PollOnceAsync(cancellationToken).ConfigureAwait(false);
                if (!busy)
                {
                    await Task.Delay(_options.PollInterval, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var file in _tracked.Values)
            {
                file.Dispose();
            }
        }
    }

    /// <summary>One pass over the glob's files; true when a file still had more to read.</summary>
    public async Task<bool> PollOnceAsync(CancellationToken cancellationToken)
    {
        var present = GlobFiles.Present(_glob);
        var unknown = new List<TrackedFile>();

        foreach (var (identity, path) in present)
        {
            if (_tracked.TryGetValue(identity, out var known))
            {
                known.Path = path;
                continue;
            }

            var file = new TrackedFile(identity, path);
            if (_resume.TryGetValue(identity, out var resume))
            {
                file.Offset = resume.Offset;
                file.Position = resume.Offset;
                file.Finished = resume.Finished;
                if (!resume.Finished && resume.Offset > 0)
                {
                    // Rebuild the parser's session state from the lines before the offset; their records were counted.
                    file.Position = Math.Max(0, resume.Offset - _options.ReplayBytes);
                    file.ReplayUntil = resume.Offset;
                    file.StartedMidFile = file.Position > 0;
                }
            }
            else if (_firstStart && !_polledOnce && _options.StartAt == StartPosition.End)
            {
                file.Offset = file.Position = new FileInfo(path).Length;
                file.StartedMidFile = file.Offset > 0 && !GlobFiles.EndsWithNewline(path);
            }
            else if (_polledOnce || !_firstStart)
            {
                // Looked at once every known file is tracked: it may be copytruncate's copy of one of them.
                unknown.Add(file);
                continue;
            }

            _tracked[identity] = file;
            if (!file.Finished)
            {
                Log.Following(_logger, path, identity.Device, identity.Inode, file.Offset);
            }
        }

        foreach (var file in unknown)
        {
            if (_copies.FindOriginal(file.Path, _tracked.Values) is { } original)
            {
                // A copy of a file already read: only its part beyond what was read is new.
                file.Offset = file.Position = Math.Min(new FileInfo(file.Path).Length, original.Offset);
                file.CopyOf = original.StillFollowed ? original.Identity : null;
                Log.CopyDetected(_logger, file.Path, original.Path, file.Offset);
            }

            _tracked[file.Identity] = file;
            Log.Following(_logger, file.Path, file.Identity.Device, file.Identity.Inode, file.Offset);
        }

        _polledOnce = true;
        var newest = present.Count == 0 ? (FileIdentity?)null : present.MaxBy(p => GlobFiles.SafeWriteTime(p.Value)).Key;
        var more = false;
        foreach (var file in _tracked.Values.OrderBy(f => GlobFiles.SafeWriteTime(f.Path)).ToList())
        {
            var inGlob = present.ContainsKey(file.Identity);
            more |= await StepAsync(file, inGlob, file.Identity == newest, cancellationToken).ConfigureAwait(false);
        }

        ExporterMetrics.SetBacklogBytes(_tracked.Values.Sum(f => f.Backlog));
        if (!more && _tracked.Values.All(f => f.Unsupported || f.Finished || f.Backlog == 0))
        {
            CaughtUpOnce = true;
        }

        return more;
    }

    private async Task<bool> StepAsync(TrackedFile file, bool inGlob, bool newest, CancellationToken cancellationToken)
    {
        if (file.Unsupported)
        {
            return false;
        }

        if (file.Stream is null)
        {
            if (!inGlob)
            {
                // Gone before we could open it again (e.g. deleted while stopped): nothing left to read.
                _tracked.Remove(file.Identity);
                await SendAsync(file, null, removed: true, cancellationToken).ConfigureAwait(false);
                return false;
            }

            if (file.Finished && new FileInfo(file.Path).Length <= file.Offset)
            {
                return false;
            }

            if (!Open(file))
            {
                return false;
            }
        }

        var length = file.Stream!.Length;
        if (length < file.Position && length < file.Offset)
        {
            // copytruncate: the same inode starts again. Finish the old content's sessions, then read from 0.
            Log.Truncated(_logger, file.Path, length, file.Offset);
            _copies.RememberTruncated(file, _tracked.Values);
            await CompleteParserAsync(file, cancellationToken).ConfigureAwait(false);
            file.Offset = file.Position = 0;
            file.ReplayUntil = 0;
            file.LineNumber = 0;
            file.DetectionTriedAt = 0;
        }

        if (length > file.Position)
        {
            file.Finished = false;
            file.LastGrowth = Environment.TickCount64;
            var read = await ReadChunkAsync(file, length, cancellationToken).ConfigureAwait(false);
            return read && file.Stream is not null && file.Stream.Length > file.Position;
        }

        // At the end. A file no longer the newest (rotated, or superseded by a new file) is done after a quiet grace period.
        file.Backlog = 0;
        if ((!inGlob || !newest) && Environment.TickCount64 - file.LastGrowth > _options.RotationGrace.TotalMilliseconds)
        {
            Log.RotatedAway(_logger, file.Path, file.Identity.Inode, file.Offset);
            await CompleteParserAsync(file, cancellationToken).ConfigureAwait(false);
            file.Finished = true;
            file.Dispose();
            if (!inGlob)
            {
                _tracked.Remove(file.Identity);
            }

            await SendAsync(file, null, removed: !inGlob, cancellationToken).ConfigureAwait(false);
        }

        return false;
    }

    private bool Open(TrackedFile file)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.ReadFailed(_logger, file.Path, e.Message);
            return false;
        }

        if (FileIdentity.Of(stream.SafeFileHandle) != file.Identity)
        {
            stream.Dispose(); // Replaced between the glob and the open: the next poll sees the new file.
            return false;
        }

        file.Stream = stream;
        file.Head ??= CopyDetector.ReadHead(stream);
        file.LastGrowth = Environment.TickCount64;
        return true;
    }

    private async Task<bool> ReadChunkAsync(TrackedFile file, long length, CancellationToken cancellationToken)
    {
        if (await _reader.ReadChunkAsync(file, length, cancellationToken).ConfigureAwait(false) is not { } consumed)
        {
            return false;
        }

        SkipCopiedBytesInOriginal(file);
        await SendAsync(file, EndStep(file), removed: false, cancellationToken).ConfigureAwait(false);
        return consumed > 0;
    }

    private async Task CompleteParserAsync(TrackedFile file, CancellationToken cancellationToken)
    {
        if (_reader.CompleteParser(file))
        {
            await SendAsync(file, EndStep(file), removed: false, cancellationToken).ConfigureAwait(false);
        }
    }

    private IPointAggregator? EndStep(TrackedFile file)
    {
        var (points, latest) = _sink.End();
        if (latest is { } time && (file.Latest is null || time > file.Latest))
        {
            file.Latest = time;
        }

        return points;
    }

    private async Task SendAsync(TrackedFile file, IPointAggregator? points, bool removed, CancellationToken cancellationToken)
    {
        var position = new FilePosition(file.Path, file.Identity, file.Offset, file.Finished);
        // WriteAsync waits while the channel is full: this is the back-pressure on reading.
        await _output.WriteAsync(new FollowDelta(position, points, file.Latest, file.Backlog, removed), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Bytes read from a copy were also in its original (append-only until truncated): the original must not
    /// read them again. A truncated original is noticed as before (its length falls below its offset).
    /// </summary>
    private void SkipCopiedBytesInOriginal(TrackedFile copy)
    {
        if (copy.CopyOf is not { } originalId || !_tracked.TryGetValue(originalId, out var original) || original.Position >= copy.Position || original.ReplayUntil > 0)
        {
            return;
        }

        original.Position = copy.Position;
        original.Offset = Math.Max(original.Offset, copy.Position);
    }
}
