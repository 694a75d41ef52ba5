using System.Globalization;
using System.Text.Unicode;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Formats.Text;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Input;

/// <summary>
/// Splits a buffer into LF-terminated lines and says for each whether it holds a NUL byte. The NUL search is one
/// vectorised pass over the buffer, so clean lines cost nothing extra. Shared by batch reading and tailing.
/// </summary>
public ref struct LineSplitter
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _start;
    private int _nextNul;

    public LineSplitter(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _nextNul = NulFrom(buffer, 0);
    }

    /// <summary>Bytes of the buffer up to and including the last complete line returned.</summary>
    public readonly int Consumed => _start;

    /// <summary>The next complete line (without its LF), or false when only an unterminated tail is left.</summary>
    public bool TryNext(out ReadOnlySpan<byte> line, out bool hasNul)
    {
        var newline = _buffer[_start..].IndexOf((byte)'\n');
        if (newline < 0)
        {
            line = default;
            hasNul = false;
            return false;
        }

        var end = _start + newline;
        line = _buffer[_start..end];
        hasNul = _nextNul < end;
        _start = end + 1;
        if (hasNul)
        {
            _nextNul = NulFrom(_buffer, _start);
        }

        return true;
    }

    private static int NulFrom(ReadOnlySpan<byte> buffer, int start)
    {
        var at = buffer[start..].IndexOf((byte)0);
        return at < 0 ? int.MaxValue : start + at;
    }
}

/// <summary>Counts kept while reading one input.</summary>
public sealed class LineStats
{
    public long Lines { get; set; }
    public long Bytes { get; set; }
    public long InvalidUtf8Lines { get; set; }
    public long TooLongLines { get; set; }

    /// <summary>Lines holding NUL bytes (unwritten blocks left by a crash); counted as not understood.</summary>
    public long NulLines { get; set; }

    /// <summary>Syslog lines of programs other than the format's mail server (cron, kernel...): skipped quietly.</summary>
    public long OtherProgramLines { get; set; }
}

/// <summary>
/// What every line goes through before its parser sees it, in batch reading and tailing alike: CR and (first
/// line) BOM removed, over-long lines skipped, NUL damage reported, invalid UTF-8 noted.
/// <para>
/// NUL bytes: after a crash a syslog file often holds blocks of NULs where the last writes were lost, glued to
/// the start of the next line written after the restart. Such a line is reported once as "NUL bytes" (a line
/// not understood, with its place); the text after its last NUL is what was written after the restart and is
/// parsed like any line, while text before its first NUL is a line cut by the crash and is dropped.
/// </para>
/// </summary>
public sealed class LineChecks(ParseContext context, ILogParser parser, LineStats stats)
{
    /// <summary>The reason given for a line holding NUL bytes.</summary>
    public const string NulReason = "NUL bytes (a crash left unwritten blocks)";

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private long _carriedNuls;
    private bool _carriedCutText;

    public LineStats Stats => stats;

    /// <summary>Checks one line (without its LF) and hands what is readable of it to the parser.</summary>
    /// <param name="firstOfInput">True for the input's first line (a BOM may start it).</param>
    public void Feed(ReadOnlySpan<byte> line, bool hasNul, long number, bool firstOfInput)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (firstOfInput && line.StartsWith(Utf8Bom))
        {
            line = line[3..];
        }

        if (hasNul || _carriedNuls > 0)
        {
            line = RecoverAfterNuls(line, hasNul, number);
            if (line.IsEmpty)
            {
                return;
            }
        }

        if (line.Length > LineReader.MaxLineBytes)
        {
            ReportTooLong(number, line.Length);
            return;
        }

        if (!Utf8.IsValid(line))
        {
            stats.InvalidUtf8Lines++;
            if (stats.InvalidUtf8Lines <= Aggregation.ProblemLog.ExamplesPerReason)
            {
                context.Problem(number, "invalid UTF-8", "the line is still parsed; invalid bytes read as U+FFFD", ProblemSeverity.Notice);
            }
        }

        parser.ParseLine(line, number);
    }

    /// <summary>
    /// A line's unterminated part grew past what a buffer holds: when it holds NULs, drops it up to its last NUL
    /// (remembered for the line's report) so that a NUL block of any size does not make the line "too long".
    /// </summary>
    /// <returns>Bytes dropped from the start of <paramref name="partial"/> (0 when it holds no NUL).</returns>
    public int DropThroughLastNul(ReadOnlySpan<byte> partial)
    {
        var lastNul = partial.LastIndexOf((byte)0);
        if (lastNul < 0)
        {
            return 0;
        }

        if (_carriedNuls == 0)
        {
            _carriedCutText = partial[0] != 0;
        }

        _carriedNuls += partial[..(lastNul + 1)].Count((byte)0);
        return lastNul + 1;
    }

    /// <summary>Reports a line longer than <see cref="LineReader.MaxLineBytes"/>, skipped.</summary>
    public void ReportTooLong(long lineNumber, long length)
    {
        _carriedNuls = 0;
        _carriedCutText = false;
        stats.TooLongLines++;
        context.Problem(lineNumber, "line too long, skipped", string.Create(CultureInfo.InvariantCulture, $"more than {LineReader.MaxLineBytes} bytes ({length} read)"));
    }

    private ReadOnlySpan<byte> RecoverAfterNuls(ReadOnlySpan<byte> line, bool hasNul, long number)
    {
        var carried = _carriedNuls > 0;
        var firstNul = hasNul ? line.IndexOf((byte)0) : -1;
        var nuls = _carriedNuls + (hasNul ? line.Count((byte)0) : 0);
        var cutText = carried ? _carriedCutText : firstNul > 0;
        _carriedNuls = 0;
        _carriedCutText = false;
        var after = hasNul ? line[(line.LastIndexOf((byte)0) + 1)..] : line;
        var recovered = !after.Trim((byte)' ').IsEmpty;
        stats.NulLines++;
        var detail = string.Create(CultureInfo.InvariantCulture, $"{nuls:N0} NUL bytes")
            + (cutText ? "; the text before them was cut off" + (carried ? "" : ": " + Utf8Text.Excerpt(line[..firstNul])) : "")
            + (recovered ? "; the text after them was read" : "; no text after them");
        context.Problem(number, NulReason, detail);
        return recovered ? after : default;
    }
}
