using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MailFlow.Exporter.Rollups;

namespace MailFlow.Exporter.Sinks;

/// <summary>
/// The v1 HTTP API: <c>POST /write?db=&amp;rp=&amp;precision=s</c> with line protocol, gzip-compressed while the
/// server accepts it; <c>CREATE DATABASE</c> through <c>POST /query</c>. Works with InfluxDB 1.x and with the
/// v1-compatibility endpoints of 2.x and 3.x. Credentials travel in the Authorization header, never in the URL.
/// </summary>
public sealed class InfluxV1Transport : IInfluxTransport
{
    private readonly HttpClient _http;
    private readonly InfluxOptions _options;
    private readonly Uri _writeUri;
    private bool _gzip;

    public InfluxV1Transport(InfluxOptions options, HttpMessageHandler? handler = null)
    {
        _options = options;
        _gzip = options.Gzip;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = options.Timeout };
        var baseUri = new Uri(options.Url.TrimEnd('/') + "/");
        var query = "write?db=" + Uri.EscapeDataString(options.Database) + "&precision=s";
        if (!string.IsNullOrEmpty(options.RetentionPolicy))
        {
            query += "&rp=" + Uri.EscapeDataString(options.RetentionPolicy);
        }

        _writeUri = new Uri(baseUri, query);
        QueryUri = new Uri(baseUri, "query");
        var token = options.ResolveToken();
        if (!string.IsNullOrEmpty(token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
        }
        else if (!string.IsNullOrEmpty(options.Username))
        {
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(options.Username + ":" + options.Password));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }

        Description = $"InfluxDB v1 API at {options.Url}, database {options.Database}" + (string.IsNullOrEmpty(options.RetentionPolicy) ? "" : $", retention policy {options.RetentionPolicy}");
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <summary>The <c>/query</c> endpoint.</summary>
    internal Uri QueryUri { get; }

    /// <inheritdoc/>
    public async Task EnsureTargetAsync(CancellationToken cancellationToken)
    {
        if (!_options.CreateDatabase)
        {
            return;
        }

        // CREATE DATABASE is idempotent; an identifier is quoted with its quotes and backslashes escaped.
        var name = "\"" + _options.Database.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        var (status, success, body) = await PostQueryAsync([new("q", "CREATE DATABASE " + name)], cancellationToken).ConfigureAwait(false);
        if (InfluxWriteException.IsRetryableStatus(status))
        {
            throw new InfluxWriteException($"{Description}: CREATE DATABASE answered {status}: {Truncate(body)}", true, status);
        }

        // 401/403 or a statement error (e.g. not an admin): the database may exist already; writes will tell.
        if (!success || StatementError(body) is not null)
        {
            CreateDatabaseRefused = $"CREATE DATABASE {name} refused ({status}): {Truncate(StatementError(body) ?? body)}";
        }
    }

    /// <summary>Set when <see cref="EnsureTargetAsync"/> was refused (not fatal: the database may already exist).</summary>
    public string? CreateDatabaseRefused { get; private set; }

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

