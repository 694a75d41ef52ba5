using System.Globalization;
using System.Text;
using MailFlow.Testing;

namespace MailFlow.Exporter.Tests.Support;

/// <summary>
/// The real Postfix corpus as a crash or a combined syslog leaves it, written from the corpus's own lines. Where
/// the damage goes is chosen so that it touches no message: the corpus's known totals (PostfixCorpusTests.cs:
/// 178 messages; inbound TLS1.2 78, TLS1.3 63, none 18; submission TLS1.3 16; outbound TLS1.3 3) stay exact.
/// </summary>
public static class DamagedLogs
{
    /// <summary>Lines of the corpus (PostfixCorpusTests.cs).</summary>
    public const int CorpusLines = 69_861;

    /// <summary>Corpus lines of amavis, the only program other than Postfix in it: <c>awk '$3 !~ /^postfix/' x | wc -l</c>.</summary>
    public const int CorpusOtherProgramLines = 272;

    /// <summary>The file line of the NUL-only line (inserted after corpus line 300).</summary>
    public const int NulOnlyLine = 301;

    /// <summary>The file line holding the cut line, the NUL block and the next line glued to it (see <see cref="WriteCrashDamagedCorpus"/>).</summary>
    public const int NulBlockLine = 35_005;

    /// <summary>Bytes of the NUL block in the middle.</summary>
    public const int NulBlockBytes = 4096;

    /// <summary>
    /// The corpus with two crash marks:
    /// <list type="bullet">
    /// <item>after line 300 a line of 4 NULs (an unwritten block between two complete lines). Lines 296-305 are a
    /// postscreen probe and a TLS session of host1.uhu-banane.de that sends no mail (ehlo starttls quit): no
    /// message nearby, and a NUL-only line takes no text away anyway. It is file line 301.</item>
    /// <item>corpus line 35,004 (postscreen "PREGREET", which no count reads) cut after 60 bytes, then 4,096 NULs,
    /// then corpus line 35,005 (postscreen "DNSBL rank") glued to them, as syslog writes on after a restart. One
    /// file line (35,005: +1 for the NUL line, -1 for the two lines merged), its text after the NULs read.</item>
    /// </list>
    /// So the file has <see cref="CorpusLines"/> lines, two of them damaged, and every message of the corpus.
    /// </summary>
    public static string WriteCrashDamagedCorpus(string directory, string name = "crashed-mail.log")
    {
        var lines = File.ReadAllLines(RepoPaths.PostfixCorpus, Latin1);
        Assert.Equal(CorpusLines, lines.Length);
        Assert.Contains("postfix/postscreen[", lines[35_003], StringComparison.Ordinal);
        Assert.Contains("postfix/postscreen[", lines[35_004], StringComparison.Ordinal);
        var path = Path.Combine(directory, name);
        using var output = new StreamWriter(path, append: false, Latin1) { NewLine = "\n" };
        for (var i = 0; i < lines.Length; i++)
        {
            if (i == 300)
            {
                output.WriteLine("\0\0\0\0");
            }

            if (i == 35_003)
            {
                output.Write(lines[i][..60]);
                output.Write(new string('\0', NulBlockBytes));
                continue; // Line 35,005 of the corpus follows on the same line.
            }

            output.WriteLine(lines[i]);
        }

        return path;
    }

    /// <summary>
    /// <paramref name="otherLines"/> lines of cron, kernel and systemd (as in /var/log/syslog), then the corpus:
    /// a combined syslog whose first mail line comes late. The corpus's timestamps and host are kept.
    /// </summary>
    public static string WriteCombinedSyslog(string directory, int otherLines, bool withCorpus = true, string name = "syslog")
    {
        var path = Path.Combine(directory, name);
        using (var output = new StreamWriter(path, append: false, Latin1) { NewLine = "\n" })
        {
            foreach (var line in OtherProgramLines(otherLines))
            {
                output.WriteLine(line);
            }
        }

        if (withCorpus)
        {
            using var append = new FileStream(path, FileMode.Append);
            using var corpus = File.OpenRead(RepoPaths.PostfixCorpus);
            corpus.CopyTo(append);
        }

        return path;
    }

    /// <summary>Syslog lines of other daemons, one a second before the corpus's first line (2023-03-14T00:00 +01:00).</summary>
    public static IEnumerable<string> OtherProgramLines(int count)
    {
        var start = new DateTimeOffset(2023, 3, 13, 22, 0, 0, TimeSpan.FromHours(1));
        for (var i = 0; i < count; i++)
        {
            var time = start.AddSeconds(i).ToString("yyyy-MM-ddTHH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);
            yield return (i % 3) switch
            {
                0 => $"{time} helga CRON[{1000 + i}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
                1 => $"{time} helga kernel: [{i}.123456] [UFW BLOCK] IN=eth0 OUT= MAC=96:00:01:2b:c8:aa SRC=192.0.2.{i % 250} DST=188.34.187.246 PROTO=TCP DPT=23",
                _ => $"{time} helga systemd[1]: Started session-{i}.scope - Session {i} of User root.",
            };
        }
    }

    // Latin-1 maps every byte to one char and back: the corpus's few invalid UTF-8 bytes stay as they are.
    private static readonly Encoding Latin1 = Encoding.Latin1;
}
