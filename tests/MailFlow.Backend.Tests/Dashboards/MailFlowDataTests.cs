using System.Text.Json.Nodes;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>The hand-written data itself, read back with plain InfluxQL: the figures the plugin tests expect hold.</summary>
public sealed class MailFlowDataTests
{
    [Fact]
    public void Load_LastSevenDays_HoldsTheHandWorkedTotals()
    {
        using var server = new InfluxDbServer();
        MailFlowData.Load(server, DateTimeOffset.UtcNow);

        var json = JsonNode.Parse(server.Query("SELECT sum(messages) FROM mailflow_messages WHERE time > now() - 7d GROUP BY direction, tls", MailFlowData.Database))!;
        var totals = json["results"]![0]!["series"]!.AsArray().ToDictionary(
            s => $"{s!["tags"]!["direction"]} {s["tags"]!["tls"]}",
            s => (long)s!["values"]![0]![1]!);

        Assert.Equal(153, totals["inbound TLS1.2"]);
        Assert.Equal(30, totals["inbound TLS1.3"]);
        Assert.Equal(11, totals["inbound none"]);
        Assert.Equal(6, totals["inbound TLS1.0"]);
        Assert.Equal(120, totals["outbound TLS1.2"]);
        Assert.Equal(20, totals["outbound TLS1.3"]);
        Assert.Equal(5, totals["outbound TLS1.1"]);
        Assert.Equal(5, totals["outbound none"]);
        Assert.Equal(10, totals["submission TLS1.3"] + totals["submission TLS1.2"]);
        Assert.Equal(200 + 150 + 10, totals.Values.Sum());
    }

    [Fact]
    public void Load_LastDay_HoldsTheAlertRulesInput()
    {
        using var server = new InfluxDbServer();
        MailFlowData.Load(server, DateTimeOffset.UtcNow);

        var json = JsonNode.Parse(server.Query("SELECT sum(messages) FROM mailflow_messages WHERE time > now() - 24h AND direction = 'inbound' GROUP BY connector, tls", MailFlowData.Database))!;
        var totals = json["results"]![0]!["series"]!.AsArray().ToDictionary(
            s => $"{s!["tags"]!["connector"]} {s["tags"]!["tls"]}",
            s => (long)s!["values"]![0]![1]!);

        Assert.Equal((18, 4), (totals["Contoso TLS1.2"], totals["Contoso TLS1.0"]));
        Assert.Equal((7, 1), (totals["Fabrikam TLS1.2"], totals["Fabrikam TLS1.0"]));
        Assert.Equal((48, 1, 1), (totals["On-premises relay TLS1.2"], totals["On-premises relay TLS1.0"], totals["On-premises relay none"]));
    }
}
