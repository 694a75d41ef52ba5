using System.Buffers;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Telemetry;
using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Tailing;

/// <summary>
/// Reads what a followed file gained, on the input layer batch reading uses: its format is chosen by
/// <see cref="FormatDetector"/>, complete lines are split by <see cref="LineSplitter"/> and checked by
/// <see cref="LineChecks"/>, and their records go to the follower's sink.
/// </summary>
/// <param name="format">The format given by the user, or null to detect each file's.</param>
internal sealed class FollowReader(FollowOptions options, ParseOptions parseOptions, ILogFormat? format, FollowSink sink, Func<IPointAggregator> newAggregator, ILogger logger)
{
    /// <summary>Lines read so far (replayed lines included).</summary>
    public long LinesRead { get; private set; }

    /// <summary>Syslog lines of other programs skipped by parsers already completed.</summary>
    public long OtherProgramLinesOfPastParsers { get; private set; }

    /// <summary>
    /// Reads and parses the next chunk of <paramref name="file"/> from its position, into a new step of the sink
    /// (the caller ends it). Null when nothing was read: no format yet, or no bytes; else the bytes consumed
    /// (whole lines; 0 when no line was complete).
    /// </summary>
    public async Task<long?> ReadChunkAsync(TrackedFile file, long length, CancellationToken cancellationToken)
    {
        if (file.Parser is null && !CreateParser(file, length))
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(options.ChunkBytes);
        try
        {
            var stream = file.Stream!;
            stream.Position = file.Position;
            var filled = 0;
            int read;
            while (filled < options.ChunkBytes && (read = await stream.ReadAsync(buffer.AsMemory(filled, options.ChunkBytes - filled), cancellationToken).ConfigureAwait(false)) > 0)
            {
                filled += read;
            }

            if (filled == 0)
            {
                return null;
            }

            if (file.Position == 0 && (file.Head is null || file.Head.Length < Math.Min(filled, CopyDetector.HeadBytes)))
            {
                file.Head = buffer.AsSpan(0, Math.Min(filled, CopyDetector.HeadBytes)).ToArray();
            }

            sink.Begin(newAggregator(), file.ReplayUntil);
            var splitter = new LineSplitter(buffer.AsSpan(0, filled));
            var lines = 0L;
            var lineStart = file.Position;
            while (splitter.TryNext(out var line, out var hasNul))
            {
                var lineEnd = file.Position + splitter.Consumed;
                lines++;
                if (file.SkippingLongLine || file.StartedMidFile)
                {
                    file.SkippingLongLine = false;
                    file.StartedMidFile = false;
                }
                else
                {
                    ParseLine(file, line, hasNul, lineStart, lineEnd);
                }

                lineStart = lineEnd;
            }

            var start = splitter.Consumed;
            if (start == 0 && filled == options.ChunkBytes && !file.SkippingLongLine && !file.StartedMidFile)
            {
                // A NUL block longer than a chunk is dropped as it arrives; the text after it stays this line's.
                start = file.Checks!.DropThroughLastNul(buffer.AsSpan(0, filled));
            }

            if (start == 0 && filled == options.ChunkBytes)
            {
                // No newline in a whole chunk: a runaway line. Drop it up to the next newline.
                file.SkippingLongLine = true;
                start = filled;
                file.Context!.Problem(file.LineNumber + 1, "line too long, skipped", $"more than {options.ChunkBytes} bytes without a newline");
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
            return start;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ParseLine(TrackedFile file, ReadOnlySpan<byte> line, bool hasNul, long lineStart, long lineEnd)
    {
        // Lines before the checkpoint's offset rebuild session state: they keep their numbers from before the
        // restart uncounted, and the sink drops what they would report again.
        if (lineEnd > file.ReplayUntil)
        {
            file.LineNumber++;
        }

        sink.LineEnd = lineEnd;
        file.Checks!.Feed(line, hasNul, file.LineNumber, lineStart == 0);
    }

    private bool CreateParser(TrackedFile file, long length)
    {
        var detected = format;
        if (detected is null)
        {
            if (length <= file.DetectionTriedAt)
            {
                return false; // Nothing new since the last try.
            }

            file.DetectionTriedAt = length;
            var head = ReadForDetection(file.Stream!, (int)Math.Min(length, FormatDetector.ScanBytes));
            var detection = FormatDetector.Detect(head, wholeInput: false, LogFormats.All);
            detected = detection.Format;
            if (detected is null)
            {
                // Wait for more lines unless the file already says enough: a combined syslog is searched for its
                // first mail line up to the detection budget; other text is judged from 20 lines or 64 KiB.
                if (!detection.NeedsMore && (length >= FormatDetector.HeadBytes || head.AsSpan().Count((byte)'\n') >= 20))
                {
                    file.Unsupported = true;
                    Log.ReadFailed(logger, file.Path, detection.Reason ?? "unknown log format");
                }

                return false;
            }
        }

        file.Context = new ParseContext(file.Path, sink, parseOptions);
        file.Parser = detected.CreateParser(file.Context);
        file.Checks = new LineChecks(file.Context, file.Parser, file.Stats);
        return true;
    }

    private static byte[] ReadForDetection(FileStream stream, int length)
    {
        var buffer = new byte[length];
        stream.Position = 0;
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = stream.Read(buffer, filled, buffer.Length - filled)) > 0)
        {
            filled += read;
        }

        return filled == length ? buffer : buffer[..filled];
    }

    /// <summary>Completes the file's parser (its open sessions end) into a new step of the sink; false when it had none.</summary>
    public bool CompleteParser(TrackedFile file)
    {
        if (file.Parser is null)
        {
            return false;
        }

        sink.Begin(newAggregator(), 0);
        sink.LineEnd = long.MaxValue;
        file.Parser.Complete();
        OtherProgramLinesOfPastParsers += file.Context!.OtherProgramLines;
        file.Parser = null;
        file.Context = null;
        file.Checks = null;
        return true;
    }
}
