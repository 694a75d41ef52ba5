using System.Text;

namespace MailFlow.Exporter.Formats.Syslog;

/// <summary>Decides whether a syslog program name belongs to a mail server.</summary>
public delegate bool ProgramPredicate(ReadOnlySpan<byte> program);

/// <summary>Format detection for syslog-based formats.</summary>
public static class SyslogDetection
{
    /// <summary>
    /// Scores a sample: 0 when no line is syslog from one of the programs; otherwise the share of syslog lines,
    /// raised by the share of lines from the programs (a mail.log often mixes in IMAP and filter daemons).
    /// </summary>
    public static double Score(IReadOnlyList<string> sample, ProgramPredicate isOwnProgram)
    {
        if (sample.Count == 0)
        {
            return 0;
        }

        var syslog = 0;
        var own = 0;
        Span<byte> buffer = stackalloc byte[2048];
        foreach (var text in sample)
        {
            if (Encoding.UTF8.GetMaxByteCount(text.Length) > buffer.Length && Encoding.UTF8.GetByteCount(text) > buffer.Length)
            {
                continue;
            }

            var length = Encoding.UTF8.GetBytes(text, buffer);
            if (!SyslogParser.TryParse(buffer[..length], out var line))
            {
                continue;
            }

            syslog++;
            if (isOwnProgram(line.Program))
            {
                own++;
            }
        }

        if (own == 0)
        {
            return 0;
        }

        var syslogShare = (double)syslog / sample.Count;
        var ownShare = (double)own / syslog;
        return syslogShare * (0.6 + (0.4 * ownShare));
    }
}
