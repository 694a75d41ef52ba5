using MailFlow.Backend.Query;
using MailFlow.Backend.Tests.Support;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;

namespace MailFlow.Backend.Tests.Query;

/// <summary>The engine against a real influxd holding Fixtures/connectors.lp; expected numbers are explained in <see cref="ConnectorFixture"/>.</summary>
[Collection(ConnectorCollection.Name)]
public sealed class QueryEngineTests(ConnectorFixture fixture)
{
    private const double Precision = 1e-9;

    private MailFlowQueryEngine Engine => fixture.Engine;

    [Fact]
    public async Task GetTlsSummary_TwoDays_CountsPerDirectionAndVersion()
    {
        var summary = await Engine.GetTlsSummaryAsync(ConnectorFixture.Range);

        Assert.Equal([Direction.Inbound, Direction.Outbound], summary.Directions.Select(d => d.Direction));
        var inbound = summary.Directions[0].Messages;
        Assert.Equal(new TlsCounts { None = 11, Tls10 = 5, Tls12 = 73, Tls13 = 1, Unknown = 5 }, inbound);
        Assert.Equal(95, inbound.Total);
        Assert.Equal(100.0 * 73 / 95, inbound.Percent(TlsVersion.Tls12), Precision);
        var outbound = summary.Directions[1].Messages;
        Assert.Equal(new TlsCounts { Tls11 = 5, Tls12 = 60, Tls13 = 40 }, outbound);

        // Every direction x version, zeros included: 2 x 7 rows.
        Assert.Equal(14, summary.Rows().Count());
    }

    [Fact]
    public async Task GetTlsSummary_SourceFilter_OnlyThatServer()
    {
        // Only Fabrikam Relay is logged by mx2.
        var summary = await Engine.GetTlsSummaryAsync(ConnectorFixture.Range with { Source = "mx2" });

        var only = Assert.Single(summary.Directions);
        Assert.Equal(Direction.Outbound, only.Direction);
        Assert.Equal(new TlsCounts { Tls11 = 5, Tls12 = 50 }, only.Messages);
    }

    [Fact]
    public async Task GetTlsSummary_WithoutConnector_OnlyImplicitConnectors()
    {
        var summary = await Engine.GetTlsSummaryAsync(ConnectorFixture.Range with { Connectors = [QueryFilter.WithoutConnector] });

        Assert.Equal(new TlsCounts { Tls12 = 50, None = 10, Unknown = 5 }, summary.Directions.Single(d => d.Direction == Direction.Inbound).Messages);
        Assert.Equal(new TlsCounts { Tls13 = 40, Tls12 = 10 }, summary.Directions.Single(d => d.Direction == Direction.Outbound).Messages);
    }

    [Fact]
    public async Task GetTlsSummary_SeveralConnectorsAndType_Combined()
    {
        // Contoso (21) and Fabrikam (55) named, but only Partner kept: Contoso alone.
        var filter = ConnectorFixture.Range with { Connectors = ["Contoso", "Fabrikam Relay"], ConnectorType = ConnectorType.Partner };

        var summary = await Engine.GetTlsSummaryAsync(filter);

        var only = Assert.Single(summary.Directions);
        Assert.Equal(new TlsCounts { Tls12 = 17, Tls10 = 2, None = 1, Tls13 = 1 }, only.Messages);
    }

    [Fact]
    public async Task GetTlsSummary_RangeAfterData_Empty()
    {
        var summary = await Engine.GetTlsSummaryAsync(new QueryFilter { From = ConnectorFixture.Day1.AddDays(10), To = ConnectorFixture.Day1.AddDays(11) });

        Assert.Empty(summary.Directions);
    }

    [Fact]
    public async Task GetConnectorReport_PerDay_RowsPerDayConnectorDirection()
    {
        var rows = await Engine.GetConnectorReportAsync(new ConnectorReportRequest(ConnectorFixture.Range));

        // Day 1: Contoso, O'Brien, (.*)|x, internet inbound; Fabrikam, internet outbound. Day 2: Contoso, Fabrikam.
        Assert.Equal(8, rows.Count);
        var contosoDay1 = rows.Single(r => r.Connector == "Contoso" && r.Date == ConnectorFixture.Day1);
        Assert.Equal(ConnectorType.Partner, contosoDay1.ConnectorType);
        Assert.True(contosoDay1.ForcedTls);
        Assert.Equal(new TlsCounts { Tls12 = 8, Tls10 = 2, None = 1 }, contosoDay1.Messages);
        Assert.Equal(100.0 * 2 / 11, contosoDay1.Messages.Percent(TlsVersion.Tls10), Precision);
        var fabrikamDay2 = rows.Single(r => r.Connector == "Fabrikam Relay" && r.Date == ConnectorFixture.Day2);
        Assert.Equal(Direction.Outbound, fabrikamDay2.Direction);
        Assert.False(fabrikamDay2.ForcedTls);
        Assert.Equal(100.0, fabrikamDay2.Messages.Percent(TlsVersion.Tls12), Precision);
        Assert.Equal(30, fabrikamDay2.Messages.Total);
    }

