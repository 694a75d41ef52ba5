using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MailFlow.Backend.Hosting;

namespace MailFlow.Backend.Influx;

/// <summary>
/// The one place InfluxDB is reached: InfluxQL over <c>/query</c> (1.x, 2.x and 3.x v1 API), JSON answers with
/// epoch-nanosecond times, every statement's error checked, and every failure mapped to a
/// <see cref="InfluxQueryException"/> whose message names the server and what to do, never a secret.
/// </summary>
public sealed class InfluxQlClient : IDisposable
{
    /// <summary>URLs longer than this go as a POST form (proxies and servers cap request lines around 8 KB).</summary>
    private const int MaxGetUrlLength = 4000;

    private readonly InfluxOptions _options;
    private readonly HttpClient _http;
    private readonly Uri _queryBase;
    private readonly string _fixedParameters;

    public InfluxQlClient(InfluxOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            MaxConnectionsPerServer = 64,
            AutomaticDecompression = DecompressionMethods.GZip,
        })
        {
            // Per-request deadlines come from a linked token, so that a timeout is told apart from a cancellation.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        if (!string.IsNullOrEmpty(options.Token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", options.Token);
        }
        else if (!string.IsNullOrEmpty(options.Username))
        {
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes(options.Username + ":" + (options.Password ?? string.Empty)));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }

        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var baseUrl = options.Url.ToString().TrimEnd('/');
        _queryBase = new Uri(baseUrl + "/query");
        var fixedParameters = new StringBuilder("db=").Append(Uri.EscapeDataString(options.EffectiveDatabase)).Append("&epoch=ns");
        if (!string.IsNullOrEmpty(options.RetentionPolicy))
        {
            fixedParameters.Append("&rp=").Append(Uri.EscapeDataString(options.RetentionPolicy));
        }

        _fixedParameters = fixedParameters.ToString();
    }

    /// <summary>The options in use (for descriptions; secrets stay inside).</summary>
    public InfluxOptions Options => _options;

    /// <summary>
    /// Runs the statements in up to <paramref name="requests"/> concurrent requests and returns one result per
    /// statement, in order; fails as <see cref="QueryAsync(string, CancellationToken)"/> does.
    /// </summary>
    public async Task<IReadOnlyList<InfluxStatementResult>> QueryAsync(IReadOnlyList<string> statements, int requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statements);
        if (statements.Count == 0)
        {
            return [];
        }

        // InfluxDB runs the statements of one request one after the other: spread them over a few requests so that
        // a question's pieces (edge minutes, 5-minute blocks, hours, days) run on every core.
        var parallel = Math.Clamp(requests, 1, statements.Count);
        var size = (statements.Count + parallel - 1) / parallel;
        var parts = new List<Task<IReadOnlyList<InfluxStatementResult>>>();
        for (var first = 0; first < statements.Count; first += size)
        {
            parts.Add(QueryAsync(string.Join("; ", statements.Skip(first).Take(size)), cancellationToken));
        }

        var answers = await Task.WhenAll(parts).ConfigureAwait(false);
        return [.. answers.SelectMany(answer => answer)];
    }

    /// <summary>Whether <paramref name="measurement"/> exists in the database.</summary>
    public async Task<bool> MeasurementExistsAsync(string measurement, CancellationToken cancellationToken = default)
    {
        // Rows keep numbers only: asking for the one name gives a series exactly when it exists.
        var answer = await QueryAsync($"SHOW MEASUREMENTS WITH MEASUREMENT = {InfluxQl.QuoteIdentifier(measurement)}", cancellationToken).ConfigureAwait(false);
        return answer.Any(result => result.Series.Any(series => series.Rows.Count > 0));
    }

    /// <summary>
    /// Runs one or more <c>;</c>-separated statements in one request and returns one result per statement. Throws
    /// <see cref="InfluxQueryException"/> when InfluxDB is unreachable, refuses the credentials, lacks the
    /// database, times out, or reports an error for any statement.
    /// </summary>
    public async Task<IReadOnlyList<InfluxStatementResult>> QueryAsync(string influxQl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(influxQl);
        var parameters = _fixedParameters + "&q=" + Uri.EscapeDataString(influxQl);
        using var request = parameters.Length + _queryBase.OriginalString.Length < MaxGetUrlLength
            ? new HttpRequestMessage(HttpMethod.Get, _queryBase.OriginalString + "?" + parameters)
            : new HttpRequestMessage(HttpMethod.Post, _queryBase)
            {
                Content = new StringContent(parameters, Encoding.UTF8, "application/x-www-form-urlencoded"),
            };
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await ReadBodyAsync(response, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw MapHttpError(response.StatusCode, body);
        }

        try
        {
            return Parse(body);
        }
        catch (JsonException e)
        {
            throw new InfluxQueryException(InfluxErrorKind.Failed, $"InfluxDB at {_options.Url} answered something that is not InfluxQL JSON: {e.Message}", e);
        }
    }

    /// <summary>GET <c>/ping</c>: the server's version (<c>X-Influxdb-Version</c>), or an exception when unreachable.</summary>
    public async Task<string?> PingAsync(CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _options.Url.ToString().TrimEnd('/') + "/ping");
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw MapHttpError(response.StatusCode, string.Empty);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new InfluxQueryException(InfluxErrorKind.Unavailable, $"InfluxDB at {_options.Url} answered /ping with HTTP {(int)response.StatusCode}");
        }

        return response.Headers.TryGetValues("X-Influxdb-Version", out var values) ? values.FirstOrDefault() : null;
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.Timeout);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token).ConfigureAwait(false);
            PhaseTimings.Phase("influx request", started, $"{request.Method} HTTP {(int)response.StatusCode}, {response.Content.Headers.ContentLength ?? -1} bytes");
            return response;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            var seconds = _options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture);
            throw new InfluxQueryException(InfluxErrorKind.Timeout, $"InfluxDB at {_options.Url} did not answer within {seconds} s", e) { Cause = $"no answer within {seconds} s" };
        }
        catch (HttpRequestException e)
        {
            throw new InfluxQueryException(InfluxErrorKind.Unavailable, $"InfluxDB at {_options.Url} is unreachable ({e.Message}): check that it runs and {_options.SettingNames.Url}", e) { Cause = e.Message };
        }
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);

    private InfluxQueryException MapHttpError(HttpStatusCode status, string body)
    {
        var detail = ErrorText(body);
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var cause = $"HTTP {(int)status}{(detail.Length > 0 ? ": " + detail : string.Empty)}";
            return new InfluxQueryException(InfluxErrorKind.AuthRefused,
                $"InfluxDB at {_options.Url} refused the credentials ({cause}): check {_options.SettingNames.Token} or {_options.SettingNames.UserAndPassword}") { Cause = cause };
        }

        if (IsMissingDatabase(detail))
        {
            return MissingDatabase(detail);
        }

        if ((int)status >= 500)
        {
            return new InfluxQueryException(InfluxErrorKind.Unavailable, $"InfluxDB at {_options.Url} failed (HTTP {(int)status}{(detail.Length > 0 ? ": " + detail : string.Empty)})");
        }

        if (status == HttpStatusCode.NotFound)
        {
            var cause = $"HTTP 404{(detail.Length > 0 ? ": " + detail : string.Empty)}";
            return new InfluxQueryException(InfluxErrorKind.Failed, $"{_options.Url} has no InfluxQL /query endpoint ({cause}): is {_options.SettingNames.Url} an InfluxDB server?") { Cause = "no InfluxQL /query endpoint, " + cause };
        }

        return new InfluxQueryException(InfluxErrorKind.Failed, $"InfluxDB at {_options.Url} rejected the query (HTTP {(int)status}{(detail.Length > 0 ? ": " + detail : string.Empty)})");
    }

    private InfluxQueryException MissingDatabase(string detail) =>
        new(InfluxErrorKind.DatabaseMissing,
            $"InfluxDB at {_options.Url} has no database '{_options.EffectiveDatabase}'{(_options.RetentionPolicy is { Length: > 0 } rp ? " or retention policy '" + rp + "'" : string.Empty)} ({detail}): run the exporter first or check {_options.SettingNames.Database}") { Cause = detail };

    private static bool IsMissingDatabase(string detail) =>
        detail.Contains("database not found", StringComparison.OrdinalIgnoreCase)
        || detail.Contains("bucket not found", StringComparison.OrdinalIgnoreCase)
        || detail.Contains("retention policy not found", StringComparison.OrdinalIgnoreCase)
        || detail.Contains("no dbrp mapping", StringComparison.OrdinalIgnoreCase)
        || detail.Contains("database", StringComparison.OrdinalIgnoreCase) && detail.Contains("not found", StringComparison.OrdinalIgnoreCase);

    /// <summary>The error text of a JSON error body (<c>{"error": ...}</c> in 1.x, <c>{"message": ...}</c> in 2.x/3.x), else the body itself, cut short.</summary>
    private static string ErrorText(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return string.Empty;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var name in (string[])["error", "message"])
                {
                    if (document.RootElement.TryGetProperty(name, out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        return text.GetString() ?? string.Empty;
                    }
                }
            }
        }
        catch (JsonException)
        {
        }

        body = body.Trim();
        return body.Length > 200 ? body[..200] : body;
    }

    private IReadOnlyList<InfluxStatementResult> Parse(string body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.TryGetProperty("error", out var topError) && topError.ValueKind == JsonValueKind.String)
        {
            throw StatementError(topError.GetString() ?? string.Empty);
        }

        var results = new List<InfluxStatementResult>();
        if (!root.TryGetProperty("results", out var resultArray) || resultArray.ValueKind != JsonValueKind.Array)
        {
            return results;
        }

        foreach (var result in resultArray.EnumerateArray())
        {
            if (result.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
            {
                throw StatementError(error.GetString() ?? string.Empty);
            }

            var series = new List<InfluxSeries>();
            if (result.TryGetProperty("series", out var seriesArray) && seriesArray.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in seriesArray.EnumerateArray())
                {
                    series.Add(ParseSeries(item));
                }
            }

            results.Add(new InfluxStatementResult(series));
        }

        return results;
    }

    private InfluxQueryException StatementError(string error) =>
        IsMissingDatabase(error)
            ? MissingDatabase(error)
            : error.Contains("authoriz", StringComparison.OrdinalIgnoreCase)
                ? new InfluxQueryException(InfluxErrorKind.AuthRefused, $"InfluxDB at {_options.Url} refused the query ({error}): check the credentials and their permissions on '{_options.EffectiveDatabase}'") { Cause = error }
                : new InfluxQueryException(InfluxErrorKind.Failed, $"InfluxDB at {_options.Url} reported an error: {error}");

    private static InfluxSeries ParseSeries(JsonElement item)
    {
        var name = item.TryGetProperty("name", out var n) ? n.GetString() ?? string.Empty : string.Empty;
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (item.TryGetProperty("tags", out var tagObject) && tagObject.ValueKind == JsonValueKind.Object)
        {
            foreach (var tag in tagObject.EnumerateObject())
            {
                tags[tag.Name] = tag.Value.ValueKind == JsonValueKind.String ? tag.Value.GetString() ?? string.Empty : tag.Value.GetRawText();
            }
        }

        var columns = new List<string>();
        if (item.TryGetProperty("columns", out var columnArray) && columnArray.ValueKind == JsonValueKind.Array)
        {
            foreach (var column in columnArray.EnumerateArray())
            {
                columns.Add(column.GetString() ?? string.Empty);
            }
        }

        var rows = new List<InfluxRow>();
        if (item.TryGetProperty("values", out var valueArray) && valueArray.ValueKind == JsonValueKind.Array)
        {
            foreach (var row in valueArray.EnumerateArray())
            {
                var values = new long[Math.Max(0, columns.Count - 1)];
                long time = 0;
                var index = 0;
                foreach (var cell in row.EnumerateArray())
                {
                    var number = ToLong(cell);
                    if (index == 0)
                    {
                        time = number;
                    }
                    else if (index - 1 < values.Length)
                    {
                        values[index - 1] = number;
                    }

                    index++;
                }

                rows.Add(new InfluxRow(time, values));
            }
        }

        return new InfluxSeries(name, tags, columns, rows);
    }

    private static long ToLong(JsonElement cell) => cell.ValueKind switch
    {
        JsonValueKind.Number => cell.TryGetInt64(out var whole) ? whole : (long)Math.Round(cell.GetDouble()),
        _ => 0,
    };
}

/// <summary>The answer to one statement.</summary>
public sealed record InfluxStatementResult(IReadOnlyList<InfluxSeries> Series);

/// <summary>One series of an answer: its group-by tags, its columns (the first is <c>time</c>) and its rows.</summary>
public sealed record InfluxSeries(string Name, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<string> Columns, IReadOnlyList<InfluxRow> Rows)
{
    /// <summary>A tag's value, or the empty string when the series has no such tag.</summary>
    public string Tag(string key) => Tags.TryGetValue(key, out var value) ? value : string.Empty;
}

/// <summary>One row: time in epoch nanoseconds and the numeric columns after it (null cells read as 0).</summary>
public readonly record struct InfluxRow(long Time, long[] Values);
