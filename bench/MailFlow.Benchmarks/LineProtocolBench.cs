using BenchmarkDotNet.Attributes;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Sinks;

namespace MailFlow.Benchmarks;

/// <summary>
/// Line protocol encoding of 5,000 points (one write batch), with connector names that need escaping.
/// Run: dotnet run -c Release --project bench/MailFlow.Benchmarks -- --filter '*LineProtocol*'
/// </summary>
[MemoryDiagnoser]
public class LineProtocolBench
{
    private const int Points = 5000;
    private readonly SeriesPoint[] _series = new SeriesPoint[Points];
    private readonly LineProtocolWriter _writer = new(4 * 1024 * 1024);

    [GlobalSetup]
    public void Setup()
    {
        var start = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        ConnectorInfo[] connectors =
        [
            ConnectorInfo.InboundInternet,
            ConnectorInfo.OutboundInternet,
            new("Contoso Partner, Ltd", ConnectorType.Partner, true),
            new(@"EX01\Default Frontend EX01", ConnectorType.OnPremises, false),
        ];
        for (var i = 0; i < Points; i++)
        {
            var connector = connectors[i % connectors.Length];
            var key = new SeriesKey(i % 2 == 0 ? Direction.Inbound : Direction.Outbound, connector, TlsVersions.All[i % TlsVersions.Count], "mx1.example.org");
            _series[i] = new SeriesPoint(start.AddMinutes(i / 20), key, new Counts(i + 1, i + 2, 1000L * i));
        }
    }

    [Benchmark]
    public int Encode5000Points()
    {
        _writer.Clear();
        foreach (var point in _series)
        {
            _writer.Write(point);
        }

        return _writer.Length;
    }
}
