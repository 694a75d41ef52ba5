using BenchmarkDotNet.Attributes;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;

namespace MailFlow.Benchmarks;

/// <summary>
/// The Postfix parser on the real corpus (one pass of 9.7 MB, 69,861 lines, from memory). The corpus is found
/// through <c>MAILFLOW_POSTFIX_LOG</c> (a decompressed file) or decompressed from tests/corpus with xz.
/// </summary>
[MemoryDiagnoser]
public class ThroughputBench
{
    private byte[] _content = [];
    private ILogFormat _format = null!;
    private readonly ParseOptions _options = new() { TimeZone = TimeZoneInfo.Utc, Year = 2023 };

    [GlobalSetup]
    public void Setup()
    {
        _content = File.ReadAllBytes(CorpusFile.Postfix());
        _format = LogFormats.Find("postfix")!;
    }

    [Benchmark]
    public long PostfixCorpus()
    {
        var sink = new CountingSink();
        using var stream = new MemoryStream(_content, writable: false);
        var context = new ParseContext("bench", sink, _options);
        var parser = _format.CreateParser(context);
        new LineReader(context, parser).ReadToEnd(stream);
        parser.Complete();
        return sink.Records;
    }
}
