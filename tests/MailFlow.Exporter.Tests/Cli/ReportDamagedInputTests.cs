using System.IO.Compression;
using System.Text.Json;
using MailFlow.Exporter.Input;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Cli;

/// <summary>
/// The report command on real logs as a crash or a combined syslog leaves them (Support/DamagedLogs.cs): the
/// real program, the real corpus, the corpus's known totals (PostfixCorpusTests.cs).
/// </summary>
public sealed class ReportDamagedInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mailflow-damaged-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement Json(ExporterProcess.Result result)
    {
        Assert.True(result.ExitCode == 0, result.StdErr);
        return JsonDocument.Parse(result.StdOut).RootElement;
    }

    /// <summary>The corpus's totals: inbound TLS1.2 78, TLS1.3 63, none 18; submission TLS1.3 16; outbound TLS1.3 3.</summary>
    private static void AssertCorpusTotals(JsonElement json)
    {
        var directions = json.GetProperty("directions");
        var inbound = directions.GetProperty("inbound");
        Assert.Equal(159, inbound.GetProperty("messages").GetInt64());
        Assert.Equal(78, inbound.GetProperty("tls").GetProperty("TLS1.2").GetInt64());
        Assert.Equal(63, inbound.GetProperty("tls").GetProperty("TLS1.3").GetInt64());
        Assert.Equal(18, inbound.GetProperty("tls").GetProperty("none").GetInt64());
        Assert.Equal(16, directions.GetProperty("submission").GetProperty("tls").GetProperty("TLS1.3").GetInt64());
        Assert.Equal(3, directions.GetProperty("outbound").GetProperty("tls").GetProperty("TLS1.3").GetInt64());
        Assert.Equal(178, json.GetProperty("input").GetProperty("records").GetInt64());
    }

    [Fact]
    public void Report_CorpusWithCrashNuls_CountsEverythingElseAndNamesTheTwoDamagedLines()
    {
        var log = DamagedLogs.WriteCrashDamagedCorpus(_dir);

        var json = Json(ExporterProcess.Run(["report", log, "--output", "json"]));

        AssertCorpusTotals(json);
        var input = json.GetProperty("input");
        Assert.Equal(DamagedLogs.CorpusLines, input.GetProperty("lines").GetInt64());
        Assert.Equal(2, input.GetProperty("linesNotUnderstood").GetInt64());
        var nul = Assert.Single(input.GetProperty("problems").EnumerateArray(), p => p.GetProperty("reason").GetString() == LineChecks.NulReason);
        Assert.Equal(2, nul.GetProperty("count").GetInt64());
        Assert.Equal([DamagedLogs.NulOnlyLine, DamagedLogs.NulBlockLine], nul.GetProperty("examples").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()));
        Assert.All(nul.GetProperty("examples").EnumerateArray(), e => Assert.Equal(log, e.GetProperty("source").GetString()));
        var details = nul.GetProperty("examples").EnumerateArray().Select(e => e.GetProperty("detail").GetString()).ToList();
        Assert.Equal("4 NUL bytes; no text after them", details[0]);
        Assert.StartsWith("4,096 NUL bytes; the text before them was cut off: 2023-03-15T14:12:57.345353+01:00 helga postfix/postsc", details[1], StringComparison.Ordinal);
        Assert.EndsWith("; the text after them was read", details[1], StringComparison.Ordinal);
        // The only other entry is the corpus's invalid UTF-8 notice, one line further down than in the corpus
        // (22,827) because of the NUL line inserted before it.
        var notice = Assert.Single(input.GetProperty("problems").EnumerateArray(), p => p.GetProperty("reason").GetString() != LineChecks.NulReason);
        Assert.Equal(22_828, notice.GetProperty("examples")[0].GetProperty("line").GetInt64());
    }

    [Fact]
    public void Report_CorpusWithCrashNuls_TableNamesFileLineAndReason()
    {
        var log = DamagedLogs.WriteCrashDamagedCorpus(_dir);

        var result = ExporterProcess.Run(["report", log]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"[warning] {LineChecks.NulReason} x2 ({log}:{DamagedLogs.NulOnlyLine}, {log}:{DamagedLogs.NulBlockLine})", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("2 lines not understood", result.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    // 500 lines (about 55 KB) fit in the first 64 KiB read for detection; 5,000 (about 550 KB) make the reader read on.
    [InlineData(500)]
    [InlineData(5_000)]
    public void Report_CorpusBehindOtherDaemonsLines_DetectedAsPostfixWithTheSameTotals(int otherLines)
    {
        var log = DamagedLogs.WriteCombinedSyslog(_dir, otherLines);

        var json = Json(ExporterProcess.Run(["report", log, "--output", "json"]));

        AssertCorpusTotals(json);
        var input = json.GetProperty("input");
        Assert.Equal("postfix", input.GetProperty("files")[0].GetProperty("format").GetString());
        // Other programs: the cron/kernel/systemd lines written before the corpus, and the corpus's amavis lines.
        Assert.Equal(otherLines + DamagedLogs.CorpusOtherProgramLines, input.GetProperty("otherProgramLines").GetInt64());
        Assert.Equal(otherLines + DamagedLogs.CorpusOtherProgramLines, input.GetProperty("files")[0].GetProperty("otherProgramLines").GetInt64());
        Assert.Equal(otherLines + DamagedLogs.CorpusLines, input.GetProperty("lines").GetInt64());
        // Counted, not listed: no problem but the corpus's own invalid UTF-8 notice.
        Assert.Equal(0, input.GetProperty("linesNotUnderstood").GetInt64());
        Assert.Equal(["invalid UTF-8"], input.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("reason").GetString()));
    }

    [Fact]
    public void Report_CombinedSyslogOnStdin_DetectedFromItsFirstMailLines()
    {
        var log = DamagedLogs.WriteCombinedSyslog(_dir, 5_000);

        var json = Json(ExporterProcess.Run(["report", "-", "--output", "json"], stdin: File.ReadAllText(log, System.Text.Encoding.Latin1)));

        Assert.Equal("postfix", json.GetProperty("input").GetProperty("files")[0].GetProperty("format").GetString());
        Assert.Equal(159, json.GetProperty("directions").GetProperty("inbound").GetProperty("messages").GetInt64());
    }

    [Fact]
    public void Report_SyslogWithoutMailLines_UnknownFormatNamingTheFile()
    {
        var log = DamagedLogs.WriteCombinedSyslog(_dir, 5_000, withCorpus: false);

        var result = ExporterProcess.Run(["report", log]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{log}: unknown log format: syslog lines, but none of a mail server (postfix, sendmail); use --format to choose", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_MostlyBinaryFiles_StillRefusedAsBinary()
    {
        // Random bytes: about 12% of them are control bytes (29 of 256 values), far above the 5% allowed.
        var random = Path.Combine(_dir, "random.log");
        var bytes = new byte[200_000];
        new Random(14).NextBytes(bytes);
        File.WriteAllBytes(random, bytes);
        // A zip archive of the corpus renamed .log: deflated data reads like random bytes (not gzip, so not unpacked).
        var zip = Path.Combine(_dir, "archive.log");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            archive.CreateEntryFromFile(MailFlow.Testing.RepoPaths.PostfixCorpus, "mail.log");
        }

        var result = ExporterProcess.Run(["report", random, zip]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{random}: binary data, not a text log", result.StdErr, StringComparison.Ordinal);
        Assert.Contains($"{zip}: binary data, not a text log", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_OnlyNulBytes_RefusedAsNoText()
    {
        // 200 KB of NULs, past the first 64 KiB: a log a crash left wholly unwritten.
        var empty = Path.Combine(_dir, "mail.log");
        File.WriteAllBytes(empty, new byte[200_000]);

        var result = ExporterProcess.Run(["report", empty]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{empty}: no text, only NUL bytes", result.StdErr, StringComparison.Ordinal);
    }
}
