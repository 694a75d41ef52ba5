using System.Net;
using System.Net.Sockets;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Tests.Support;

namespace MailFlow.Backend.Tests.Query;

/// <summary>
/// How the client spreads a question's statements over concurrent requests and reads the answers back, against the
/// real influxd of <see cref="ConnectorFixture"/> (counts from Fixtures/connectors.lp).
/// </summary>
[Collection(ConnectorCollection.Name)]
public sealed class InfluxQlClientTests(ConnectorFixture fixture)
{
    private static readonly string Range =
        $"time >= {InfluxQl.Time(ConnectorFixture.Day1)} AND time < {InfluxQl.Time(ConnectorFixture.Day1.AddDays(2))}";

    [Fact]
    public void Partition_WithoutWeights_RunsOfEqualCount()
    {
        Assert.Equal([[0, 1, 2], [3, 4, 5], [6]], InfluxQlClient.Partition(7, 3, weights: null));
    }

    [Fact]
    public void Partition_Weighted_CostliestStatementAloneOthersBalanced()
    {
        // A 90-day per-day question: minutes, 5-minute blocks and hours at both edges, the daily tier in the middle.
        // Costliest first, each to the lightest request: 103 | 30, 18, 17 (65) | 23, 23, 18 (64).
        long[] weights = [17, 18, 23, 103, 30, 23, 18];

        var parts = InfluxQlClient.Partition(7, 3, weights);

        Assert.Equal([[3], [0, 1, 4], [2, 5, 6]], parts);
    }

    [Fact]
    public async Task QueryAsync_Weighted_ResultsInStatementOrder()
    {
        // Contoso inbound 11 + 10 = 21, Fabrikam Relay 25 + 30 = 55, (.*)|x 6; the last statement is made the costliest
        // so that it runs alone, ahead of the two before it.
        string[] statements =
        [
            $"SELECT SUM(\"messages\") FROM \"mailflow_messages\" WHERE {Range} AND \"connector\" = 'Contoso'",
            $"SELECT SUM(\"messages\") FROM \"mailflow_messages\" WHERE {Range} AND \"connector\" = 'Fabrikam Relay'",
            $"SELECT SUM(\"messages\") FROM \"mailflow_messages\" WHERE {Range} AND \"connector\" = '(.*)|x'",
        ];

        var results = await fixture.Client.QueryAsync(statements, 2, [1, 2, 10]);

        Assert.Equal([21L, 55L, 6L], results.Select(result => result.Series.Single().Rows.Single().Values[0]));
    }

    [Fact]
    public async Task QueryAsync_TagsAsColumns_TextCellsBesideTheNumbers()
    {
        // Fabrikam Relay's three points, its tags selected as columns (no group): 20 and 5 on day 1, 30 on day 2.
        var answer = await fixture.Client.QueryAsync(
            $"SELECT \"messages\", \"direction\", \"connector\", \"no_such_tag\" FROM \"mailflow_messages\" WHERE {Range} AND \"connector\" = 'Fabrikam Relay'");

        var series = answer.Single().Series.Single();
        Assert.Equal(["time", "messages", "direction", "connector", "no_such_tag"], series.Columns);
        Assert.Equal([5L, 20L, 30L], series.Rows.Select(row => row.Values[0]).Order());
        Assert.All(series.Rows, row =>
        {
            Assert.Equal("outbound", row.Text(1));
            Assert.Equal("Fabrikam Relay", row.Text(2));
            Assert.Equal(string.Empty, row.Text(3));
            Assert.Equal(0, row.Values[1]);
        });
    }

    [Theory]
    [InlineData("<html><body>Welcome to nginx!</body></html>")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"m\",\"columns\":[\"time\",\"messages\"],\"values\":[[1,")]
    public async Task QueryAsync_AnswerNotInfluxQlJson_ClearError(string body)
    {
        // A URL that reaches some other server (a proxy's page, another API) or an answer cut short.
        using var server = new FixedAnswerServer(body);
        using var client = new InfluxQlClient(new InfluxOptions { Url = server.Url, Database = "mailflow" });

        var error = await Assert.ThrowsAsync<InfluxQueryException>(() => client.QueryAsync("SELECT 1"));

        Assert.Equal(InfluxErrorKind.Failed, error.Kind);
        Assert.Contains("not InfluxQL JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryAsync_UnusualCells_ReadAsNumbersOrText()
    {
        // Fields in any order, unknown ones (messages) skipped, a float rounded, null and booleans as 0, a numeric tag
        // as its text, and a statement without series.
        const string Body = """
            {"results":[{"series":[{"values":[[60,2.6,null,true,"x"]],"partial":false,"columns":["time","a","b","c","d"],"tags":{"port":25},"name":"m"}],"messages":[{"level":"warning","text":"w"}],"statement_id":0},{"statement_id":1}]}
            """;
        using var server = new FixedAnswerServer(Body);
        using var client = new InfluxQlClient(new InfluxOptions { Url = server.Url, Database = "mailflow" });

        var results = await client.QueryAsync("SELECT 1; SELECT 2");

        var series = results[0].Series.Single();
        Assert.Equal(("m", "25"), (series.Name, series.Tag("port")));
        var row = series.Rows.Single();
        Assert.Equal(60, row.Time);
        Assert.Equal([3L, 0L, 0L, 0L], row.Values);
        Assert.Equal(["", "", "", "x"], Enumerable.Range(0, 4).Select(row.Text));
        Assert.Empty(results[1].Series);
    }

    [Fact]
    public async Task QueryAsync_AnswerCutAtTheRowLimit_ClearErrorNotTooFewMessages()
    {
        // influxd with [http] max-row-limit set stops a series there and marks it partial.
        const string Body = """
            {"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","messages"],"values":[[0,5],[60,7]],"partial":true}]}]}
            """;
        using var server = new FixedAnswerServer(Body);
        using var client = new InfluxQlClient(new InfluxOptions { Url = server.Url, Database = "mailflow" });

        var error = await Assert.ThrowsAsync<InfluxQueryException>(() => client.QueryAsync("SELECT 1"));

        Assert.Equal(InfluxErrorKind.Failed, error.Kind);
        Assert.Contains("max-row-limit", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A loopback HTTP server that answers every request with the same body.</summary>
    private sealed class FixedAnswerServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly byte[] _body;

        public FixedAnswerServer(string body)
        {
            _body = System.Text.Encoding.UTF8.GetBytes(body);
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                Url = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
            }

            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _ = ServeAsync();
        }

        public Uri Url { get; }

        public void Dispose() => _listener.Close();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                try
                {
                    var context = await _listener.GetContextAsync();
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync(_body);
                    context.Response.Close();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
            }
        }
    }
}
