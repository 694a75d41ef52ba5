using System.Text.Json;
using MailFlow.Backend.Query;
using MailFlow.Backend.Tests.Support;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;

namespace MailFlow.Backend.Tests.Query;

/// <summary>
/// Neither the cache of closed buckets nor the rollup tiers change the answers: engines with them (asked twice, the
/// second time from the cache) agree on every question with one reading only the minute points, for ranges cut
/// anywhere inside days, hours, 5-minute blocks and buckets.
/// </summary>
[Collection(ConnectorCollection.Name)]
public sealed class CacheTests(ConnectorFixture fixture)
{
    public static TheoryData<int, int> Ranges => new()
    {
        // Offsets in minutes from day 1 00:00: whole days, cut inside minutes' buckets, single minutes, wide.
        { 0, 2 * 1440 },
        { 600, 1440 + 540 },
        { 601, 602 },
        { 601, 1440 + 541 },
        { -3 * 1440 - 7, 5 * 1440 + 13 },
        { 660, 661 },

        // Over 31 days: totals in one window, the closed whole days in the middle cached as one block.
        { -20 * 1440 - 7, 20 * 1440 + 13 },
        { -40 * 1440, 2 * 1440 },
    };

    [Theory]
    [MemberData(nameof(Ranges))]
    public async Task EveryQuestion_CachedOrRolledUpOrNot_SameAnswers(int fromMinute, int toMinute)
    {
        using var minutesOnly = new MailFlowQueryEngine(fixture.Client, options: new QueryEngineOptions { CacheTtl = TimeSpan.Zero, UseRollups = false });
        using var rollups = new MailFlowQueryEngine(fixture.Client, options: new QueryEngineOptions { CacheTtl = TimeSpan.Zero });
        using var cached = new MailFlowQueryEngine(fixture.Client);
        var filter = new QueryFilter { From = ConnectorFixture.Day1.AddMinutes(fromMinute), To = ConnectorFixture.Day1.AddMinutes(toMinute) };

        var expected = await Answers(minutesOnly, filter);
        foreach (var engine in new[] { rollups, cached, cached })
        {
            Assert.Equal(expected, await Answers(engine, filter));
        }
    }

    [Fact]
    public async Task WholeDay_RollupsOn_ReadFromTheDailyTiers()
    {
        // A database whose daily tiers deliberately disagree with its minutes (5 messages at 10:00; 7 in the narrow
        // mailflow_tls day point, 9 in the per-connector one): only an engine that really reads the tiers for a whole
        // day answers 7 for the summary (no connector named) and 9 for the connector report.
        var database = "tiers_" + Guid.NewGuid().ToString("N")[..8];
        fixture.Influx.Query("CREATE DATABASE " + database);
        const string Tags = "connector_type=Partner,direction=inbound,source=mx1,tls=TLS1.2";
        var day = ConnectorFixture.Day1.ToUnixTimeSeconds();
        fixture.Influx.Write(database, string.Join('\n',
            $"mailflow_messages,connector=X,forced_tls=false,{Tags} messages=5i {day + 36_000}",
            $"mailflow_tls_1d,{Tags} messages=7i {day}",
            $"mailflow_messages_1d,connector=X,forced_tls=false,{Tags} messages=9i {day}"));
        using var client = new MailFlow.Backend.Influx.InfluxQlClient(new MailFlow.Backend.Influx.InfluxOptions { Url = fixture.Influx.Url, Database = database });
        using var rolled = new MailFlowQueryEngine(client);
        using var minutes = new MailFlowQueryEngine(client, options: new QueryEngineOptions { UseRollups = false });
        var wholeDay = new QueryFilter { From = ConnectorFixture.Day1, To = ConnectorFixture.Day2 };

        Assert.Equal(7, (await rolled.GetTlsSummaryAsync(wholeDay)).Directions.Single().Messages.Total);
        Assert.Equal(9, (await rolled.GetConnectorReportAsync(new ConnectorReportRequest(wholeDay))).Single().Messages.Total);
        Assert.Equal(9, (await rolled.GetTlsSummaryAsync(wholeDay with { Connectors = ["X"] })).Directions.Single().Messages.Total);
        Assert.Equal(5, (await minutes.GetTlsSummaryAsync(wholeDay)).Directions.Single().Messages.Total);
        Assert.Equal(5, (await minutes.GetConnectorReportAsync(new ConnectorReportRequest(wholeDay))).Single().Messages.Total);
    }

