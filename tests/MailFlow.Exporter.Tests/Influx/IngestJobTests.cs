using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;
using MailFlow.Exporter.Pipeline;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Tests.Influx.Support;

namespace MailFlow.Exporter.Tests.Influx;

[Collection(InfluxCollection.Name)]
public sealed class IngestJobTests(InfluxFixture influx) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mailflow-ingest-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private InfluxPointWriter Writer(string database) => new(new InfluxOptions { Url = influx.Server.Url.ToString(), Database = database, RetryFor = TimeSpan.FromMinutes(1) });

    private static readonly ParseOptions Utc = new() { TimeZone = TimeZoneInfo.Utc };

    private (List<InputSource> Inputs, FlowLog Log) TwoFiles()
    {
        // Two files whose sessions share minutes at the boundary: 300 sessions 7 s apart, then 200 more.
        var log = new FlowLog(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
        var first = Path.Combine(_directory, "mail.log.1");
        var second = Path.Combine(_directory, "mail.log");
        FlowLog.Append(first, log.Sessions(300));
        FlowLog.Append(second, log.Sessions(200));
        return ([new InputSource(first), new InputSource(second)], log);
    }

    [Fact]
    public async Task RunAsync_TwoFiles_TotalsInInfluxDbEqualTheLogs()
    {
        var database = influx.NewDatabase("ingest");
        var (inputs, log) = TwoFiles();
        using var writer = Writer(database);
        var job = new IngestJob(() => new TestAggregator(), writer);

        var summary = await job.RunAsync(inputs, Utc, SessionTestFormat.Instance, CancellationToken.None);

        Assert.Equal(log.Messages, summary.Records);
        Assert.Equal(0, summary.Problems);
        Assert.Equal(log.Messages, influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database));
        Assert.Equal(log.Recipients, influx.Scalar("SELECT sum(recipients) FROM mailflow_messages", database));
        Assert.Equal(log.Bytes, influx.Scalar("SELECT sum(bytes) FROM mailflow_messages", database));
        foreach (var (tls, messages) in log.MessagesByTls)
        {
            Assert.Equal(messages, influx.Scalar($"SELECT sum(messages) FROM mailflow_messages WHERE tls = '{tls.ToWire()}'", database));
        }

        Assert.Equal(0, influx.Scalar("SELECT sum(messages) FROM mailflow_messages WHERE tls = 'unknown'", database));
        // Peers only for plaintext and TLS 1.0 sessions.
        var legacy = log.MessagesByTls[TlsVersion.None] + log.MessagesByTls[TlsVersion.Tls10];
        Assert.Equal(legacy, influx.Scalar("SELECT sum(messages) FROM mailflow_peers", database));
    }

    [Fact]
    public async Task RunAsync_SameFilesTwice_LeavesTheTotalsOfOnePass()
    {
        var database = influx.NewDatabase("reingest");
        var (inputs, log) = TwoFiles();
        using var writer = Writer(database);
        var job = new IngestJob(() => new TestAggregator(), writer) { Parallelism = 2 };

        await job.RunAsync(inputs, Utc, SessionTestFormat.Instance, CancellationToken.None);
        await job.RunAsync(inputs, Utc, SessionTestFormat.Instance, CancellationToken.None);
        await job.RunAsync([inputs[1], inputs[0]], Utc, SessionTestFormat.Instance, CancellationToken.None);

        Assert.Equal(log.Messages, influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database));
        Assert.Equal(log.Recipients, influx.Scalar("SELECT sum(recipients) FROM mailflow_messages", database));
    }

    [Fact]
    public async Task RunAsync_GarbageBetweenGoodLines_CountsProblemsAndKeepsEveryGoodLine()
    {
        var database = influx.NewDatabase("garbage");
        var log = new FlowLog(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero));
        var path = Path.Combine(_directory, "mixed.log");
        var lines = log.Sessions(50);
        lines.Insert(10, "garbage line one");
        lines.Insert(40, "\u0001\u0002 binary-ish noise");
        lines.Add("trailing garbage");
        FlowLog.Append(path, lines);
        using var writer = Writer(database);

        var summary = await new IngestJob(() => new TestAggregator(), writer).RunAsync([new InputSource(path)], Utc, SessionTestFormat.Instance, CancellationToken.None);

        Assert.Equal(3, summary.Problems);
        Assert.Contains(summary.FirstProblems, p => p.Line == 11 && p.Source == path);
        Assert.Equal(log.Messages, influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database));
    }
}