    [Fact]
    public async Task GetConnectorReport_WholeRange_OneRowPerConnectorDirection()
    {
        var rows = await Engine.GetConnectorReportAsync(new ConnectorReportRequest(ConnectorFixture.Range, PerDay: false));

        Assert.Equal(6, rows.Count);
        Assert.All(rows, r => Assert.Equal(ConnectorFixture.Day1, r.Date));
        Assert.Equal(21, rows.Single(r => r.Connector == "Contoso").Messages.Total);
        Assert.Equal(55, rows.Single(r => r.Connector == "Fabrikam Relay").Messages.Total);
    }

    [Fact]
    public async Task GetInsights_Defaults_PlaintextOnForcedThenTls10Share()
    {
        var insights = await Engine.GetInsightsAsync(new InsightsRequest(ConnectorFixture.Range));

        // Contoso forces TLS and carried 1 plaintext message (critical); Contoso TLS1.0 2/21 = 9.5 % reaches 5 %.
        // Fabrikam's TLS1.1 (5/55) is no TLS1.0 insight; O'Brien (3 TLS1.0 messages) is under the 10-message minimum;
        // the internet connectors are not Partner/OnPremises.
        Assert.Equal(2, insights.Count);
        Assert.Equal((InsightKind.PlaintextOnForcedTls, "Contoso", TlsVersion.None, 1L), (insights[0].Kind, insights[0].Connector, insights[0].Tls, insights[0].Messages));
        Assert.Equal(InsightSeverity.Critical, insights[0].Severity);
        Assert.Equal("Inbound Partner connector requires TLS but carried plaintext mail", insights[0].Title);
        Assert.Equal("Inbound Partner connector seeing significant TLS1.0 mail flow", insights[1].Title);
        Assert.Equal("InboundPartnerTls10", insights[1].Id);
        Assert.Equal(100.0 * 2 / 21, insights[1].SharePercent, Precision);
        Assert.Equal((2L, 21L), (insights[1].Messages, insights[1].TotalMessages));
    }

    [Fact]
    public async Task GetInsights_LowMinimum_SmallConnectorIncluded()
    {
        var insights = await Engine.GetInsightsAsync(new InsightsRequest(ConnectorFixture.Range, new InsightThresholds { MinMessages = 3 }));

        // O'Brien\Mail "Ltd": 3 of 3 messages in TLS1.0 = 100 %, first of the warnings.
        Assert.Equal(3, insights.Count);
        Assert.Equal(("O'Brien\\Mail \"Ltd\"", 100.0), (insights[1].Connector, insights[1].SharePercent));
    }

    [Fact]
    public async Task GetInsights_HigherThreshold_OnlyCriticalLeft()
    {
        var insights = await Engine.GetInsightsAsync(new InsightsRequest(ConnectorFixture.Range, new InsightThresholds { LegacySharePercent = 10 }));

        Assert.Equal(InsightKind.PlaintextOnForcedTls, Assert.Single(insights).Kind);
    }

    [Fact]
    public async Task GetLegacyPeers_BusiestFirstWithLastSeen()
    {
        var peers = await Engine.GetLegacyPeersAsync(new LegacyPeersRequest(ConnectorFixture.Range));

        Assert.Equal(["plain.example", "legacy.example", "oldbank.example", "contoso.example"], peers.Select(p => p.Peer));
        Assert.Equal(10, peers[0].Messages);
        Assert.Equal(ConnectorFixture.Day1.AddHours(12).AddMinutes(30), peers[0].LastSeen);
        Assert.Equal((Direction.Outbound, "Fabrikam Relay", TlsVersion.Tls11, 5L), (peers[1].Direction, peers[1].Connector, peers[1].Tls, peers[1].Messages));
        // plain.example's two points were both logged by mx1, legacy.example's by mx2.
        Assert.Equal(["mx1"], peers[0].Sources);
        Assert.Equal(["mx2"], peers[1].Sources);
    }

