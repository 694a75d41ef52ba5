using System.Diagnostics;
using System.Diagnostics.Metrics;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Query;
using MailFlow.Backend.Tests.Support;

namespace MailFlow.Backend.Tests.Query;

/// <summary>Each question leaves a trace (with the InfluxQL sent) and a duration measurement; secrets stay out of descriptions.</summary>
[Collection(ConnectorCollection.Name)]
public sealed class TelemetryTests(ConnectorFixture fixture)
{
    [Fact]
    public async Task Question_EmitsActivityWithQueryTextAndDurationMetric()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == QueryTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (activities) { activities.Add(activity); } },
        };
        ActivitySource.AddActivityListener(listener);
        var durations = new List<(double Value, string? Query)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == QueryTelemetry.Name && instrument.Name == "mailflow.query.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            string? query = null;
            foreach (var tag in tags)
            {
                query = tag.Key == "query" ? tag.Value as string : query;
            }

            lock (durations) { durations.Add((value, query)); }
        });
        meters.Start();

        // A range no other test asks for, so that the cache cannot answer and InfluxDB is asked.
        using var engine = new MailFlowQueryEngine(fixture.Client, options: new QueryEngineOptions { CacheTtl = TimeSpan.Zero });
        await engine.GetLegacyPeersAsync(new LegacyPeersRequest(ConnectorFixture.Range));

        Activity activity;
        lock (activities)
        {
            activity = Assert.Single(activities, a => a.OperationName == "mailflow.query.peers");
        }

        // Two whole days: read from the daily rollup tier.
        Assert.Contains("FROM \"mailflow_peers_1d\"", activity.GetTagItem("db.query.text") as string, StringComparison.Ordinal);
        lock (durations)
        {
            Assert.Contains(durations, d => d.Query == "peers" && d.Value > 0);
        }
    }

    [Fact]
    public void InfluxOptions_Description_HasNoSecrets()
    {
        var withToken = new InfluxOptions { Url = new Uri("http://db:8086"), Token = "tok-SECRET" }.ToString();
        var withPassword = new InfluxOptions { Username = "reader", Password = "pw-SECRET" }.ToString();

        Assert.DoesNotContain("SECRET", withToken, StringComparison.Ordinal);
        Assert.Contains("auth=token", withToken, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", withPassword, StringComparison.Ordinal);
        Assert.Contains("user:reader", withPassword, StringComparison.Ordinal);
    }
}
