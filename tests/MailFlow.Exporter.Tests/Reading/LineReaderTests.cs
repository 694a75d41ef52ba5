using System.Text;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;
using MailFlow.Exporter.Records;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Reading;

public sealed class LineReaderTests
{
    /// <summary>Records every line it is given, as text.</summary>
    private sealed class LineRecorder : ILogParser
    {
        public List<(long Number, string Text)> Lines { get; } = [];

        public void ParseLine(ReadOnlySpan<byte> line, long lineNumber) => Lines.Add((lineNumber, Encoding.UTF8.GetString(line)));

        public void Complete()
        {
        }
    }

    private static (LineRecorder Lines, CollectingSink Sink, long Consumed, LineStats Stats) Read(byte[] content, bool includeUnterminated = true)
    {
        var sink = new CollectingSink();
        var recorder = new LineRecorder();
        var reader = new LineReader(new ParseContext("test.log", sink, new ParseOptions()), recorder);
        var consumed = reader.ReadToEnd(new MemoryStream(content), includeUnterminated);
        return (recorder, sink, consumed, reader.Stats);
    }

    [Fact]
    public void ReadToEnd_CrLfAndBom_AreStripped()
    {
        var (lines, _, _, _) = Read([0xEF, 0xBB, 0xBF, .. "first\r\nsecond\r\n"u8]);

        Assert.Equal([(1L, "first"), (2L, "second")], lines.Lines);
    }

    [Fact]
    public void ReadToEnd_LineLongerThanLimit_IsSkippedAndReportedWithItsNumber()
    {
        var huge = new string('x', LineReader.MaxLineBytes * 3);
        var (lines, sink, _, stats) = Read(Encoding.ASCII.GetBytes($"before\n{huge}\nafter\n"));

        Assert.Equal([(1L, "before"), (3L, "after")], lines.Lines);
        var problem = Assert.Single(sink.Problems);
        Assert.Equal(("test.log", 2L, "line too long, skipped"), (problem.Source, problem.Line, problem.Reason));
        Assert.Equal(1, stats.TooLongLines);
    }

    [Fact]
    public void ReadToEnd_LinesAcrossBufferBoundaries_ArriveWhole()
    {
        // 30,000 lines of 100 bytes: about 3 MB, so lines straddle the 1 MiB buffer's end several times.
        var builder = new StringBuilder();
        for (var i = 0; i < 30_000; i++)
        {
            builder.Append(i.ToString("D10", System.Globalization.CultureInfo.InvariantCulture)).Append('.', 89).Append('\n');
        }

        var (lines, sink, _, _) = Read(Encoding.ASCII.GetBytes(builder.ToString()));

        Assert.Equal(30_000, lines.Lines.Count);
        Assert.All(lines.Lines, l => Assert.Equal(99, l.Text.Length));
        Assert.Equal("0000029999", lines.Lines[^1].Text[..10]);
        Assert.Empty(sink.Problems);
    }

    [Fact]
    public void ReadToEnd_UnterminatedLastLine_IsParsedOrLeftForTheFollower()
    {
        var content = "one\ntwo\nthr"u8.ToArray();

        var whole = Read(content, includeUnterminated: true);
        var follower = Read(content, includeUnterminated: false);

        Assert.Equal(3, whole.Lines.Lines.Count);
        Assert.Equal(content.Length, whole.Consumed);
        Assert.Equal(2, follower.Lines.Lines.Count);
        Assert.Equal(8, follower.Consumed); // "one\ntwo\n": a follower resumes at "thr"
    }

    [Fact]
    public void ReadToEnd_InvalidUtf8_IsCountedAsNoticeAndStillParsed()
    {
        var (lines, sink, _, stats) = Read([.. "ok\nbad "u8, 0xC3, 0x28, .. "\n"u8]);

        Assert.Equal(2, lines.Lines.Count);
        Assert.Equal(1, stats.InvalidUtf8Lines);
        var problem = Assert.Single(sink.Problems);
        Assert.Equal((2L, ProblemSeverity.Notice), (problem.Line, problem.Severity));
    }

    [Fact]
    public void ReadToEnd_NulOnlyLine_IsReportedWithItsPlaceAndNotParsed()
    {
        var (lines, sink, _, stats) = Read([.. "one\n"u8, 0, 0, 0, .. "\ntwo\n"u8]);

        Assert.Equal([(1L, "one"), (3L, "two")], lines.Lines);
        var problem = Assert.Single(sink.Problems);
        Assert.Equal(("test.log", 2L, LineChecks.NulReason, "3 NUL bytes; no text after them", ProblemSeverity.Warning), (problem.Source, problem.Line, problem.Reason, problem.Detail, problem.Severity));
        Assert.Equal(1, stats.NulLines);
    }

    [Fact]
    public void ReadToEnd_CutLineNulsAndNextLine_TheTextAfterTheNulsIsParsed()
    {
        var (lines, sink, _, _) = Read([.. "one\nhalf a li"u8, 0, 0, .. "next line\r\nlast\n"u8]);

        Assert.Equal([(1L, "one"), (2L, "next line"), (3L, "last")], lines.Lines);
        var problem = Assert.Single(sink.Problems);
        Assert.Equal((2L, "2 NUL bytes; the text before them was cut off: half a li; the text after them was read"), (problem.Line, problem.Detail));
    }

    [Fact]
    public void ReadToEnd_NulBlockLargerThanTheBuffer_IsNotALongLineAndTheLineAfterItIsRead()
    {
        // 3 MiB of NULs: three times the reader's 1 MiB buffer and far over the 64 KiB line limit.
        const int block = 3 * 1024 * 1024;
        var (lines, sink, _, stats) = Read([.. "one\n"u8, .. new byte[block], .. "two\nthree\n"u8]);

        Assert.Equal([(1L, "one"), (2L, "two"), (3L, "three")], lines.Lines);
        var problem = Assert.Single(sink.Problems);
        Assert.Equal((2L, LineChecks.NulReason, "3,145,728 NUL bytes; the text after them was read"), (problem.Line, problem.Reason, problem.Detail));
        Assert.Equal(0, stats.TooLongLines);
    }
}