    [Fact]
    public async Task GetLegacyPeers_TlsFilterAndLimit_Narrowed()
    {
        var peers = await Engine.GetLegacyPeersAsync(new LegacyPeersRequest(ConnectorFixture.Range with { Tls = TlsVersion.None }, Limit: 1));

        var only = Assert.Single(peers);
        Assert.Equal(("plain.example", 10L), (only.Peer, only.Messages));
    }

    [Fact]
    public async Task GetConnectorTlsShares_Tls10MinMessages_OnlyBigConnectors()
    {
        var shares = await Engine.GetConnectorTlsSharesAsync(new ConnectorTlsShareRequest(ConnectorFixture.Range with { Tls = TlsVersion.Tls10 }, MinMessages: 10));

        // Connectors with >= 10 messages: Contoso 21, Fabrikam 55, both internet ones (65, 50); O'Brien (3) and (.*)|x (6) drop out.
        Assert.Equal(4, shares.Count);
        Assert.Equal(100.0 * 2 / 21, shares.Single(s => s.Connector == "Contoso").SharePercent, Precision);
        Assert.All(shares.Where(s => s.Connector != "Contoso"), s => Assert.Equal(0, s.SharePercent));
    }

    [Fact]
    public async Task GetConnectors_ListsEachConnectorOnce()
    {
        var connectors = await Engine.GetConnectorsAsync(ConnectorFixture.Range with { Direction = Direction.Inbound });

        Assert.Equal(
            ["(.*)|x", "Contoso", "From the internet without a connector", "O'Brien\\Mail \"Ltd\""],
            connectors.Select(c => c.Name));
        Assert.True(connectors.Single(c => c.Name == "Contoso").ForcedTls);
    }

    [Fact]
    public async Task GetTlsTimeSeries_OneMinute_SharesPerBucket()
    {
        // 10:00..10:03 on day 1: only Contoso (8 TLS1.2, then 2 TLS1.0, then 1 none).
        var filter = new QueryFilter { From = ConnectorFixture.Day1.AddHours(10), To = ConnectorFixture.Day1.AddHours(10).AddMinutes(3) };

        var answer = await Engine.GetTlsTimeSeriesAsync(new TlsTimeSeriesRequest(filter, TimeSpan.FromMinutes(1)));

        Assert.Equal(TimeSpan.FromMinutes(1), answer.Interval);
        var tls12 = answer.Series.Single(s => s.Tls == TlsVersion.Tls12);
        Assert.Equal([8L, 0L, 0L], tls12.Points.Select(p => p.Messages));
        Assert.Equal(100.0, tls12.Points[0].Percent, Precision);
        var tls10 = answer.Series.Single(s => s.Tls == TlsVersion.Tls10);
        Assert.Equal([0L, 2L, 0L], tls10.Points.Select(p => p.Messages));
        Assert.Equal(filter.From.AddMinutes(1), tls10.Points[1].Time);
    }

    [Fact]
    public async Task GetTlsTimeSeries_MaxPoints_IntervalWidened()
    {
        var answer = await Engine.GetTlsTimeSeriesAsync(new TlsTimeSeriesRequest(ConnectorFixture.Range with { Direction = Direction.Outbound, Tls = TlsVersion.Tls12 }, TimeSpan.FromMinutes(1), MaxPoints: 10));

        var series = Assert.Single(answer.Series);
        Assert.True(series.Points.Count <= 10, $"{series.Points.Count} points");
        Assert.True(answer.Interval >= TimeSpan.FromHours(4.8), answer.Interval.ToString());

        // Whatever the buckets, outbound TLS1.2 over the two days is 20 + 30 + 10.
        Assert.Equal(60, series.Points.Sum(p => p.Messages));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(1000)]
    public void ChooseInterval_AnyMaxPoints_BucketCountWithinLimit(int maxPoints)
    {
        var from = new DateTimeOffset(2026, 3, 2, 0, 17, 0, TimeSpan.Zero);
        var to = from.AddDays(3).AddMinutes(11);

        var interval = MailFlowQueryEngine.ChooseInterval(from, to, TimeSpan.FromSeconds(10), maxPoints);

        var epoch = DateTimeOffset.UnixEpoch.UtcTicks;
        var buckets = ((to.UtcTicks - epoch - 1) / interval.Ticks) - ((from.UtcTicks - epoch) / interval.Ticks) + 1;
        Assert.InRange(buckets, 1, maxPoints);
        Assert.Equal(0, interval.Ticks % TimeSpan.TicksPerMinute);
    }

