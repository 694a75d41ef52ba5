using System.Buffers;
using System.Text;
using System.Threading.Channels;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Telemetry;
using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Tailing;

/// <summary>
/// Follows the files of one glob like <c>tail -F</c>: new complete lines are parsed as they arrive; a rename
/// (rotation) is noticed by the inode, and the old file is read to its end before it is closed; a file that
/// shrinks (copytruncate) is read again from its start; new files matching the glob are picked up. Each step's
/// points go to the coordinator with the offset they reach, through a bounded channel: when the writer is
/// behind (InfluxDB down), reading waits instead of piling up memory.
/// </summary>
public sealed class FileFollower
{
    private static readonly string[] CompressedSuffixes = [".gz", ".xz", ".bz2", ".zst", ".lz4", ".zip"];
    private readonly string _glob;
    private readonly FollowOptions _options;
    private readonly ParseOptions _parseOptions;
    private readonly ILogFormat? _format;
    private readonly Func<IPointAggregator> _newAggregator;
    private readonly IReadOnlyDictionary<FileIdentity, FilePosition> _resume;
    private readonly bool _firstStart;
    private readonly ChannelWriter<FollowDelta> _output;
    private readonly ILogger _logger;
    private readonly Dictionary<FileIdentity, TrackedFile> _tracked = [];
    private readonly FollowSink _sink;
    private bool _polledOnce;

    /// <param name="resume">File positions of the checkpoint (shared by every follower; looked up by identity).</param>
    /// <param name="firstStart">True when there was no checkpoint at all (<see cref="FollowOptions.StartAt"/> applies).</param>
    public FileFollower(string glob, FollowOptions options, ParseOptions parseOptions, ILogFormat? format, Func<IPointAggregator> newAggregator,
        IReadOnlyDictionary<FileIdentity, FilePosition> resume, bool firstStart, ChannelWriter<FollowDelta> output, ILogger logger)
    {
        _glob = glob;
        _options = options;
        _parseOptions = parseOptions;
        _format = format;
        _newAggregator = newAggregator;
        _resume = resume;
        _firstStart = firstStart;
        _output = output;
        _logger = logger;
        _sink = new FollowSink(logger);
    }

    /// <summary>Lines read so far (replayed lines included).</summary>
    public long LinesRead { get; private set; }

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
        var present = new Dictionary<FileIdentity, string>();
        foreach (var source in InputExpander.Expand([_glob]).Inputs)
        {
            if (CompressedSuffixes.Any(suffix => source.Path.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (FileIdentity.Of(source.Path) is { } identity)
            {
                present[identity] = source.Path;
            }
        }

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
                file.StartedMidFile = file.Offset > 0 && !EndsWithNewline(path);
            }

            _tracked[identity] = file;
            if (!file.Finished)
            {
                Log.Following(_logger, path, identity.Device, identity.Inode, file.Offset);
            }
        }

        _polledOnce = true;
        var newest = present.Count == 0 ? (FileIdentity?)null : present.MaxBy(p => SafeWriteTime(p.Value)).Key;
        var more = false;
        foreach (var file in _tracked.Values.OrderBy(f => SafeWriteTime(f.Path)).ToList())
        {
            var inGlob = present.ContainsKey(file.Identity);
            more |= await StepAsync(file, inGlob, file.Identity == newest, cancellationToken).ConfigureAwait(false);
        }

