using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Input;

/// <summary>What reading one input gave.</summary>
/// <param name="Source">The input.</param>
/// <param name="Format">The format used, or null when the input could not be read.</param>
/// <param name="Lines">Line counts.</param>
/// <param name="Error">Why nothing could be read, or null.</param>
public sealed record InputResult(InputSource Source, string? Format, LineStats Lines, string? Error);

/// <summary>Reads one input end to end: open, decompress, detect the format, parse every line into a sink.</summary>
public static class InputProcessor
{
    /// <summary>
    /// Processes one input. Never throws for bad input: an unreadable file, an unknown format or binary data is
    /// reported to the sink as an error problem and returned in <see cref="InputResult.Error"/>.
    /// </summary>
    public static InputResult Process(InputSource source, IRecordSink sink, ParseOptions options, ILogFormat? forcedFormat = null, Action<long>? rawProgress = null, CancellationToken cancellationToken = default)
    {
        var stats = new LineStats();
        OpenedInput opened;
        try
        {
            opened = OpenedInput.Open(source, detect: forcedFormat is null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return Fail(source, sink, stats, $"cannot read: {e.Message}");
        }

        using (opened)
        {
            if (opened.LooksBinary)
            {
                return Fail(source, sink, stats, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"binary data, not a text log (over {OpenedInput.BinaryShare:P0} control bytes in its first {OpenedInput.SampleBytes / 1024} KiB)"));
            }

            var format = forcedFormat;
            if (format is null)
            {
                format = opened.Detection.Format;
                if (format is null)
                {
                    return Fail(source, sink, stats, opened.Detection.Reason ?? "unknown log format");
                }
            }

            var context = new ParseContext(source.DisplayName, sink, options with { LastModified = options.LastModified ?? source.LastModified });
            var parser = format.CreateParser(context);
            var reader = new LineReader(context, parser)
            {
                Progress = rawProgress is null ? null : _ => rawProgress(opened.RawBytesRead),
            };
            try
            {
                reader.ReadToEnd(opened.Content, includeUnterminatedLastLine: true, cancellationToken);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // A truncated gzip member or a read error mid-file: keep what was read before it.
                context.Problem(reader.Stats.Lines + 1, "read error, rest of input skipped", e.Message, ProblemSeverity.Error);
            }

            parser.Complete();
            reader.Stats.OtherProgramLines = context.OtherProgramLines;
            return new InputResult(source, format.Name, reader.Stats, null);
        }
    }

    private static InputResult Fail(InputSource source, IRecordSink sink, LineStats stats, string reason)
    {
        sink.OnProblem(new ParseProblem(source.DisplayName, 0, reason, null, ProblemSeverity.Error));
        return new InputResult(source, null, stats, reason);
    }
}
