using System.Net;
using System.Net.Sockets;
using MailFlow.Backend.Influx;

namespace MailFlow.Backend.Tests.Query;

/// <summary>Identical InfluxDB requests in flight together run once; against a real HTTP listener.</summary>
public sealed class CoalescingHandlerTests
{
    [Fact]
    public async Task SendAsync_IdenticalConcurrentGets_OneRequestReachesTheServer()
    {
        using var server = new SlowServer();
        using var http = new HttpClient(CoalescingHandler.Create(TimeSpan.FromSeconds(30)));
        var same = new Uri(server.Url, "query?q=SELECT+1");

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => http.GetStringAsync(same)));
        var other = await http.GetStringAsync(new Uri(server.Url, "query?q=SELECT+2"));
        var again = await http.GetStringAsync(same);

        // Five waiters shared one request; a different statement and a later identical one each made their own.
        Assert.All(answers, a => Assert.Equal("answer 1 to /query?q=SELECT+1", a));
        Assert.Equal("answer 2 to /query?q=SELECT+2", other);
        Assert.Equal("answer 3 to /query?q=SELECT+1", again);
        Assert.Equal(3, server.Requests);
    }

    /// <summary>A loopback HTTP server that answers after 300 ms with a request counter.</summary>
    private sealed class SlowServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private int _requests;

        public SlowServer()
        {
            var port = FreePort();
            Url = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _ = ServeAsync();
        }

        public Uri Url { get; }

        public int Requests => Volatile.Read(ref _requests);

        public void Dispose() => _listener.Close();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                var number = Interlocked.Increment(ref _requests);
                _ = Task.Run(async () =>
                {
                    await Task.Delay(300);
                    var body = System.Text.Encoding.UTF8.GetBytes($"answer {number} to {context.Request.RawUrl}");
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync(body);
                    context.Response.Close();
                });
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