    [Fact]
    public async Task CheckHealth_DatabaseExists_Healthy()
    {
        var report = await Engine.CheckHealthAsync();

        Assert.True(report.Healthy, report.Message);
        Assert.StartsWith("1.", report.InfluxVersion, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckHealth_MinutesWithoutRollups_SaysHowToBuildThem()
    {
        var database = "minutes_" + Guid.NewGuid().ToString("N")[..8];
        fixture.Influx.Query("CREATE DATABASE " + database);
        fixture.Influx.Write(database, "mailflow_messages,connector=X,connector_type=Partner,direction=inbound,forced_tls=false,source=mx1,tls=TLS1.2 messages=1i 1772445600");
        using var client = new MailFlow.Backend.Influx.InfluxQlClient(new MailFlow.Backend.Influx.InfluxOptions { Url = fixture.Influx.Url, Database = database });
        using var engine = new MailFlowQueryEngine(client);
        using var minutesOnly = new MailFlowQueryEngine(client, options: new QueryEngineOptions { UseRollups = false });

        var report = await engine.CheckHealthAsync();
        var withoutRollups = await minutesOnly.CheckHealthAsync();

        Assert.True(report.Healthy, report.Message);
        Assert.Contains("mailflow-exporter rollup --from", report.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("rollup", withoutRollups.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("rollup", (await Engine.CheckHealthAsync()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DiagnoseHealth_OneComputation_StatesAndTheReportDerivedFromThem()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var empty = "empty_" + suffix;
        var minutes = "latest_" + suffix;
        fixture.Influx.Query("CREATE DATABASE " + empty);
        fixture.Influx.Query("CREATE DATABASE " + minutes);
        // One minute point at 1772445600 s = 2026-03-02 10:00 UTC, and no rollup tiers.
        fixture.Influx.Write(minutes, "mailflow_messages,connector=X,connector_type=Partner,direction=inbound,forced_tls=false,source=mx1,tls=TLS1.2 messages=1i 1772445600");
        using var emptyClient = new MailFlow.Backend.Influx.InfluxQlClient(new MailFlow.Backend.Influx.InfluxOptions { Url = fixture.Influx.Url, Database = empty });
        using var minutesClient = new MailFlow.Backend.Influx.InfluxQlClient(new MailFlow.Backend.Influx.InfluxOptions { Url = fixture.Influx.Url, Database = minutes });
        using var missingClient = new MailFlow.Backend.Influx.InfluxQlClient(new MailFlow.Backend.Influx.InfluxOptions { Url = fixture.Influx.Url, Database = "missing_" + suffix });
        using var noData = new MailFlowQueryEngine(emptyClient);
        using var withRollups = new MailFlowQueryEngine(minutesClient);
        using var minutesOnly = new MailFlowQueryEngine(minutesClient, options: new QueryEngineOptions { UseRollups = false });
        using var missing = new MailFlowQueryEngine(missingClient);

        var noDataHealth = await noData.DiagnoseHealthAsync(latestData: true);
        var rollupsMissing = await withRollups.DiagnoseHealthAsync(latestData: true);
        var ok = await minutesOnly.DiagnoseHealthAsync(latestData: true);
        var okWithoutLatest = await minutesOnly.DiagnoseHealthAsync(latestData: false);
        var databaseMissing = await missing.DiagnoseHealthAsync(latestData: true);

        Assert.Equal(HealthState.NoData, noDataHealth.State);
        Assert.Equal(HealthState.RollupsMissing, rollupsMissing.State);
        Assert.Equal(HealthState.Ok, ok.State);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero), ok.LatestData);
        Assert.Null(okWithoutLatest.LatestData);
        Assert.Equal(HealthState.DatabaseMissing, databaseMissing.State);
        Assert.Contains("missing_" + suffix, databaseMissing.Message, StringComparison.Ordinal);
        Assert.NotNull(databaseMissing.Cause);

        // The engine's report is the same computation: healthy unless InfluxDB or the database fails.
        foreach (var (engine, diagnosis, healthy) in new[] { (noData, noDataHealth, true), (withRollups, rollupsMissing, true), (minutesOnly, ok, true), (missing, databaseMissing, false) })
        {
            var report = await engine.CheckHealthAsync();
            Assert.Equal(healthy, report.Healthy);
            Assert.Equal(diagnosis.Message, report.Message);
            Assert.Equal(diagnosis.InfluxVersion, report.InfluxVersion);
        }
    }
}
