using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Tests.Influx.Support;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Influx;

/// <summary>
/// The v2 transport's requests, received by a real HTTP listener and checked against the documented v2 write API
/// (POST /api/v2/write?org=&amp;bucket=&amp;precision=, Authorization: Token, line protocol body, 204 on success).
/// </summary>
public sealed class InfluxV2TransportTests
{
    private static readonly Dictionary<string, string> NoHeaders = [];

    private static (int, IReadOnlyDictionary<string, string>, string) Influx2(RecordedRequest request) => request.Path switch
    {
        "/ping" => (204, new Dictionary<string, string> { ["X-Influxdb-Version"] = "v2.7.10" }, ""),
        "/api/v2/write" => (204, NoHeaders, ""),
        _ => (404, NoHeaders, "{\"code\":\"not found\",\"message\":\"path not found\"}"),
    };

    private static InfluxOptions V2Options(string url, InfluxApi api = InfluxApi.V2) => new()
    {
        Url = url,
        Api = api,
        Org = "acme org",
        Bucket = "mail/flow",
        Token = "tok-123",
        CreateDatabase = false,
        RetryFor = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task WriteAsync_GoldenPoints_SendsTheDocumentedV2WriteRequest()
    {
        using var server = new RecordingHttpServer(Influx2);
        using var writer = new InfluxPointWriter(V2Options(server.Url));
        var (series, peers) = LineProtocolWriterTests.GoldenPoints();

        await writer.WriteAsync(series, peers, CancellationToken.None);

        var write = Assert.Single(server.Requests, r => r.Path == "/api/v2/write");
        Assert.Equal("POST", write.Method);
        Assert.Equal("acme org", write.Query["org"]);
        Assert.Equal("mail/flow", write.Query["bucket"]);
        Assert.Equal("s", write.Query["precision"]);
        Assert.Equal("Token tok-123", write.Headers["Authorization"]);
        Assert.True(write.Gzipped); // Gzip is on by default.
        var golden = File.ReadAllText(Fixtures.Path("Influx", "points.golden.lp"));
        Assert.Equal(golden.TrimEnd('\n'), write.Body.TrimEnd('\n'));
    }

    [Fact]
    public async Task ConnectAsync_PingSays2xWithOrgBucketToken_ChoosesV2()
    {
        using var server = new RecordingHttpServer(Influx2);
        using var writer = new InfluxPointWriter(V2Options(server.Url, InfluxApi.Auto));
        var (series, _) = LineProtocolWriterTests.GoldenPoints();

        await writer.WriteAsync(series[..1], [], CancellationToken.None);

        Assert.StartsWith("InfluxDB v2 API", writer.Target, StringComparison.Ordinal);
        Assert.Equal(["/ping", "/api/v2/write"], server.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task WriteAsync_ServerAnswers503ThenWorks_Retries()
    {
        var calls = 0;
        using var server = new RecordingHttpServer(request =>
            request.Path == "/api/v2/write" && Interlocked.Increment(ref calls) <= 2
                ? (503, NoHeaders, "{\"code\":\"unavailable\",\"message\":\"try later\"}")
                : Influx2(request));
        using var writer = new InfluxPointWriter(V2Options(server.Url)) { RetryBaseDelay = TimeSpan.FromMilliseconds(10) };
        var (series, _) = LineProtocolWriterTests.GoldenPoints();

        await writer.WriteAsync(series, [], CancellationToken.None);

        Assert.Equal(2, writer.RetryCount);
        Assert.Equal(3, server.Requests.Count(r => r.Path == "/api/v2/write"));
    }

    [Fact]
    public async Task WriteAsync_ServerAnswers400_FailsWithoutRetrying()
    {
        using var server = new RecordingHttpServer(request => request.Path == "/api/v2/write"
            ? (400, NoHeaders, "{\"code\":\"invalid\",\"message\":\"unable to parse 'x': missing fields\"}")
            : Influx2(request));
        using var writer = new InfluxPointWriter(V2Options(server.Url));
        var (series, _) = LineProtocolWriterTests.GoldenPoints();

        var failure = await Assert.ThrowsAsync<InfluxWriteException>(() => writer.WriteAsync(series, [], CancellationToken.None));

        Assert.False(failure.Retryable);
        Assert.Equal(400, failure.Status);
        Assert.Equal(0, writer.RetryCount);
    }

    [Theory]
    [InlineData("1.6.7~rc0", true, InfluxApi.V1)]
    [InlineData("1.8.10", true, InfluxApi.V1)]
    [InlineData("v2.7.10", true, InfluxApi.V2)]
    [InlineData("3.0.1", true, InfluxApi.V2)]
    [InlineData("v2.7.10", false, InfluxApi.V1)] // No org/bucket/token: the v1-compatibility API with the database.
    [InlineData(null, true, InfluxApi.V1)]
    public void Choose_PingVersion_PicksTheApi(string? version, bool v2Configured, InfluxApi expected)
    {
        var options = new InfluxOptions { Org = v2Configured ? "o" : null, Bucket = v2Configured ? "b" : null, Token = v2Configured ? "t" : null };
        Assert.Equal(expected, InfluxTransports.Choose(version, options));
    }

    [Fact]
    public void ToString_OptionsWithSecrets_HidesThem()
    {
        var options = new InfluxOptions { Token = "tok-123", Username = "u", Password = "pw-456" };
        var text = options.ToString();
        Assert.DoesNotContain("tok-123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-456", text, StringComparison.Ordinal);
        Assert.Contains("token=***", text, StringComparison.Ordinal);
    }
}
