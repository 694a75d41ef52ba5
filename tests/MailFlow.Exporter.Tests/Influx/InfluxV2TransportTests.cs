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

    /// <summary>
    /// An annotated-CSV answer as a 2.x server gives for the rollup script: one table per yield. The counting
    /// yields (w...) say 7 messages points and 1 peers point written; the last_seen one (m...) is not a count of points.
    /// </summary>
    private const string RollupAnswer = "#datatype,string,long,long\r\n#group,false,false,false\r\n#default,,,\r\n,result,table,_value\r\n,w0,0,7\r\n\r\n"
        + "#datatype,string,long,long\r\n#group,false,false,false\r\n#default,,,\r\n,result,table,_value\r\n,w1,0,1\r\n\r\n"
        + "#datatype,string,long,long\r\n#group,false,false,false\r\n#default,,,\r\n,result,table,_value\r\n,m2,0,1\r\n\r\n";

    [Fact]
    public async Task WriteRollupsAsync_V2_SendsOneFluxQueryPerTierFinestFirst()
    {
        using var server = new RecordingHttpServer(request => request.Path == "/api/v2/query"
            ? (200, new Dictionary<string, string> { ["Content-Type"] = "text/csv; charset=utf-8" }, RollupAnswer)
            : Influx2(request));
        using var writer = new InfluxPointWriter(V2Options(server.Url));
        var (series, peers) = LineProtocolWriterTests.GoldenPoints(); // Minutes 2026-11-27 08:00 and 08:01.

        await writer.WriteAsync(series, peers, CancellationToken.None);
        var (minutes, sources) = InfluxPointWriter.Touched(series, peers);
        var written = await writer.WriteRollupsAsync(minutes, sources, CancellationToken.None);

        Assert.Equal(3 * 8, written); // Per tier: 7 + 1 from the w yields; the m yield is left out.
        Assert.Equal(["/api/v2/write", "/api/v2/query", "/api/v2/query", "/api/v2/query"], server.Requests.Select(r => r.Path));
        var queries = server.Requests.Where(r => r.Path == "/api/v2/query").ToList();
        Assert.All(queries, q => Assert.Equal("acme org", q.Query["org"]));
        Assert.All(queries, q => Assert.Equal("Token tok-123", q.Headers["Authorization"]));
        var flux = queries.Select(q => System.Text.Json.JsonDocument.Parse(q.Body).RootElement.GetProperty("query").GetString()!).ToList();
        const string Sources = " and (not exists r.source or r.source == \"ex01.corp\" or r.source == \"mx1\")";
        // 5m from the minutes over the five minutes holding 08:00-08:01; 1h from 5m; 1d from 1h. Every pipeline
        // writes back with to() into the same bucket; counts are sums, last_seen a maximum.
        (string Every, string Source, string Target, string Start, string Stop)[] tiers =
        [
            ("5m", "mailflow_messages", "mailflow_messages_5m", "2026-11-27T08:00:00Z", "2026-11-27T08:05:00Z"),
            ("1h", "mailflow_messages_5m", "mailflow_messages_1h", "2026-11-27T08:00:00Z", "2026-11-27T09:00:00Z"),
            ("1d", "mailflow_messages_1h", "mailflow_messages_1d", "2026-11-27T00:00:00Z", "2026-11-28T00:00:00Z"),
        ];
        for (var i = 0; i < tiers.Length; i++)
        {
            var (every, source, target, start, stop) = tiers[i];
            Assert.Contains("from(bucket: \"mail/flow\")", flux[i], StringComparison.Ordinal);
            Assert.Contains($"|> range(start: {start}, stop: {stop})", flux[i], StringComparison.Ordinal);
            Assert.Contains($"r._measurement == \"{source}\" and r._field != \"last_seen\"", flux[i], StringComparison.Ordinal);
            Assert.Contains($"r._measurement == \"{source.Replace("messages", "peers", StringComparison.Ordinal)}\" and r._field == \"last_seen\"", flux[i], StringComparison.Ordinal);
            Assert.Contains($"|> aggregateWindow(every: {every}, fn: sum, createEmpty: false, timeSrc: \"_start\")", flux[i], StringComparison.Ordinal);
            Assert.Contains($"|> aggregateWindow(every: {every}, fn: max, createEmpty: false, timeSrc: \"_start\")", flux[i], StringComparison.Ordinal);
            Assert.Contains($"|> set(key: \"_measurement\", value: \"{target}\")", flux[i], StringComparison.Ordinal);
            Assert.Contains($"|> set(key: \"_measurement\", value: \"{target.Replace("messages", "peers", StringComparison.Ordinal)}\")", flux[i], StringComparison.Ordinal);
            Assert.Contains($"|> set(key: \"_measurement\", value: \"{target.Replace("messages", "tls", StringComparison.Ordinal)}\")", flux[i], StringComparison.Ordinal);
            Assert.Equal(i == 0, flux[i].Contains("|> aggregateWindow(every: 1m, fn: sum, createEmpty: false, timeSrc: \"_start\")\n  |> set(key: \"_measurement\", value: \"mailflow_tls\")", StringComparison.Ordinal));
            // mailflow_tls: its minutes and finest tier from the messages minutes, regrouped without the connector tags.
            Assert.Contains($"r._measurement == \"{(i == 0 ? source : source.Replace("messages", "tls", StringComparison.Ordinal))}\" and r._field != \"last_seen\"{Sources})\n  |> group(columns: [\"_measurement\", \"_field\", \"direction\", \"connector_type\", \"tls\", \"source\"])", flux[i], StringComparison.Ordinal);
            // Only the sources of the points written (mx1, ex01.corp and one without a source tag), in every pipeline.
            Assert.Equal(i == 0 ? 12 : 10, flux[i].Split(Sources + ")\n").Length - 1);
            // messages, peers (sum and max), mailflow_tls, security, blocked (sum and max), security peers (sum and max),
            // mailflow_security_narrow; the finest step also writes the two narrow measurements' own minutes.
            Assert.Equal(i == 0 ? 12 : 10, flux[i].Split("|> to(bucket: \"mail/flow\", org: \"acme org\")").Length - 1);
            // mailflow_security_narrow: from the security minutes regrouped without the connector tags, as mailflow_tls.
            Assert.Contains($"r._measurement == \"{(i == 0 ? source.Replace("messages", "security", StringComparison.Ordinal) : source.Replace("messages", "security_narrow", StringComparison.Ordinal))}\" and r._field != \"last_seen\"{Sources})\n  |> group(columns: [\"_measurement\", \"_field\", \"direction\", \"connector_type\", \"auth\", \"cipher\", \"source\"])", flux[i], StringComparison.Ordinal);
            Assert.Contains($"|> set(key: \"_measurement\", value: \"{target.Replace("messages", "security_narrow", StringComparison.Ordinal)}\")", flux[i], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WriteRollupsAsync_V2QueryRefused_FailsWithoutRetrying()
    {
        using var server = new RecordingHttpServer(request => request.Path == "/api/v2/query"
            ? (400, NoHeaders, "{\"code\":\"invalid\",\"message\":\"error calling function \\\"to\\\": bucket not found\"}")
            : Influx2(request));
        using var writer = new InfluxPointWriter(V2Options(server.Url));

        var failure = await Assert.ThrowsAsync<InfluxWriteException>(() => writer.WriteRollupsAsync([new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero)], ["mx1"], CancellationToken.None));

        Assert.False(failure.Retryable);
        Assert.Equal(400, failure.Status);
        Assert.Single(server.Requests, r => r.Path == "/api/v2/query");
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

    [Fact]
    public async Task WriteAsync_BucketMissing_FindsTheOrgAndCreatesTheBucketFirst()
    {
        // A 2.x server with org "acme org" (id 0a1b) and no bucket yet: the documented list, org and create calls.
        using var server = new RecordingHttpServer(request => (request.Method, request.Path) switch
        {
            ("GET", "/api/v2/buckets") => (200, NoHeaders, "{\"buckets\":[]}"),
            ("GET", "/api/v2/orgs") => (200, NoHeaders, "{\"orgs\":[{\"id\":\"0a1b\",\"name\":\"acme org\"}]}"),
            ("POST", "/api/v2/buckets") => (201, NoHeaders, "{\"id\":\"9f\",\"name\":\"mail/flow\"}"),
            _ => Influx2(request),
        });
        var options = V2Options(server.Url);
        options.CreateDatabase = true;
        using var writer = new InfluxPointWriter(options);
        var (series, _) = LineProtocolWriterTests.GoldenPoints();

        await writer.WriteAsync(series[..1], [], CancellationToken.None);

        Assert.Equal(["GET /api/v2/buckets", "GET /api/v2/orgs", "POST /api/v2/buckets", "POST /api/v2/write"], server.Requests.Select(r => r.Method + " " + r.Path));
        var requests = server.Requests.ToArray();
        Assert.Equal("mail/flow", requests[0].Query["name"]);
        Assert.Equal("acme org", requests[1].Query["org"]);
        var created = System.Text.Json.JsonDocument.Parse(requests[2].Body).RootElement;
        Assert.Equal("0a1b", created.GetProperty("orgID").GetString());
        Assert.Equal("mail/flow", created.GetProperty("name").GetString());
        Assert.All(requests, r => Assert.Equal("Token tok-123", r.Headers["Authorization"]));
    }

    [Fact]
    public async Task WriteAsync_UsernameAndPasswordWithoutToken_SignsInOnceThenWritesWithTheSessionCookie()
    {
        using var server = new RecordingHttpServer(request => request.Path == "/api/v2/signin"
            ? (204, new Dictionary<string, string> { ["Set-Cookie"] = "influxdb-oss-session=s3ss; Path=/" }, "")
            : Influx2(request));
        var options = V2Options(server.Url);
        options.Token = null;
        options.Username = "mailflow";
        options.Password = "pw-456";
        using var writer = new InfluxPointWriter(options);
        var (series, _) = LineProtocolWriterTests.GoldenPoints();

        await writer.WriteAsync(series[..1], [], CancellationToken.None);
        await writer.WriteAsync(series[1..2], [], CancellationToken.None);

        Assert.Equal(["/api/v2/signin", "/api/v2/write", "/api/v2/write"], server.Requests.Select(r => r.Path));
        var requests = server.Requests.ToArray();
        Assert.Equal("Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("mailflow:pw-456")), requests[0].Headers["Authorization"]);
        Assert.All(requests[1..], r => Assert.Equal("influxdb-oss-session=s3ss", r.Headers["Cookie"]));
        Assert.All(requests[1..], r => Assert.False(r.Headers.ContainsKey("Authorization")));
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
