using System.Text;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Tests.Influx.Support;

namespace MailFlow.Exporter.Tests.Influx;

[Collection(InfluxCollection.Name)]
public sealed class InfluxTransportTests(InfluxFixture influx)
{
    private const string Token = "s3cr3t-T0ken-never-logged";
    private const string Password = "pa55-W0rd-never-logged";

    private InfluxOptions V1Options(string database) => new()
    {
        Url = influx.Server.Url.ToString(),
        Database = database,
        RetryFor = TimeSpan.FromMinutes(1),
    };

    [Fact]
    public async Task WriteAsync_GoldenPointsToInfluxDb1_ReadBackWithNormalizedTagValues()
    {
        var database = influx.NewDatabase("golden");
        var (series, peers) = LineProtocolWriterTests.GoldenPoints();
        using var writer = new InfluxPointWriter(V1Options(database));

        var written = await writer.WriteAsync(series, peers, CancellationToken.None);

        Assert.Equal(8, written);
        Assert.StartsWith("InfluxDB v1 API", writer.Target, StringComparison.Ordinal); // /ping said 1.6.7: v1 chosen.
        var connectors = influx.Rows("SHOW TAG VALUES FROM mailflow_messages WITH KEY = \"connector\"", database).Select(r => r[1].GetString()).Order(StringComparer.Ordinal);
        var expected = series.Select(p => LineProtocolWriter.NormalizeTagValue(p.Key.Connector.Name)).Order(StringComparer.Ordinal);
        Assert.Equal(expected, connectors);
        // 7 series points, one per series; one peer point.
        Assert.Equal(7, influx.Scalar("SELECT count(messages) FROM mailflow_messages", database));
        Assert.Equal(3, influx.Scalar("SELECT sum(messages) FROM mailflow_peers WHERE peer = 'legacy.example.com' AND tls = 'TLS1.0'", database));
        // The point without a source is read as source = '' by InfluxQL.
        Assert.Equal(1, influx.Scalar("SELECT sum(messages) FROM mailflow_messages WHERE source = '' AND forced_tls = 'true'", database));
    }

