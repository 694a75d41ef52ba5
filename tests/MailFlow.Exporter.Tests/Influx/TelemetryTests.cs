using System.Diagnostics.Metrics;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;
using MailFlow.Exporter.Pipeline;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Telemetry;
using MailFlow.Exporter.Tests.Influx.Support;

namespace MailFlow.Exporter.Tests.Influx;

[Collection(InfluxCollection.Name)]
public sealed class TelemetryTests(InfluxFixture influx) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mailflow-otel-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Ingest_WithAListener_RecordsLinesRecordsProblemsPointsAndLatency()
    {
        var totals = new Dictionary<string, double>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ExporterMetrics.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => { lock (totals) { totals[instrument.Name] = totals.GetValueOrDefault(instrument.Name) + value; } });
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => { lock (totals) { totals[instrument.Name] = totals.GetValueOrDefault(instrument.Name) + 1; } });
        listener.Start();
        var log = new FlowLog(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var path = Path.Combine(_directory, "mail.log");
        var lines = log.Sessions(40); // 40 sessions: 40 connect + 60 msg + 40 close lines.
        lines.Add("not understood");
        FlowLog.Append(path, lines);
        using var writer = new InfluxPointWriter(new InfluxOptions { Url = influx.Server.Url.ToString(), Database = influx.NewDatabase("otel") });

        var summary = await new IngestJob(() => new TestAggregator(), writer).RunAsync([new InputSource(path)], new ParseOptions(), SessionTestFormat.Instance, CancellationToken.None);

        // Other tests may record at the same time (static instruments): at least this run's amounts.
        Assert.True(totals.GetValueOrDefault("mailflow.exporter.lines_read") >= 141);
        Assert.True(totals.GetValueOrDefault("mailflow.exporter.records") >= 60);
        Assert.True(totals.GetValueOrDefault("mailflow.exporter.lines_not_understood") >= 1);
        Assert.True(totals.GetValueOrDefault("mailflow.exporter.points_written") >= summary.Points);
        Assert.True(totals.GetValueOrDefault("mailflow.exporter.write_duration") >= 1);
        Assert.Equal(60, log.Messages);
    }
}
