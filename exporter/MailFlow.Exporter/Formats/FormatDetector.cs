using System.Globalization;
using System.Text;
using MailFlow.Exporter.Formats.Syslog;
using MailFlow.Exporter.Input;

namespace MailFlow.Exporter.Formats;

/// <summary>What detection made of an input's first bytes.</summary>
/// <param name="Format">The format chosen, or null.</param>
/// <param name="Reason">Why none was chosen, or null.</param>
/// <param name="NeedsMore">True when more of the input may decide (it looks like a combined syslog without mail lines so far).</param>
public readonly record struct Detection(ILogFormat? Format, string? Reason, bool NeedsMore);

/// <summary>Chooses the format of an input from its first lines.</summary>
public static class FormatDetector
{
    /// <summary>Lines sampled for detection.</summary>
    public const int SampleLines = 200;

    /// <summary>A format must be at least this sure to be chosen.</summary>
    public const double MinimumConfidence = 0.3;

    /// <summary>Bytes read first: the sample's lines come from here.</summary>
    public const int HeadBytes = 64 * 1024;

    /// <summary>
    /// Bytes searched at most for the first mail lines of a combined syslog (<c>/var/log/syslog</c>,
    /// <c>/var/log/messages</c>), where cron, kernel and other daemons' lines may come long before the first
    /// mail server's line. 32 MiB is some 200,000 syslog lines.
    /// </summary>
    public const int ScanBytes = 32 * 1024 * 1024;

    /// <summary>The best format for the sample, or null with the reason when none fits.</summary>
    public static (ILogFormat? Format, string? Reason) Detect(IReadOnlyList<string> sample, IReadOnlyList<ILogFormat> formats)
    {
        if (sample.Count == 0)
        {
            return (null, "empty input");
        }

        ILogFormat? best = null;
        var bestScore = 0.0;
        foreach (var format in formats)
        {
            var score = format.Detect(sample);
            if (score > bestScore)
            {
                best = format;
                bestScore = score;
            }
        }

        return bestScore >= MinimumConfidence
            ? (best, null)
            : (null, $"unknown log format (expected one of: {string.Join(", ", formats.Select(f => f.Name))}; use --format to choose)");
    }

    /// <summary>
    /// Detects the format from an input's first bytes: from its first <see cref="SampleLines"/> lines; failing
    /// that, when they are syslog lines, from the first lines of a mail server found anywhere in
    /// <paramref name="head"/> (a combined syslog). Asks for more (up to <see cref="ScanBytes"/>) when
    /// <paramref name="head"/> is not the whole input and no mail line was found yet.
    /// </summary>
    /// <param name="head">The input's first bytes (decompressed).</param>
    /// <param name="wholeInput">True when <paramref name="head"/> is all of the input.</param>
    public static Detection Detect(ReadOnlySpan<byte> head, bool wholeInput, IReadOnlyList<ILogFormat> formats)
    {
        var sample = new List<string>();
        var syslogLines = 0;
        foreach (var line in new SampleReader(head, wholeInput))
        {
            sample.Add(Encoding.UTF8.GetString(line));
            syslogLines += SyslogParser.TryParse(line, out _) ? 1 : 0;
            if (sample.Count >= SampleLines)
            {
                break;
            }
        }

        var (format, reason) = Detect(sample, formats);
        if (format is not null)
        {
            return new Detection(format, null, false);
        }

        var canReadMore = !wholeInput && head.Length < ScanBytes;
        if (sample.Count == 0)
        {
            // Nothing but blank lines and NULs (a file a crash left unwritten) so far.
            return new Detection(null, head.Trim((byte)0).IsEmpty && !head.IsEmpty ? "no text, only NUL bytes" : reason, canReadMore);
        }

        var syslogFormats = formats.OfType<ISyslogFormat>().ToList();
        if (syslogLines * 2 < sample.Count || syslogFormats.Count == 0)
        {
            return new Detection(null, reason, false);
        }

        // Mostly syslog: a combined log. Its other daemons' lines say nothing; the first mail lines decide.
        var mail = new List<string>();
        foreach (var line in new SampleReader(head, wholeInput))
        {
            if (SyslogParser.TryParse(line, out var syslog) && IsMailProgram(syslogFormats, syslog.Program))
            {
                mail.Add(Encoding.UTF8.GetString(line));
                if (mail.Count >= SampleLines)
                {
                    break;
                }
            }
        }

        if (mail.Count > 0)
        {
            (format, _) = Detect(mail, syslogFormats);
            if (format is not null)
            {
                return new Detection(format, null, false);
            }
        }

        var names = string.Join(", ", syslogFormats.Select(f => f.Name));
        var searched = wholeInput ? "" : string.Create(CultureInfo.InvariantCulture, $" in its first {head.Length / (1024 * 1024.0):0.#} MiB");
        return new Detection(null, $"unknown log format: syslog lines, but none of a mail server ({names}){searched}; use --format to choose", canReadMore);
    }

    private static bool IsMailProgram(List<ISyslogFormat> formats, ReadOnlySpan<byte> program)
    {
        foreach (var format in formats)
        {
            if (format.IsOwnProgram(program))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The non-empty lines of a head as UTF-8 bytes: CR, BOM and NUL damage removed, a cut last line left out.</summary>
    private ref struct SampleReader(ReadOnlySpan<byte> head, bool wholeInput)
    {
        private readonly ReadOnlySpan<byte> _head = head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? head[3..] : head;
        private LineSplitter _lines = new(head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? head[3..] : head);
        private bool _tailDone = !wholeInput;

        public ReadOnlySpan<byte> Current { get; private set; }

        public readonly SampleReader GetEnumerator() => this;

        public bool MoveNext()
        {
            while (true)
            {
                ReadOnlySpan<byte> line;
                if (_lines.TryNext(out var next, out var hasNul))
                {
                    line = hasNul ? next[(next.LastIndexOf((byte)0) + 1)..] : next;
                }
                else if (!_tailDone)
                {
                    _tailDone = true;
                    var tail = _head[_lines.Consumed..];
                    line = tail[(tail.LastIndexOf((byte)0) + 1)..];
                }
                else
                {
                    return false;
                }

                line = line.TrimEnd((byte)'\r');
                if (!line.Trim((byte)' ').IsEmpty)
                {
                    Current = line;
                    return true;
                }
            }
        }
    }
}
