using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MailFlow.Exporter.Formats.Text;
using MailFlow.Exporter.Rollups;

namespace MailFlow.Exporter.Sinks;

/// <summary>
/// The v2 HTTP API: <c>POST /api/v2/write?org=&amp;bucket=&amp;precision=s</c> with <c>Authorization: Token</c>
/// and line protocol (gzip-compressed while the server accepts it); buckets through <c>/api/v2/buckets</c>, rollups
/// as Flux through <c>/api/v2/query</c>. InfluxDB 2.x, 3.x and 1.8+; 1.6/1.7 answer 404. Plain
/// <see cref="HttpClient"/> and System.Text.Json (no reflection), so that the Native AOT build carries it.
/// Without a token, a username and password sign in (<c>POST /api/v2/signin</c>) for a session cookie.
/// </summary>
public sealed class InfluxV2Transport : IInfluxTransport
{
    private readonly InfluxOptions _options;
    private readonly HttpClient _http;
    private readonly Uri _baseUri;
    private readonly Uri _writeUri;
    private readonly AuthenticationHeaderValue? _signIn;
    private bool _signedIn;
    private bool _gzip;

    public InfluxV2Transport(InfluxOptions options, HttpMessageHandler? handler = null)
    {
        _options = options;
        _gzip = options.Gzip;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), CookieContainer = new CookieContainer() }) { Timeout = options.Timeout };
        _baseUri = new Uri(options.Url.TrimEnd('/') + "/");
        _writeUri = new Uri(_baseUri, "api/v2/write?org=" + Uri.EscapeDataString(options.Org ?? "") + "&bucket=" + Uri.EscapeDataString(options.Bucket ?? "") + "&precision=s");
        var token = options.ResolveToken();
        if (!string.IsNullOrEmpty(token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
        }
        else if (!string.IsNullOrEmpty(options.Username))
        {
            _signIn = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(options.Username + ":" + options.Password)));
        }

        Description = $"InfluxDB v2 API at {options.Url}, org {options.Org}, bucket {options.Bucket}";
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <summary>Set when <see cref="EnsureTargetAsync"/> could not check or create the bucket (not fatal).</summary>
    public string? CreateBucketRefused { get; private set; }

    /// <inheritdoc/>
    public async Task EnsureTargetAsync(CancellationToken cancellationToken)
    {
        if (!_options.CreateDatabase)
        {
            return;
        }

        try
        {
            var (status, body) = await SendAsync(HttpMethod.Get, "api/v2/buckets?name=" + Uri.EscapeDataString(_options.Bucket ?? ""), null, cancellationToken).ConfigureAwait(false);
            Check(status, body);
            if (Items(body, "buckets").Any())
            {
                return;
            }

            (status, body) = await SendAsync(HttpMethod.Get, "api/v2/orgs?org=" + Uri.EscapeDataString(_options.Org ?? ""), null, cancellationToken).ConfigureAwait(false);
            // 2.x answers 404 for an organisation that does not exist.
            var orgId = status == 404 ? null : Items(Check(status, body), "orgs")
                .Where(o => Text(o, "name") == _options.Org || Text(o, "id") == _options.Org).Select(o => Text(o, "id")).FirstOrDefault();
            if (orgId is null)
            {
                CreateBucketRefused = $"organisation {_options.Org} not found; bucket {_options.Bucket} not created";
                return;
            }

            var create = Json(writer =>
            {
                writer.WriteString("orgID", orgId);
                writer.WriteString("name", _options.Bucket);
                writer.WriteStartArray("retentionRules");
                writer.WriteEndArray();
            });
            (status, body) = await SendAsync(HttpMethod.Post, "api/v2/buckets", create, cancellationToken).ConfigureAwait(false);
            Check(status, body);
        }
        catch (InfluxWriteException e) when (!e.Retryable)
        {
            // Tokens scoped to writing one bucket may not list or create buckets: writes will tell.
            CreateBucketRefused = e.Message;
        }
    }

    /// <inheritdoc/>
    public async Task WriteAsync(ReadOnlyMemory<byte> lineProtocol, CancellationToken cancellationToken)
    {
        while (true)
        {
            var gzip = _gzip;
            using HttpContent content = gzip ? Compress(lineProtocol) : new ReadOnlyMemoryContent(lineProtocol);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/plain") { CharSet = "utf-8" };
            if (gzip)
            {
                content.Headers.ContentEncoding.Add("gzip");
            }

            var (status, body) = await SendAsync(HttpMethod.Post, _writeUri, content, cancellationToken).ConfigureAwait(false);
            if (gzip && (status == 415 || (status == 400 && body.Contains("gzip", StringComparison.OrdinalIgnoreCase))))
            {
                _gzip = false; // This server does not take compressed bodies: send plain text from now on.
                continue;
            }

            Check(status, body);
            return;
        }
    }

    /// <inheritdoc/>
    public async Task<long> RollupAsync(RollupStep step, IReadOnlyList<RollupSpan> spans, CancellationToken cancellationToken)
    {
        if (spans.Count == 0)
        {
            return 0;
        }

        // v2 has no SELECT ... INTO: a Flux script aggregates and writes back with to(), inside the server.
        var flux = RollupQueries.Flux(step, spans, _options.Bucket!, _options.Org!);
        var query = Json(writer =>
        {
            writer.WriteString("query", flux);
            writer.WriteString("type", "flux");
            writer.WriteStartObject("dialect");
            writer.WriteBoolean("header", true);
            writer.WriteString("delimiter", ",");
            writer.WriteStartArray("annotations");
            writer.WriteStringValue("datatype");
            writer.WriteStringValue("group");
            writer.WriteStringValue("default");
            writer.WriteEndArray();
            writer.WriteString("commentPrefix", "#");
            writer.WriteString("dateTimeFormat", "RFC3339");
            writer.WriteEndObject();
        });
        var (status, body) = await SendAsync(HttpMethod.Post, "api/v2/query?org=" + Uri.EscapeDataString(_options.Org ?? ""), query, cancellationToken).ConfigureAwait(false);
        Check(status, body);
        try
        {
            return WrittenCount(body);
        }
        catch (FormatException e)
        {
            throw new InfluxWriteException($"{Description}: unexpected answer to the rollup query: {Truncate(body)}", false, status, e);
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// The sum of <c>_value</c> over the rows of the counting yields (named <c>w...</c>) of an annotated-CSV Flux
    /// answer: one table per yield, each with its own header row after its <c>#</c> annotation rows.
    /// </summary>
    internal static long WrittenCount(string csv)
    {
        long written = 0;
        int resultColumn = -1, valueColumn = -1;
        var fields = new Range[64];
        foreach (var raw in csv.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                resultColumn = valueColumn = -1; // A blank line ends a table; the next one has its own header.
                continue;
            }

            if (line[0] == '#')
            {
                continue;
            }

            var bytes = Encoding.UTF8.GetBytes(line);
            var count = Utf8Csv.Split(bytes, fields);
            var cells = fields[..count].Select(range => Encoding.UTF8.GetString(bytes.AsSpan()[range]).Replace("\"\"", "\"", StringComparison.Ordinal)).ToArray();
            if (resultColumn < 0 || valueColumn < 0)
            {
                resultColumn = Array.IndexOf(cells, "result");
                valueColumn = Array.IndexOf(cells, "_value");
                continue;
            }

            if (cells.Length > Math.Max(resultColumn, valueColumn) && cells[resultColumn].StartsWith('w') && cells[valueColumn].Length > 0)
            {
                written += long.TryParse(cells[valueColumn], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                    ? value
                    : (long)double.Parse(cells[valueColumn], NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        return written;
    }

    private Task<(int Status, string Body)> SendAsync(HttpMethod method, string relative, HttpContent? content, CancellationToken cancellationToken) =>
        SendAsync(method, new Uri(_baseUri, relative), content, cancellationToken);

    /// <summary>Sends one request; not reaching the server is a retryable <see cref="InfluxWriteException"/>.</summary>
    private async Task<(int Status, string Body)> SendAsync(HttpMethod method, Uri uri, HttpContent? content, CancellationToken cancellationToken)
    {
        try
        {
            if (_signIn is not null && !_signedIn)
            {
                using var signIn = new HttpRequestMessage(HttpMethod.Post, new Uri(_baseUri, "api/v2/signin"));
                signIn.Headers.Authorization = _signIn;
                using var signedIn = await _http.SendAsync(signIn, cancellationToken).ConfigureAwait(false);
                Check((int)signedIn.StatusCode, await signedIn.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                _signedIn = true;
            }

            using var request = new HttpRequestMessage(method, uri) { Content = content };
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (InfluxV1Transport.IsTransient(e, cancellationToken))
        {
            throw new InfluxWriteException($"{Description}: cannot reach the server ({e.Message})", true, null, e);
        }
    }

    /// <summary>Returns the body of a successful answer; throws the classified failure otherwise.</summary>
    private string Check(int status, string body)
    {
        if (status is >= 200 and < 300)
        {
            return body;
        }

        if (status == 401 && _signIn is not null)
        {
            _signedIn = false; // The session may have expired: sign in again on the next request.
        }

        var hint = status == 404 ? " (this server has no v2 API, e.g. InfluxDB 1.6/1.7: use --influx-api v1)" : "";
        throw new InfluxWriteException($"{Description}: HTTP {status}: {Truncate(ErrorMessage(body))}{hint}", InfluxWriteException.IsRetryableStatus(status), status);
    }

    /// <summary>The <c>message</c> of a v2 error body (<c>{"code":...,"message":...}</c>), else the body.</summary>
    private static string ErrorMessage(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                ? message.GetString() ?? body
                : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    /// <summary>The objects of a list answer (<c>{"buckets": [...]}</c>), each as a cloned element.</summary>
    private IEnumerable<JsonElement> Items(string body, string property)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(property, out var items) && items.ValueKind == JsonValueKind.Array
                ? [.. items.EnumerateArray().Select(item => item.Clone())]
                : [];
        }
        catch (JsonException e)
        {
            throw new InfluxWriteException($"{Description}: unexpected answer listing {property}: {Truncate(body)}", false, null, e);
        }
    }

    private static string? Text(JsonElement item, string property) =>
        item.ValueKind == JsonValueKind.Object && item.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static ByteArrayContent Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return new ByteArrayContent(buffer.WrittenSpan.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } };
    }

    private static string Truncate(string text) => text.Length <= 2000 ? text.Trim() : text[..2000] + "...";

    private static ByteArrayContent Compress(ReadOnlyMemory<byte> body)
    {
        using var buffer = new MemoryStream(body.Length / 4 + 64);
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(body.Span);
        }

        return new ByteArrayContent(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
