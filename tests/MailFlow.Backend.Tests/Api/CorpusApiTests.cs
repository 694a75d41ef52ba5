using Google.Protobuf.WellKnownTypes;
using MailFlow.Api.V1;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Tests.Dashboards;

namespace MailFlow.Backend.Tests.Api;

/// <summary>
/// The public API over a real channel, on the real Postfix corpus as the real exporter wrote it into InfluxDB.
/// Expected counts come from grep/awk on the log, reasoned in the exporter's PostfixCorpusTests: inbound 78 TLS 1.2,
/// 63 TLS 1.3, 18 plaintext; 16 submissions on TLS 1.3; 3 outbound deliveries on TLS 1.3 (gmx.de, web.de, nebenan.de).
/// </summary>
public sealed class CorpusApiTests(CorpusInflux corpus) : IClassFixture<CorpusInflux>
{
    private Filter Month => new()
    {
        From = Timestamp.FromDateTimeOffset(CorpusInflux.Month.From),
        To = Timestamp.FromDateTimeOffset(CorpusInflux.Month.To),
    };

    private Task<ApiServer> StartAsync() =>
        ApiServer.StartAsync(new InfluxOptions { Url = corpus.Server.Url, Database = MailFlowData.Database });

    [Fact]
    public async Task GetTlsSummary_Corpus_EqualsTheCountsReasonedFromTheLog()
    {
        await using var server = await StartAsync();

        var response = await server.Client.GetTlsSummaryAsync(new GetTlsSummaryRequest { Filter = Month });

        long Count(Direction direction, TlsVersion tls) =>
            response.Directions.Single(d => d.Direction == direction).Tls.Single(t => t.Tls == tls).Messages;
        Assert.Equal(78, Count(Direction.Inbound, TlsVersion.Tls12));
        Assert.Equal(63, Count(Direction.Inbound, TlsVersion.Tls13));
        Assert.Equal(18, Count(Direction.Inbound, TlsVersion.None));
        Assert.Equal(159, response.Directions.Single(d => d.Direction == Direction.Inbound).Messages);
        Assert.Equal(16, Count(Direction.Submission, TlsVersion.Tls13));
        Assert.Equal(3, Count(Direction.Outbound, TlsVersion.Tls13));
    }

    [Fact]
    public async Task GetLegacyPeers_Corpus_ListsTheEighteenPlaintextMessagesAndNoTlsPeer()
    {
        await using var server = await StartAsync();

        var response = await server.Client.GetLegacyPeersAsync(new GetLegacyPeersRequest { Filter = Month, Limit = 100 });

        Assert.Equal(18, response.Peers.Sum(p => p.Messages));
        Assert.All(response.Peers, p => Assert.Equal((Direction.Inbound, TlsVersion.None), (p.Direction, p.Tls)));
        // mail.nistoresio.co.cz delivered 2 plaintext messages (the design notes' example session is one of them).
        Assert.Equal(2, response.Peers.Single(p => p.Peer == "nistoresio.co.cz").Messages);
    }

    [Fact]
    public async Task GetConnectorReport_Corpus_AllMailIsWithoutAConnector()
    {
        await using var server = await StartAsync();
        var filter = Month;
        filter.Connectors.Add("$__internet");

        var response = await server.Client.GetConnectorReportAsync(new GetConnectorReportRequest { Filter = filter, WholeRange = true });

        // The sample connectors (Contoso, Fabrikam, the relay) match nothing in this log: every message is internet mail.
        var inbound = Assert.Single(response.Rows, r => r.Direction == Direction.Inbound);
        Assert.Equal(159, inbound.Messages);
        Assert.Equal(100.0 * 18 / 159, inbound.NonePercent, 1e-9);
    }
}
