using System.Buffers;
using MailFlow.Exporter.Formats;

namespace MailFlow.Exporter.Input;

/// <summary>
/// Splits a byte stream into lines (LF or CRLF) and hands each to a parser as a span, without allocating per line.
/// Lines longer than <see cref="MaxLineBytes"/> are reported and skipped whole; lines with invalid UTF-8 are
/// counted and still parsed (their good bytes may carry a message); lines with NUL bytes are reported and the
/// text after their NULs is parsed (<see cref="LineChecks"/>).
/// </summary>
public sealed class LineReader
{
    /// <summary>Longest line accepted. Real mail log lines stay under a few KiB; longer ones are garbage or truncation.</summary>
    public const int MaxLineBytes = 64 * 1024;

    private const int BufferBytes = 1024 * 1024;

    private readonly LineChecks _checks;

    public LineReader(ParseContext context, ILogParser parser)
    {
        _checks = new LineChecks(context, parser, Stats);
    }

    public LineStats Stats { get; } = new();

    /// <summary>Called after each buffer with the total bytes read so far (for progress displays).</summary>
    public Action<long>? Progress { get; init; }

    /// <summary>
    /// Reads the stream to its end. With <paramref name="includeUnterminatedLastLine"/> false (tailing), a last
    /// line without a newline is not parsed and the returned count excludes it, so a follower can resume there.
    /// </summary>
    /// <returns>Bytes consumed up to and including the last complete line handed to the parser.</returns>
    public long ReadToEnd(Stream stream, bool includeUnterminatedLastLine = true, CancellationToken cancellationToken = default)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            var filled = 0;
            var skippingLongLine = false;
            long consumed = 0;
            int read;
            while ((read = stream.Read(buffer, filled, buffer.Length - filled)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Stats.Bytes += read;
                filled += read;
                var lines = new LineSplitter(buffer.AsSpan(0, filled));
                while (lines.TryNext(out var line, out var hasNul))
                {
                    if (skippingLongLine)
                    {
                        skippingLongLine = false;
                        Stats.Lines++;
                    }
                    else
                    {
                        var number = ++Stats.Lines;
                        _checks.Feed(line, hasNul, number, number == 1);
                    }
                }

                var start = lines.Consumed;
                consumed += start;
                var pending = filled - start;
                if (pending > MaxLineBytes && !skippingLongLine)
                {
                    // A NUL block longer than a buffer is dropped as it arrives; the text after it stays this line's.
                    var dropped = _checks.DropThroughLastNul(buffer.AsSpan(start, pending));
                    start += dropped;
                    consumed += dropped;
                    pending -= dropped;
                }

                if (pending > MaxLineBytes)
                {
                    if (!skippingLongLine)
                    {
                        _checks.ReportTooLong(Stats.Lines + 1, pending);
                    }

                    // The rest of this line is dropped as it arrives; the next newline ends it.
                    skippingLongLine = true;
                    consumed += pending;
                    pending = 0;
                    start = filled;
                }

                if (pending > 0 && start > 0)
                {
                    buffer.AsSpan(start, pending).CopyTo(buffer);
                }

                filled = pending;
                Progress?.Invoke(Stats.Bytes);
            }

            if (filled > 0 && includeUnterminatedLastLine && !skippingLongLine)
            {
                var number = ++Stats.Lines;
                var line = buffer.AsSpan(0, filled);
                _checks.Feed(line, line.Contains((byte)0), number, number == 1);
                consumed += filled;
            }
            else if (skippingLongLine && includeUnterminatedLastLine)
            {
                Stats.Lines++;
            }

            return consumed;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
