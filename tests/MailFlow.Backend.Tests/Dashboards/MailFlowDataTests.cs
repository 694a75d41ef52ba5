using MailFlow.Backend.Influx;
using MailFlow.Backend.Query;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>
/// The query engine over the hand-written week (<see cref="MailFlowData"/>, rollup tiers included): the figures
/// worked out by hand in its remarks are what the product answers, before the plugin tests rely on them.
/// </summary>
public sealed class MailFlowDataTests
{
    [Fact]
    public async Task Summary_LastSevenDays_GivesTheHandWorkedTotals()
    {
        var now = DateTimeOffset.UtcNow;
        using var server = new InfluxDbServer();
        MailFlowData.Load(server, now);
        using var client = new InfluxQlClient(new InfluxOptions { Url = server.Url, Database = MailFlowData.Database });
        using var engine = new MailFlowQueryEngine(client);

        var summary = await engine.GetTlsSummaryAsync(new QueryFilter { From = now.AddDays(-7), To = now });

        // The remarks' "last 7 days": the 1,000 TLS 1.0 messages 10 days old are outside.
        var inbound = summary.Of(Direction.Inbound);
        Assert.Equal((153L, 30L, 11L, 6L, 200L), (inbound.Tls12, inbound.Tls13, inbound.None, inbound.Tls10, inbound.Total));
        var outbound = summary.Of(Direction.Outbound);
        Assert.Equal((120L, 20L, 5L, 5L, 150L), (outbound.Tls12, outbound.Tls13, outbound.Tls11, outbound.None, outbound.Total));
        Assert.Equal(10, summary.Of(Direction.Submission).Total);
        Assert.Equal(76.5, inbound.Percent(TlsVersion.Tls12), 9);
    }

    [Fact]
    public async Task ConnectorTlsShares_LastDay_GiveTheAlertRulesInput()
    {
        var now = DateTimeOffset.UtcNow;
        using var server = new InfluxDbServer();
        MailFlowData.Load(server, now);
        using var client = new InfluxQlClient(new InfluxOptions { Url = server.Url, Database = MailFlowData.Database });
        using var engine = new MailFlowQueryEngine(client);

        var filter = new QueryFilter { From = now.AddHours(-24), To = now, Direction = Direction.Inbound, Tls = TlsVersion.Tls10 };
        var shares = await engine.GetConnectorTlsSharesAsync(new ConnectorTlsShareRequest(filter, QuestionDefaults.MinMessages));

        // Last 24 hours, inbound: Contoso 4 of 22 (its 18 messages of yesterday are 30 hours old), the relay 1 of 50,
        // the internet 0 of 102; Fabrikam's 8 messages are under the minimum volume of 10.
        Assert.Equal(
            [("Contoso", 4L, 22L), (MailFlowData.Internet, 0L, 102L), ("On-premises relay", 1L, 50L)],
            shares.Select(s => (s.Connector, s.Messages, s.TotalMessages)).Order());
        Assert.Equal(100.0 * 4 / 22, shares.Single(s => s.Connector == "Contoso").SharePercent, 9);
    }
}