        ExporterMetrics.SetBacklogBytes(_tracked.Values.Sum(f => f.Backlog));
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
            await CompleteParserAsync(file, cancellationToken).ConfigureAwait(false);
            file.Offset = file.Position = 0;
            file.ReplayUntil = 0;
            file.LineNumber = 0;
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
        file.LastGrowth = Environment.TickCount64;
        return true;
    }

    private async Task<bool> ReadChunkAsync(TrackedFile file, long length, CancellationToken cancellationToken)
    {
        if (file.Parser is null && !CreateParser(file, length))
        {
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(_options.ChunkBytes);
        try
        {
            var stream = file.Stream!;
            stream.Position = file.Position;
            var filled = 0;
            int read;
            while (filled < _options.ChunkBytes && (read = await stream.ReadAsync(buffer.AsMemory(filled, _options.ChunkBytes - filled), cancellationToken).ConfigureAwait(false)) > 0)
            {
                filled += read;
            }

            if (filled == 0)
            {
                return false;
            }

            _sink.Begin(_newAggregator(), file.ReplayUntil);
            var start = 0;
            var lines = 0L;
            while (true)
            {
                var newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n');
                if (newline < 0)
                {
                    break;
                }

                var lineStart = file.Position + start;
                var line = buffer.AsSpan(start, newline);
                start += newline + 1;
                var lineEnd = file.Position + start;
                lines++;
                if (file.SkippingLongLine || file.StartedMidFile)
                {
                    file.SkippingLongLine = false;
                    file.StartedMidFile = false;
                    continue;
                }

                ParseLine(file, line, lineStart, lineEnd);
            }

            if (start == 0 && filled == _options.ChunkBytes)
            {
                // No newline in a whole chunk: a runaway line. Drop it up to the next newline.
                file.SkippingLongLine = true;
                start = filled;
                file.Context!.Problem(file.LineNumber + 1, "line too long, skipped", $"more than {_options.ChunkBytes} bytes without a newline");
            }

            file.Position += start;
            file.Offset = Math.Max(file.Offset, file.Position);
            if (file.Position >= file.ReplayUntil)
            {
                file.ReplayUntil = 0;
            }

            file.Backlog = Math.Max(0, length - file.Position);
            ExporterMetrics.LinesRead.Add(lines);
            LinesRead += lines;
            await SendAsync(file, EndStep(file), removed: false, cancellationToken).ConfigureAwait(false);
            return start > 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ParseLine(TrackedFile file, Span<byte> line, long lineStart, long lineEnd)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (lineStart == 0 && line.StartsWith("\uFEFF"u8))
        {
            line = line[3..];
        }

        var replaying = lineEnd <= file.ReplayUntil;
        if (!replaying)
        {
            file.LineNumber++;
        }

        if (line.Length > LineReader.MaxLineBytes)
        {
            if (!replaying)
            {
                file.Context!.Problem(file.LineNumber, "line too long, skipped", $"{line.Length} bytes");
            }

            return;
        }

        _sink.LineEnd = lineEnd;
        file.Parser!.ParseLine(line, file.LineNumber);
    }

    private bool CreateParser(TrackedFile file, long length)
    {
        var format = _format;
        if (format is null)
        {
            var sample = ReadSample(file.Stream!);
            if (sample.Count == 0 || (sample.Count < 20 && length < 64 * 1024 && !file.Finished))
            {
                if (sample.Count == 0)
                {
                    return false; // Empty so far: wait for lines to detect the format.
                }
            }

            (format, var reason) = FormatDetector.Detect(sample, LogFormats.All);
            if (format is null)
            {
                if (sample.Count >= 20 || length >= 64 * 1024)
                {
                    file.Unsupported = true;
                    Log.ReadFailed(_logger, file.Path, reason ?? "unknown log format");
                }

                return false;
            }
        }

        var options = _parseOptions with { LastModified = _parseOptions.LastModified ?? DateTimeOffset.UtcNow };
        file.Context = new ParseContext(file.Path, _sink, options);
        file.Parser = format.CreateParser(file.Context);
        return true;
    }

    private static List<string> ReadSample(FileStream stream)
    {
        var buffer = new byte[64 * 1024];
        stream.Position = 0;
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = stream.Read(buffer, filled, buffer.Length - filled)) > 0)
        {
            filled += read;
        }

        var text = Encoding.UTF8.GetString(buffer, 0, filled);
        var lastNewline = text.LastIndexOf('\n');
        return lastNewline < 0
            ? []
            : text[..lastNewline].Split('\n').Select(l => l.TrimEnd('\r').TrimStart('\uFEFF')).Where(l => l.Length > 0).Take(FormatDetector.SampleLines).ToList();
    }

    private async Task CompleteParserAsync(TrackedFile file, CancellationToken cancellationToken)
    {
        if (file.Parser is null)
        {
            return;
        }

        _sink.Begin(_newAggregator(), 0);
        _sink.LineEnd = long.MaxValue;
        file.Parser.Complete();
        file.Parser = null;
        file.Context = null;
        await SendAsync(file, EndStep(file), removed: false, cancellationToken).ConfigureAwait(false);
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

    private static bool EndsWithNewline(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length == 0)
        {
            return true;
        }

        stream.Position = stream.Length - 1;
        return stream.ReadByte() == '\n';
    }

    private static DateTime SafeWriteTime(string path)
    {
        try
        {
            return File.GetLastWriteTimeUtc(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DateTime.MinValue;
        }
    }

    private sealed class TrackedFile(FileIdentity identity, string path) : IDisposable
    {
        public FileIdentity Identity { get; } = identity;
        public string Path { get; set; } = path;
        public FileStream? Stream { get; set; }

        /// <summary>Consumed offset: just after the last complete line whose records were handed on.</summary>
        public long Offset { get; set; }

        /// <summary>Next byte to read (below <see cref="Offset"/> while replaying after a restart).</summary>
        public long Position { get; set; }

        /// <summary>Records completed by lines ending at or before this offset were counted before the restart.</summary>
        public long ReplayUntil { get; set; }

        public long LineNumber { get; set; }
        public DateTimeOffset? Latest { get; set; }
        public long Backlog { get; set; }
        public long LastGrowth { get; set; }
        public bool Finished { get; set; }
        public bool Unsupported { get; set; }
        public bool SkippingLongLine { get; set; }
        public bool StartedMidFile { get; set; }
        public ILogParser? Parser { get; set; }
        public ParseContext? Context { get; set; }

        public void Dispose()
        {
            Stream?.Dispose();
            Stream = null;
        }
    }
}
