using System.Buffers;
using System.Text.Unicode;
using MailFlow.Exporter.Formats;

namespace MailFlow.Exporter.Input;

/// <summary>Counts kept while reading one input.</summary>
public sealed class LineStats
{
    public long Lines { get; set; }
    public long Bytes { get; set; }
    public long InvalidUtf8Lines { get; set; }
    public long TooLongLines { get; set; }
}

/// <summary>
/// Splits a byte stream into lines (LF or CRLF) and hands each to a parser as a span, without allocating per line.
/// Lines longer than <see cref="MaxLineBytes"/> are reported and skipped whole; lines with invalid UTF-8 are
/// counted and still parsed (their good bytes may carry a message).
/// </summary>
public sealed class LineReader
{
    /// <summary>Longest line accepted. Real mail log lines stay under a few KiB; longer ones are garbage or truncation.</summary>
    public const int MaxLineBytes = 64 * 1024;

    private const int BufferBytes = 1024 * 1024;
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private readonly ParseContext _context;
    private readonly ILogParser _parser;

    public LineReader(ParseContext context, ILogParser parser)
    {
        _context = context;
        _parser = parser;
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
                var start = 0;
                while (true)
                {
                    var newline = buffer.AsSpan(start, filled - start).IndexOf((byte)'\n');
                    if (newline < 0)
                    {
                        break;
                    }

                    var lineLength = newline;
                    if (skippingLongLine)
                    {
                        skippingLongLine = false;
                        Stats.Lines++;
                    }
                    else
                    {
                        Emit(buffer.AsSpan(start, lineLength));
                    }

                    start += newline + 1;
                    consumed += newline + 1;
                }

                var pending = filled - start;
                if (pending > MaxLineBytes)
                {
                    if (!skippingLongLine)
                    {
                        ReportTooLong(Stats.Lines + 1, pending);
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
                Emit(buffer.AsSpan(0, filled));
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

    private void Emit(Span<byte> line)
    {
        var number = ++Stats.Lines;
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (number == 1 && line.StartsWith(Utf8Bom))
        {
            line = line[3..];
        }

        if (line.Length > MaxLineBytes)
        {
            ReportTooLong(number, line.Length);
            return;
        }

        if (!Utf8.IsValid(line))
        {
            Stats.InvalidUtf8Lines++;
            if (Stats.InvalidUtf8Lines <= Aggregation.ProblemLog.ExamplesPerReason)
            {
                _context.Problem(number, "invalid UTF-8", "the line is still parsed; invalid bytes read as U+FFFD", Records.ProblemSeverity.Notice);
            }
        }

        _parser.ParseLine(line, number);
    }

    private void ReportTooLong(long lineNumber, long length)
    {
        Stats.TooLongLines++;
        _context.Problem(lineNumber, "line too long, skipped", string.Create(System.Globalization.CultureInfo.InvariantCulture, $"more than {MaxLineBytes} bytes ({length} read)"));
    }
}