    [Fact]
    public async Task PointsAsWideAsTheBucket_ReadRaw_AddedUpPerServerAndFlooredToTheirBucket()
    {
        // Daily points (read raw for per-day buckets): X has 9 from mx1 and 4 from mx2 on day 1, and 3 on day 2 from
        // a point another tool stamped at 06:00. Minute points (read raw for 1-minute buckets): 2 at 10:00:30 from
        // mx1 and 5 at 10:00 from mx2 (X named: the narrow mailflow_tls has no points here). Per day: 13 and 3; per
        // minute from 10:00: 7, then nothing.
        var database = "raw_" + Guid.NewGuid().ToString("N")[..8];
        fixture.Influx.Query("CREATE DATABASE " + database);
        const string Series = "mailflow_messages,connector=X,connector_type=Partner,direction=inbound,forced_tls=false,tls=TLS1.2";
        const string Daily = "mailflow_messages_1d,connector=X,connector_type=Partner,direction=inbound,forced_tls=false,tls=TLS1.2";
        var day = ConnectorFixture.Day1.ToUnixTimeSeconds();
        fixture.Influx.Write(database, string.Join('\n',
            $"{Daily},source=mx1 messages=9i {day}",
            $"{Daily},source=mx2 messages=4i {day}",
            $"{Daily},source=mx1 messages=3i {day + 86_400 + 21_600}",
            $"{Series},source=mx1 messages=2i {day + 36_030}",
            $"{Series},source=mx2 messages=5i {day + 36_000}"));
        using var client = new MailFlow.Backend.Influx.InfluxQlClient(new MailFlow.Backend.Influx.InfluxOptions { Url = fixture.Influx.Url, Database = database });
        using var engine = new MailFlowQueryEngine(client, options: new QueryEngineOptions { CacheTtl = TimeSpan.Zero });

        var days = await engine.GetConnectorReportAsync(new ConnectorReportRequest(new QueryFilter { From = ConnectorFixture.Day1, To = ConnectorFixture.Day1.AddDays(2) }));
        var tenOClock = ConnectorFixture.Day1.AddHours(10);
        var minutes = await engine.GetTlsTimeSeriesAsync(new TlsTimeSeriesRequest(new QueryFilter { From = tenOClock, To = tenOClock.AddMinutes(2), Connectors = ["X"] }, TimeSpan.FromMinutes(1)));

        // Over 210 minutes the raw minutes are grouped by tags (many points per series) rather than read as columns.
        var longer = await engine.GetTlsTimeSeriesAsync(new TlsTimeSeriesRequest(new QueryFilter { From = tenOClock, To = tenOClock.AddMinutes(210), Connectors = ["X"] }, TimeSpan.FromMinutes(1)));

        Assert.Equal([(ConnectorFixture.Day1, 13L), (ConnectorFixture.Day2, 3L)], days.Select(r => (r.Date, r.Messages.Total)));
        var tls12 = minutes.Series.Single(s => s.Tls == TlsVersion.Tls12);
        Assert.Equal([(tenOClock, 7L), (tenOClock.AddMinutes(1), 0L)], tls12.Points.Select(p => (p.Time, p.Messages)));
        var longerTls12 = longer.Series.Single(s => s.Tls == TlsVersion.Tls12);
        Assert.Equal((210, TimeSpan.FromMinutes(1)), (longerTls12.Points.Count, longer.Interval));
        Assert.Equal((tenOClock, 7L), (longerTls12.Points[0].Time, longerTls12.Points[0].Messages));
        Assert.Equal(7, longerTls12.Points.Sum(p => p.Messages));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ClosedBuckets_Cached_AnsweredWhileInfluxDbIsDown(bool rollups)
    {
        using var influx = new MailFlow.Testing.InfluxDbServer();
        influx.Query("CREATE DATABASE " + ConnectorFixture.Database);
        ConnectorFixture.Load(influx, ConnectorFixture.Database, Path.Combine(AppContext.BaseDirectory, "Fixtures", "connectors.lp"));
        using var client = new MailFlow.Backend.Influx.InfluxQlClient(new MailFlow.Backend.Influx.InfluxOptions { Url = influx.Url, Database = ConnectorFixture.Database });
        using var engine = new MailFlowQueryEngine(client, options: new QueryEngineOptions { UseRollups = rollups });

        // The per-day connector report and the totals of the summary, every piece closed and cacheable: whole days with rollups (partial days are
        // read whole, from the tiers); without them, whole hours too (10:00 day 1 .. 10:00 day 2), partial days
        // being cached hour by hour.
        var range = rollups
            ? new QueryFilter { From = ConnectorFixture.Day1, To = ConnectorFixture.Day1.AddDays(2) }
            : new QueryFilter { From = ConnectorFixture.Day1.AddHours(10), To = ConnectorFixture.Day2.AddHours(10) };
        var before = await engine.GetConnectorReportAsync(new ConnectorReportRequest(range));
        var totalsBefore = await engine.GetTlsSummaryAsync(range);
        influx.Stop();
        var after = await engine.GetConnectorReportAsync(new ConnectorReportRequest(range));
        var totalsAfter = await engine.GetTlsSummaryAsync(range);
        var partial = await Assert.ThrowsAsync<MailFlowQueryException>(() => engine.GetConnectorReportAsync(new ConnectorReportRequest(range with { From = range.From.AddMinutes(1) })));

        // Contoso day 1 (11) + day 2 (10); O'Brien 3, (.*)|x 6, internet 65: inbound 95. Outbound: Fabrikam 25 + 30, internet 50.
        Assert.Equal(95, before.Where(r => r.Direction == Direction.Inbound).Sum(r => r.Messages.Total));
        Assert.Equal(JsonSerializer.Serialize(before), JsonSerializer.Serialize(after));
        Assert.Equal(JsonSerializer.Serialize(totalsBefore.Rows()), JsonSerializer.Serialize(totalsAfter.Rows()));
        Assert.Equal(95, totalsAfter.Directions[0].Messages.Total);
        Assert.Equal(QueryErrorKind.Unavailable, partial.Kind);
    }

    [Fact]
    public async Task RecentBuckets_NotCached_NewPointsSeen()
    {
        // A database of its own, written "now": the current day is never cached, so a second write shows at once.
        var database = "cache_" + Guid.NewGuid().ToString("N")[..8];
        fixture.Influx.Query("CREATE DATABASE " + database);
        using var client = new MailFlow.Backend.Influx.InfluxQlClient(new MailFlow.Backend.Influx.InfluxOptions { Url = fixture.Influx.Url, Database = database });
        using var engine = new MailFlowQueryEngine(client);
        var now = DateTimeOffset.UtcNow;
        var filter = new QueryFilter { From = now.AddDays(-3), To = now.AddMinutes(1) };
        await Write(database, now.AddMinutes(-1), 4);
        var first = await engine.GetTlsSummaryAsync(filter);

        await Write(database, now.AddMinutes(-1).AddSeconds(-60), 5);
        var second = await engine.GetTlsSummaryAsync(filter);

        Assert.Equal(4, first.Directions.Single().Messages.Total);
        Assert.Equal(9, second.Directions.Single().Messages.Total);
    }

    /// <summary>A minute point and its rollups, as the exporter's daemon writes them.</summary>
    private Task Write(string database, DateTimeOffset time, int messages)
    {
        var line = $"mailflow_messages,connector=X,connector_type=Partner,direction=inbound,forced_tls=false,source=mx1,tls=TLS1.2 messages={messages}i {time.ToUnixTimeSeconds() / 60 * 60}";
        FixtureLoader.Write(fixture.Influx, database, [line]);
        return Task.CompletedTask;
    }

    private static async Task<string> Answers(MailFlowQueryEngine engine, QueryFilter filter)
    {
        var answers = new object[]
        {
            await engine.GetTlsSummaryAsync(filter),
            await engine.GetConnectorReportAsync(new ConnectorReportRequest(filter)),
            await engine.GetConnectorReportAsync(new ConnectorReportRequest(filter, PerDay: false)),
            await engine.GetInsightsAsync(new InsightsRequest(filter, new InsightThresholds { MinMessages = 1 })),
            await engine.GetConnectorsAsync(filter with { Direction = Direction.Inbound }),
            await engine.GetTlsTimeSeriesAsync(new TlsTimeSeriesRequest(filter, TimeSpan.FromMinutes(7), MaxPoints: 5000)),
            await engine.GetTlsTimeSeriesAsync(new TlsTimeSeriesRequest(filter with { Tls = TlsVersion.Tls12 }, TimeSpan.FromHours(1))),
            await engine.GetTlsTimeSeriesAsync(new TlsTimeSeriesRequest(filter, TimeSpan.FromMinutes(15), MaxPoints: 5000)),
            await engine.GetTlsTimeSeriesAsync(new TlsTimeSeriesRequest(filter, TimeSpan.FromDays(1))),
            await engine.GetLegacyPeersAsync(new LegacyPeersRequest(filter)),
        };
        return JsonSerializer.Serialize(answers);
    }
}
