using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailFlow.Exporter.Tests.Influx.Support;

/// <summary>One HTTP request as it arrived on the wire (body decompressed when gzip-encoded).</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, IReadOnlyDictionary<string, string> Headers, string Body, bool Gzipped);

/// <summary>
/// A real HTTP server on loopback (HttpListener) that records every request and answers as told: it stands in
/// for an InfluxDB 2.x/3.x, which this machine cannot run, so that the v2 client's real requests can be checked
/// against the documented v2 write API.
/// </summary>
public sealed class RecordingHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<RecordedRequest, (int Status, IReadOnlyDictionary<string, string> Headers, string Body)> _answer;
    private readonly Task _loop;

    public RecordingHttpServer(Func<RecordedRequest, (int Status, IReadOnlyDictionary<string, string> Headers, string Body)> answer)
    {
        _answer = answer;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _listener.Prefixes.Add(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}");

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var request = context.Request;
            var gzipped = string.Equals(request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase);
            string body;
            using (var raw = new MemoryStream())
            {
                await request.InputStream.CopyToAsync(raw);
                raw.Position = 0;
                using var decoded = gzipped ? (Stream)new GZipStream(raw, CompressionMode.Decompress) : raw;
                using var reader = new StreamReader(decoded, Encoding.UTF8);
                body = await reader.ReadToEndAsync();
            }

            var query = new Dictionary<string, string>();
            foreach (var key in request.QueryString.AllKeys.OfType<string>())
            {
                query[key] = request.QueryString[key] ?? "";
            }

            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var key in request.Headers.AllKeys.OfType<string>())
            {
                headers[key] = request.Headers[key] ?? "";
            }

            var recorded = new RecordedRequest(request.HttpMethod, request.Url!.AbsolutePath, query, headers, body, gzipped);
            Requests.Enqueue(recorded);
            var (status, answerHeaders, answerBody) = _answer(recorded);
            context.Response.StatusCode = status;
            foreach (var (key, value) in answerHeaders)
            {
                context.Response.Headers[key] = value;
            }

            var bytes = Encoding.UTF8.GetBytes(answerBody);
            if (bytes.Length > 0)
            {
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(bytes);
            }

            context.Response.Close();
        }
    }
}