    [Fact]
    public async Task WriteAsync_SameTotalsTwice_KeepsOneTotalPerSeriesAndMinute()
    {
        var database = influx.NewDatabase("twice");
        var (series, peers) = LineProtocolWriterTests.GoldenPoints();
        series = series[..6]; // Leave out long.MaxValue so that sums stay in range.
        using var writer = new InfluxPointWriter(V1Options(database));

        await writer.WriteAsync(series, peers, CancellationToken.None);
        await writer.WriteAsync(series, peers, CancellationToken.None);

        // 5 + 1 + 2 + 1 + 1 + 1 messages in the six points: written twice, stored once.
        Assert.Equal(11, influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database));
    }

    [Fact]
    public async Task WriteAsync_BatchesOfTwo_SendsOneRequestPerTwoLines()
    {
        var database = influx.NewDatabase("batches");
        var (series, peers) = LineProtocolWriterTests.GoldenPoints();
        var options = V1Options(database);
        options.BatchLines = 2;
        using var writer = new InfluxPointWriter(options);

        await writer.WriteAsync(series, peers, CancellationToken.None);

        Assert.Equal(4, writer.Requests); // 8 lines in batches of 2.
        Assert.Equal(8, writer.PointsWritten);
    }

    [Fact]
    public async Task WriteLinesAsync_BadLineAmongGoodOnes_FailsAtOnceNamingTheBadLine()
    {
        var database = influx.NewDatabase("partial");
        using var writer = new InfluxPointWriter(V1Options(database));
        var body = Encoding.UTF8.GetBytes("mailflow_messages,direction=inbound messages=1i 1795766400\nthis line is not line protocol\nmailflow_messages,direction=outbound messages=2i 1795766400\n");

        var failure = await Assert.ThrowsAsync<InfluxWriteException>(() => writer.WriteLinesAsync(body, 3, CancellationToken.None));

        Assert.False(failure.Retryable);
        Assert.Equal(400, failure.Status);
        Assert.Contains("partial write", failure.Message, StringComparison.Ordinal);
        Assert.Contains("this line is not line protocol", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, writer.RetryCount);
        Assert.Equal(3, influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database)); // The good lines were stored.
    }

    [Fact]
    public async Task WriteAsync_MissingDatabaseAndCreationOff_FailsWithoutRetrying()
    {
        var options = V1Options("never_created");
        options.CreateDatabase = false;
        using var writer = new InfluxPointWriter(options);
        var (series, _) = LineProtocolWriterTests.GoldenPoints();

        var failure = await Assert.ThrowsAsync<InfluxWriteException>(() => writer.WriteAsync(series, [], CancellationToken.None));

        Assert.False(failure.Retryable);
        Assert.Equal(404, failure.Status);
        Assert.Contains("database not found", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, writer.RetryCount);
    }

    [Fact]
    public async Task WriteAsync_InfluxDbStoppedThenStarted_RetriesAndLosesNothing()
    {
        var database = influx.NewDatabase("outage");
        var (series, peers) = LineProtocolWriterTests.GoldenPoints();
        series = series[..6];
        using var writer = new InfluxPointWriter(V1Options(database)) { RetryBaseDelay = TimeSpan.FromMilliseconds(50), RetryMaxDelay = TimeSpan.FromMilliseconds(400) };
        await writer.ConnectAsync(CancellationToken.None);

        influx.Server.Stop();
        Task<long> write;
        try
        {
            write = writer.WriteAsync(series, peers, CancellationToken.None);
            await Task.Delay(1500);
            Assert.False(write.IsCompleted);
        }
        finally
        {
            influx.Server.Start();
        }

        Assert.Equal(7, await write.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(writer.RetryCount >= 2, $"{writer.RetryCount} retries");
        Assert.Equal(11, influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database));
    }

    [Fact]
    public async Task Writer_TokenAndPasswordThroughRetriesAndFailures_NeverLogsThem()
    {
        using var logs = new CapturingLoggerProvider();
        var (series, peers) = LineProtocolWriterTests.GoldenPoints();
        var failures = new List<string>();

        // A token over v1, through an outage (retry logs) and a refused write (error log).
        var withToken = V1Options("secrets_a");
        withToken.Token = Token;
        withToken.RetryFor = TimeSpan.FromMilliseconds(300);
        using (var writer = new InfluxPointWriter(withToken, logs.Logger()) { RetryBaseDelay = TimeSpan.FromMilliseconds(20) })
        {
            await writer.WriteAsync(series, peers, CancellationToken.None);
            influx.Server.Stop();
            try
            {
                failures.Add((await Assert.ThrowsAsync<InfluxWriteException>(() => writer.WriteAsync(series, peers, CancellationToken.None))).ToString());
            }
            finally
            {
                influx.Server.Start();
            }
        }

        // User and password, and a v2 attempt against a server without v2 (404).
        var withPassword = V1Options("secrets_b");
        withPassword.Username = "mailflow";
        withPassword.Password = Password;
        withPassword.Api = InfluxApi.V2;
        withPassword.Org = "org";
        withPassword.Bucket = "bucket";
        withPassword.Token = Token;
        using (var writer = new InfluxPointWriter(withPassword, logs.Logger()))
        {
            failures.Add((await Assert.ThrowsAsync<InfluxWriteException>(() => writer.WriteAsync(series, peers, CancellationToken.None))).ToString());
        }

        var everything = logs.AllText + string.Join("\n", failures) + withToken + withPassword;
        Assert.Contains("retrying", logs.AllText, StringComparison.Ordinal); // The outage was logged...
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes("mailflow:" + Password));
        Assert.DoesNotContain(Token, everything, StringComparison.Ordinal); // ...without the secrets.
        Assert.DoesNotContain(Password, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(basic, everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task V2Transport_AgainstInfluxDb16_FailsWith404AndSaysToUseV1()
    {
        var options = V1Options("unused");
        options.Api = InfluxApi.V2;
        options.Org = "org";
        options.Bucket = "bucket";
        options.Token = Token;
        options.CreateDatabase = false;
        using var writer = new InfluxPointWriter(options);
        var (series, _) = LineProtocolWriterTests.GoldenPoints();

        var failure = await Assert.ThrowsAsync<InfluxWriteException>(() => writer.WriteAsync(series, [], CancellationToken.None));

        Assert.Equal(404, failure.Status);
        Assert.False(failure.Retryable);
        Assert.Contains("--influx-api v1", failure.Message, StringComparison.Ordinal);
    }
}
