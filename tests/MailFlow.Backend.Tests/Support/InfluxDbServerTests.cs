using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Support;

/// <summary>The test harness itself: a real influxd keeps its data across a stop and a start.</summary>
public sealed class InfluxDbServerTests
{
    [Fact]
    public async Task StopThenStart_KeepsWrittenPoints()
    {
        using var server = new InfluxDbServer();
        server.Query("CREATE DATABASE harness");
        using (var http = new HttpClient())
        {
            using var response = await http.PostAsync(new Uri(server.Url, "/write?db=harness&precision=s"), new StringContent("m,t=a v=3i 1700000000\nm,t=b v=4i 1700000060"));
            Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
        }

        server.Stop();
        Assert.False(server.IsRunning);
        server.Start();

        var json = server.Query("SELECT sum(v) FROM m", "harness");
        Assert.Contains("[\"1970-01-01T00:00:00Z\",7]", json, StringComparison.Ordinal);
    }
}
