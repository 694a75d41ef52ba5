using Google.Protobuf.WellKnownTypes;
using MailFlow.Api.V1;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Query;
using MailFlow.Backend.Tests.Api;
using MailFlow.Backend.Tests.Support;
using MailFlow.Contracts.Schema;
using Direction = MailFlow.Contracts.Vocabulary.Direction;
using TlsVersion = MailFlow.Contracts.Vocabulary.TlsVersion;

namespace MailFlow.Backend.Tests.Query;

/// <summary>
/// A legacy peer logged by two mail servers is one row, through the engine and the public API, against real influxd.
/// The points (<see cref="Lines"/>), on <see cref="ConnectorFixture.Day1"/> and the day after:
/// <list type="bullet">
/// <item>fabrikam.com, inbound, Fabrikam, TLS 1.0: mx1 3 (day 1 09:00) + 4 (day 2 10:00) = 7; mx2 6 (day 2 14:30).
/// One row: 13 messages, sources mx1 and mx2, last seen day 2 14:30.</item>
/// <item>fabrikam.com, outbound, Fabrikam outbound, TLS 1.0: mx2 2 (day 1 11:00): its own row.</item>
/// <item>litware.example, inbound, internet, none: mx1 10 (day 1 12:00): more than either fabrikam server alone (7, 6),
/// less than fabrikam merged (13), so the busiest peer is fabrikam only if the limit applies after merging.</item>
/// </list>
/// </summary>
[Collection(ConnectorCollection.Name)]
public sealed class PeerSourcesTests
{
    public const string Database = "mailflow_peer_sources";

    private static readonly Lock Loading = new();
    private static bool _loaded;

    private readonly ConnectorFixture _fixture;

    public PeerSourcesTests(ConnectorFixture fixture)
    {
        _fixture = fixture;
        lock (Loading)
        {
            if (!_loaded)
            {
                fixture.Influx.Query("CREATE DATABASE " + Database);
                FixtureLoader.Write(fixture.Influx, Database, Lines(ConnectorFixture.Day1));
                _loaded = true;
            }
        }
    }

    private InfluxOptions Options => new() { Url = _fixture.Influx.Url, Database = Database };

    /// <summary>The points above, from <paramref name="day1"/> (UTC midnight); shared with the plugin's test.</summary>
    public static IEnumerable<string> Lines(DateTimeOffset day1)
    {
        string Point(string direction, string connector, string type, string peer, string source, string tls, int messages, DateTimeOffset at)
        {
            var seconds = at.ToUnixTimeSeconds();
            return $"{InfluxSchema.PeersMeasurement},connector={connector.Replace(" ", "\\ ", StringComparison.Ordinal)},connector_type={type},direction={direction},forced_tls=false,peer={peer},source={source},tls={tls} " +
                $"messages={messages}i,recipients={messages}i,bytes={messages * 1000}i,last_seen={seconds}i {seconds}";
        }

        var day2 = day1.AddDays(1);
        yield return Point("inbound", "Fabrikam", "Partner", "fabrikam.com", "mx1", "TLS1.0", 3, day1.AddHours(9));
        yield return Point("inbound", "Fabrikam", "Partner", "fabrikam.com", "mx1", "TLS1.0", 4, day2.AddHours(10));
        yield return Point("inbound", "Fabrikam", "Partner", "fabrikam.com", "mx2", "TLS1.0", 6, day2.AddHours(14).AddMinutes(30));
        yield return Point("outbound", "Fabrikam outbound", "Partner", "fabrikam.com", "mx2", "TLS1.0", 2, day1.AddHours(11));
        yield return Point("inbound", "From the internet without a connector", "Internet", "litware.example", "mx1", "none", 10, day1.AddHours(12));
    }

    [Fact]
    public async Task Engine_PeerOnTwoServers_OneRowWithBothSourcesAndTheSum()
    {
        using var client = new InfluxQlClient(Options);
        var engine = new MailFlowQueryEngine(client);

        var peers = await engine.GetLegacyPeersAsync(new LegacyPeersRequest(ConnectorFixture.Range));

        Assert.Equal(3, peers.Count);
        var inbound = Assert.Single(peers, p => p.Peer == "fabrikam.com" && p.Direction == Direction.Inbound);
        Assert.Equal(("Fabrikam", TlsVersion.Tls10, 13L), (inbound.Connector, inbound.Tls, inbound.Messages));
        Assert.Equal(["mx1", "mx2"], inbound.Sources);
        Assert.Equal(ConnectorFixture.Day1.AddDays(1).AddHours(14).AddMinutes(30), inbound.LastSeen);
        var outbound = Assert.Single(peers, p => p.Peer == "fabrikam.com" && p.Direction == Direction.Outbound);
        Assert.Equal(("Fabrikam outbound", 2L), (outbound.Connector, outbound.Messages));
        Assert.Equal(["mx2"], outbound.Sources);
        Assert.Equal(["fabrikam.com", "litware.example", "fabrikam.com"], peers.Select(p => p.Peer));

        // The limit applies after merging: fabrikam's 13 beats litware's 10 although neither server alone does.
        var top = Assert.Single(await engine.GetLegacyPeersAsync(new LegacyPeersRequest(ConnectorFixture.Range, Limit: 1)));
        Assert.Equal(("fabrikam.com", 13L), (top.Peer, top.Messages));
    }

    [Fact]
    public async Task Api_PeerOnTwoServers_OneRowWithBothSourcesAndTheSum()
    {
        await using var server = await ApiServer.StartAsync(Options);
        var range = new Filter { From = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1), To = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1.AddDays(2)) };

        var response = await server.Client.GetLegacyPeersAsync(new GetLegacyPeersRequest { Filter = range, Limit = 1 });

        var top = Assert.Single(response.Peers);
        Assert.Equal(("fabrikam.com", MailFlow.Api.V1.Direction.Inbound, MailFlow.Api.V1.TlsVersion.Tls10, 13L), (top.Peer, top.Direction, top.Tls, top.Messages));
        Assert.Equal(["mx1", "mx2"], top.Sources);
        Assert.Equal(Timestamp.FromDateTimeOffset(ConnectorFixture.Day1.AddDays(1).AddHours(14).AddMinutes(30)), top.LastSeen);
    }
}
