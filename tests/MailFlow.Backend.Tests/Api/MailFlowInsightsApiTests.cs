using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using MailFlow.Api.V1;
using MailFlow.Backend.Hosting;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Tests.Support;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Api;

/// <summary>The public API over a real gRPC channel; numbers as counted in <see cref="ConnectorFixture"/>.</summary>
[Collection(ConnectorCollection.Name)]
public sealed class MailFlowInsightsApiTests(ConnectorFixture fixture)
{
    private static Filter Range => new() { From = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1), To = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1.AddDays(2)) };

    [Fact]
    public async Task GetTlsSummary_OverChannel_CountsAndShares()
    {
        await using var server = await ApiServer.StartAsync(fixture.Options);

        var response = await server.Client.GetTlsSummaryAsync(new GetTlsSummaryRequest { Filter = Range });

        Assert.Equal([Direction.Inbound, Direction.Outbound], response.Directions.Select(d => d.Direction));
        var inbound = response.Directions[0];
        Assert.Equal(95, inbound.Messages);
        Assert.Equal(7, inbound.Tls.Count);
        var tls12 = inbound.Tls.Single(t => t.Tls == TlsVersion.Tls12);
        Assert.Equal(73, tls12.Messages);
        Assert.Equal(100.0 * 73 / 95, tls12.Percent, 1e-9);
    }

    [Fact]
    public async Task GetConnectorReport_HostileConnectorName_ExactRows()
    {
        await using var server = await ApiServer.StartAsync(fixture.Options);
        var filter = Range;
        filter.Connectors.Add("O'Brien\\Mail \"Ltd\"");

        var response = await server.Client.GetConnectorReportAsync(new GetConnectorReportRequest { Filter = filter });

        var row = Assert.Single(response.Rows);
        Assert.Equal(ConnectorType.Partner, row.ConnectorType);
        Assert.Equal(3, row.Messages);
        Assert.Equal(100.0, row.Tls10Percent, 1e-9);
        Assert.Equal(3, row.Counts.Tls10);
    }

    [Fact]
    public async Task GetInsights_Defaults_CriticalThenWarning()
    {
        await using var server = await ApiServer.StartAsync(fixture.Options);

        var response = await server.Client.GetInsightsAsync(new GetInsightsRequest { Filter = Range });

        Assert.Equal([InsightSeverity.Critical, InsightSeverity.Warning], response.Insights.Select(i => i.Severity));
        Assert.Equal("Inbound Partner connector seeing significant TLS1.0 mail flow", response.Insights[1].Title);
        Assert.Equal(TlsVersion.Tls10, response.Insights[1].Tls);
        Assert.NotEmpty(response.Insights[1].Advice);
    }

    [Fact]
    public async Task GetLegacyPeersAndConnectorsAndShares_OverChannel_Answer()
    {
        await using var server = await ApiServer.StartAsync(fixture.Options);

        var peers = await server.Client.GetLegacyPeersAsync(new GetLegacyPeersRequest { Filter = Range, Limit = 2 });
        var connectors = await server.Client.ListConnectorsAsync(new ListConnectorsRequest { Filter = Range });
        var shareFilter = Range;
        shareFilter.Tls = TlsVersion.Tls11;
        var shares = await server.Client.GetConnectorTlsSharesAsync(new GetConnectorTlsSharesRequest { Filter = shareFilter, MinMessages = 50 });

        Assert.Equal(["plain.example", "legacy.example"], peers.Peers.Select(p => p.Peer));
        Assert.Equal(Timestamp.FromDateTimeOffset(ConnectorFixture.Day1.AddHours(12).AddMinutes(30)), peers.Peers[0].LastSeen);
        Assert.Equal(["mx1"], peers.Peers[0].Sources);
        Assert.Equal(6, connectors.Connectors.Count);

        // >= 50 messages: Fabrikam (55, 5 TLS1.1), internet inbound (65), internet outbound (50).
        Assert.Equal(3, shares.Shares.Count);
        Assert.Equal(100.0 * 5 / 55, shares.Shares.Single(s => s.Connector == "Fabrikam Relay").SharePercent, 1e-9);
    }

    [Fact]
    public async Task GetTlsTimeSeries_DefaultMaxPoints_IntervalReported()
    {
        await using var server = await ApiServer.StartAsync(fixture.Options);

        var response = await server.Client.GetTlsTimeSeriesAsync(new GetTlsTimeSeriesRequest { Filter = Range, Interval = Duration.FromTimeSpan(TimeSpan.FromHours(1)) });

        Assert.Equal(TimeSpan.FromHours(1), response.Interval.ToTimeSpan());
        var outbound13 = response.Series.Single(s => s.Direction == Direction.Outbound && s.Tls == TlsVersion.Tls13);
        Assert.Equal(48, outbound13.Points.Count);
        Assert.Equal(40, outbound13.Points.Sum(p => p.Messages));
    }

    [Fact]
    public async Task BadRange_InvalidArgumentWithMessage()
    {
        await using var server = await ApiServer.StartAsync(fixture.Options);
        var filter = new Filter { From = Range.To, To = Range.From };

        var error = await Assert.ThrowsAsync<RpcException>(async () => await server.Client.GetTlsSummaryAsync(new GetTlsSummaryRequest { Filter = filter }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("must be after its start", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewlineInConnector_InvalidArgument()
    {
        await using var server = await ApiServer.StartAsync(fixture.Options);
        var filter = Range;
        filter.Connectors.Add("Contoso\nFabrikam Relay");

        var error = await Assert.ThrowsAsync<RpcException>(async () => await server.Client.GetInsightsAsync(new GetInsightsRequest { Filter = filter }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task MissingDatabase_FailedPrecondition()
    {
        await using var server = await ApiServer.StartAsync(new InfluxOptions { Url = fixture.Influx.Url, Database = "no_such_db" });

        var error = await Assert.ThrowsAsync<RpcException>(async () => await server.Client.ListConnectorsAsync(new ListConnectorsRequest { Filter = Range }));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("no_such_db", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKey_MissingWrongRight_UnauthenticatedThenOk()
    {
        await using var server = await ApiServer.StartAsync(fixture.Options, apiKey: "s3cret-key");
        var request = new ListConnectorsRequest { Filter = Range };

        var missing = await Assert.ThrowsAsync<RpcException>(async () => await server.Client.ListConnectorsAsync(request));
        var wrong = await Assert.ThrowsAsync<RpcException>(async () => await server.Client.ListConnectorsAsync(request, new Metadata { { "x-api-key", "s3cret-kex" } }));
        var right = await server.Client.ListConnectorsAsync(request, new Metadata { { "x-api-key", "s3cret-key" } });

        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        Assert.DoesNotContain("s3cret", wrong.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(6, right.Connectors.Count);
    }

    [Fact]
    public async Task HealthAndReflection_OpenWithoutKey()
    {
        await using var server = await ApiServer.StartAsync(fixture.Options, apiKey: "s3cret-key");

        var health = new Health.HealthClient(server.Channel);
        var status = await WaitForServingAsync(health, "mailflow.v1.MailFlowInsights");
        var reflection = new ServerReflection.ServerReflectionClient(server.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status);
        Assert.Contains("mailflow.v1.MailFlowInsights", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public void NonLoopbackWithoutKey_RefusedWithClearMessage()
    {
        var options = new ServeOptions { Listen = "0.0.0.0:0", Influx = fixture.Options };

        var error = Assert.Throws<ArgumentException>(() => BackendServer.Build(options));

        Assert.Contains("without an API key", error.Message, StringComparison.Ordinal);
        Assert.Empty(new ServeOptions { Listen = "0.0.0.0:0", ApiKey = "k", Influx = fixture.Options }.Problems());
        Assert.Empty(new ServeOptions { Listen = "[::1]:0", Influx = fixture.Options }.Problems());
        Assert.NotEmpty(new ServeOptions { Listen = "[::]:0", Influx = fixture.Options }.Problems());
    }

    [Fact]
    public async Task InfluxStopped_UnavailableThenRecovers()
    {
        // A server of its own: stopping the shared one would break the other tests.
        using var influx = new InfluxDbServer();
        influx.Query("CREATE DATABASE " + ConnectorFixture.Database);
        ConnectorFixture.Load(influx, ConnectorFixture.Database, Path.Combine(AppContext.BaseDirectory, "Fixtures", "connectors.lp"));
        await using var server = await ApiServer.StartAsync(new InfluxOptions { Url = influx.Url, Database = ConnectorFixture.Database });
        // The closed part of a partial hour is cached under its exact bounds once asked: the question asked while
        // influxd is down starts one minute later, a part nobody asked for, so InfluxDB must be asked.
        var asked = new GetTlsSummaryRequest { Filter = new Filter { From = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1.AddMinutes(61)), To = Range.To } };
        Assert.Equal(2, (await server.Client.GetTlsSummaryAsync(asked)).Directions.Count);
        var request = new GetTlsSummaryRequest { Filter = new Filter { From = Timestamp.FromDateTimeOffset(ConnectorFixture.Day1.AddMinutes(62)), To = Range.To } };

        influx.Stop();
        var error = await Assert.ThrowsAsync<RpcException>(async () => await server.Client.GetTlsSummaryAsync(request));
        influx.Start();
        var again = await server.Client.GetTlsSummaryAsync(request);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("unreachable", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(2, again.Directions.Count);
    }

    private static async Task<HealthCheckResponse.Types.ServingStatus> WaitForServingAsync(Health.HealthClient health, string service)
    {
        // The publisher sets the status right after start; poll briefly rather than race it.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var response = await health.CheckAsync(new HealthCheckRequest { Service = service });
                if (response.Status == HealthCheckResponse.Types.ServingStatus.Serving || attempt >= 50)
                {
                    return response.Status;
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && attempt < 50)
            {
            }

            await Task.Delay(100);
        }
    }
}
