using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;

namespace MailFlow.Backend.Influx;

/// <summary>
/// Shares one InfluxDB request among identical GET requests in flight at the same time. A dashboard sends its
/// panels' queries together, and several of them (insights, connector TLS shares, the connector list) need the
/// very same InfluxQL statement; API callers polling the same question do too: it runs once. Nothing is kept once
/// the answer is in, so no answer is ever stale.
/// </summary>
internal sealed class CoalescingHandler(TimeSpan timeout) : DelegatingHandler
{
    private readonly ConcurrentDictionary<string, Lazy<Task<Buffered>>> _inFlight = new(StringComparer.Ordinal);

    /// <summary>The handler the plugin and the API server give their InfluxDB clients (the client's own defaults).</summary>
    public static CoalescingHandler Create(TimeSpan timeout) => new(timeout)
    {
        InnerHandler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            MaxConnectionsPerServer = 64,
            AutomaticDecompression = DecompressionMethods.GZip,
        },
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Get || request.RequestUri is null)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        // The URL holds the statement, the database and the epoch; credentials are the same for the whole client.
        var key = request.RequestUri.AbsoluteUri;
        var shared = _inFlight.GetOrAdd(key, _ => new Lazy<Task<Buffered>>(() => FetchAsync(key, request)));
        var buffered = await shared.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        return buffered.ToResponse(request);
    }

    private async Task<Buffered> FetchAsync(string key, HttpRequestMessage request)
    {
        try
        {
            // Not bound to the first caller's token: another caller may still want the answer.
            // Nor to the first caller's request message, which that caller disposes when it gives up.
            using var deadline = new CancellationTokenSource(timeout);
            using var own = new HttpRequestMessage(HttpMethod.Get, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
            foreach (var (name, values) in request.Headers)
            {
                own.Headers.TryAddWithoutValidation(name, values);
            }

            using var response = await base.SendAsync(own, deadline.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(deadline.Token).ConfigureAwait(false);
            return new Buffered(response.StatusCode, response.ReasonPhrase, [.. response.Headers], [.. response.Content.Headers], body);
        }
        finally
        {
            _inFlight.TryRemove(key, out _);
        }
    }

    /// <summary>A response read to the end, handed to every waiter as its own message.</summary>
    private sealed record Buffered(
        HttpStatusCode Status,
        string? Reason,
        KeyValuePair<string, IEnumerable<string>>[] Headers,
        KeyValuePair<string, IEnumerable<string>>[] ContentHeaders,
        byte[] Body)
    {
        public HttpResponseMessage ToResponse(HttpRequestMessage request)
        {
            var response = new HttpResponseMessage(Status) { ReasonPhrase = Reason, RequestMessage = request, Content = new ByteArrayContent(Body) };
            Copy(Headers, response.Headers);
            Copy(ContentHeaders, response.Content.Headers);
            return response;
        }

        private static void Copy(KeyValuePair<string, IEnumerable<string>>[] from, HttpHeaders to)
        {
            foreach (var (name, values) in from)
            {
                to.TryAddWithoutValidation(name, values);
            }
        }
    }
}