            HttpResponseMessage response;
            try
            {
                response = await _http.PostAsync(_writeUri, content, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                throw new InfluxWriteException($"{Description}: cannot reach the server ({e.Message})", true, null, e);
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.NoContent || response.IsSuccessStatusCode)
                {
                    return;
                }

                var status = (int)response.StatusCode;
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (gzip && (status == 415 || (status == 400 && body.Contains("gzip", StringComparison.OrdinalIgnoreCase))))
                {
                    _gzip = false; // This server does not take compressed bodies: send plain text from now on.
                    continue;
                }

                throw new InfluxWriteException(DescribeFailure(status, body), InfluxWriteException.IsRetryableStatus(status), status);
            }
        }
    }

    /// <inheritdoc/>
    public async Task<long> RollupAsync(RollupStep step, IReadOnlyList<RollupSpan> spans, CancellationToken cancellationToken)
    {
        if (spans.Count == 0)
        {
            return 0;
        }

        var statements = RollupQueries.InfluxQlStatements(step, spans, _options.Database, _options.RetentionPolicy);
        try
        {
            return await QueryIntoAsync(step, string.Join("; ", statements), cancellationToken).ConfigureAwait(false);
        }
        catch (InfluxWriteException e) when (!e.Retryable && statements.Count > 1)
        {
            // influxd 1.6 answers a failed statement among several with a bare "not executed": run them one by one
            // (recomputing is idempotent) so that the message names the real cause.
            foreach (var statement in statements)
            {
                await QueryIntoAsync(step, statement, cancellationToken).ConfigureAwait(false);
            }

            throw;
        }
    }

    private async Task<long> QueryIntoAsync(RollupStep step, string statements, CancellationToken cancellationToken)
    {
        var (status, success, body) = await PostQueryAsync([new("db", _options.Database), new("q", statements)], cancellationToken).ConfigureAwait(false);
        var error = success ? StatementError(body) : StatementError(body) ?? body;
        if (error is not null)
        {
            var retryable = InfluxWriteException.IsRetryableStatus(status);
            var unsupported = !retryable && (error.Contains("into", StringComparison.OrdinalIgnoreCase) || error.Contains("support", StringComparison.OrdinalIgnoreCase) || status is 404 or 405);
            var hint = !unsupported ? "" : " (a server without SELECT INTO, such as the v1 endpoints of InfluxDB 2.x/3.x, needs the v2 API, or --influx-rollups false for ingest and run)";
            var what = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Description}: recomputing the {step.Tier.Suffix.TrimStart('_')} rollups failed: HTTP {status}: {Truncate(error)}{hint}");
            throw new InfluxWriteException(what, retryable, status);
        }

        try
        {
            return WrittenCount(body);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException or FormatException)
        {
            throw new InfluxWriteException($"{Description}: unexpected answer to the rollup statements: {Truncate(body)}", false, status, e);
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>POSTs a form to <c>/query</c>; not reaching the server is a retryable <see cref="InfluxWriteException"/>.</summary>
    private async Task<(int Status, bool Success, string Body)> PostQueryAsync(KeyValuePair<string, string>[] form, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent(form);
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(QueryUri, content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransient(e, cancellationToken))
        {
            throw new InfluxWriteException($"{Description}: cannot reach the server ({e.Message})", true, null, e);
        }

        using (response)
        {
            return ((int)response.StatusCode, response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>The sum of the <c>written</c> counts of a <c>SELECT ... INTO</c> answer.</summary>
    internal static long WrittenCount(string body)
    {
        using var json = JsonDocument.Parse(body);
        long written = 0;
        if (!json.RootElement.TryGetProperty("results", out var results))
        {
            return 0;
        }

        foreach (var result in results.EnumerateArray())
        {
            if (!result.TryGetProperty("series", out var series))
            {
                continue;
            }

            foreach (var row in series.EnumerateArray().SelectMany(s => s.GetProperty("values").EnumerateArray()))
            {
                written += row[1].GetInt64();
            }
        }

        return written;
    }

    /// <summary>True for failures a later attempt may not meet: refused or reset connections, DNS, timeouts.</summary>
    internal static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is HttpRequestException or IOException or SocketException or TaskCanceledException or TimeoutException;

    /// <summary>The error of the first failed statement of a <c>/query</c> JSON answer, or null.</summary>
    internal static string? StatementError(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("error", out var top))
            {
                return top.GetString();
            }

            if (json.RootElement.TryGetProperty("results", out var results))
            {
                foreach (var result in results.EnumerateArray())
                {
                    if (result.TryGetProperty("error", out var error))
                    {
                        return error.GetString();
                    }
                }
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string DescribeFailure(int status, string body)
    {
        var error = StatementError(body) ?? body;
        var what = status switch
        {
            400 when error.Contains("partial write", StringComparison.OrdinalIgnoreCase) => "rejected part of the batch (partial write; the other lines were stored)",
            400 => "rejected the batch",
            401 or 403 => "refused the credentials (check --influx-token / --influx-username / --influx-password)",
            404 => "has no such database or endpoint (check --influx-url and --influx-database, or use --influx-create-database)",
            413 => "found the request too large (lower --influx-batch-lines)",
            _ => "failed",
        };
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Description}: the server {what}: HTTP {status}: {Truncate(error)}");
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
