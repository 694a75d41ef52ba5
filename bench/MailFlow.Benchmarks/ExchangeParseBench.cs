using BenchmarkDotNet.Attributes;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;

namespace MailFlow.Benchmarks;

/// <summary>
/// The Exchange protocol log parser, from memory: <c>MAILFLOW_EXCHANGE_LOG</c> (e.g. the output of
/// <c>bench/generate-exchange-log.py</c>) or, by default, the repository's sample SmtpReceive log repeated to about
/// 9 MB. For the 1 GB single-core figure use the <c>throughput</c> runner on the generated log.
/// </summary>
[MemoryDiagnoser]
public class ExchangeParseBench
{
    private byte[] _content = [];
    private ILogFormat _format = null!;
    private readonly ParseOptions _options = new() { TimeZone = TimeZoneInfo.Utc };

    [GlobalSetup]
    public void Setup()
    {
        _format = LogFormats.Find("exchange")!;
        var fromEnvironment = Environment.GetEnvironmentVariable("MAILFLOW_EXCHANGE_LOG");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            _content = File.ReadAllBytes(fromEnvironment);
            return;
        }

        var sample = File.ReadAllBytes(SampleLog());
        using var repeated = new MemoryStream();
        while (repeated.Length < 9_000_000)
        {
            repeated.Write(sample);
        }

        _content = repeated.ToArray();
    }

    [Benchmark]
    public long ExchangeSmtpReceive()
    {
        var sink = new CountingSink();
        using var stream = new MemoryStream(_content, writable: false);
        var context = new ParseContext("bench", sink, _options);
        var parser = _format.CreateParser(context);
        new LineReader(context, parser).ReadToEnd(stream);
        parser.Complete();
        return sink.Records;
    }

    private static string SampleLog()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "samples", "logs", "exchange", "SMTPRECV2026112700-1.LOG");
            if (File.Exists(Path.Combine(dir.FullName, "Observability.sln")) && File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException("samples/logs/exchange/SMTPRECV2026112700-1.LOG not found above " + AppContext.BaseDirectory);
    }
}
