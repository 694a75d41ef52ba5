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
    public Task<IReadOnlyList<InfluxStatementResult>> QueryAsync(IReadOnlyList<string> statements, int requests, CancellationToken cancellationToken = default) =>
        QueryAsync(statements, requests, weights: null, cancellationToken);

    /// <summary>
    /// As <see cref="QueryAsync(IReadOnlyList{string}, int, CancellationToken)"/>, with each statement's expected cost
    /// (<paramref name="weights"/>, any unit): the requests are then balanced by cost rather than by count, so that the
    /// one statement that reads 90 days does not also wait for the small ones behind it.
    /// </summary>
    public async Task<IReadOnlyList<InfluxStatementResult>> QueryAsync(IReadOnlyList<string> statements, int requests, IReadOnlyList<long>? weights, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(statements);
        if (statements.Count == 0)
        {
            return [];
        }

        // InfluxDB runs the statements of one request one after the other: spread them over a few requests so that
        // a question's pieces (edge minutes, 5-minute blocks, hours, days) run on every core.
        var parts = Partition(statements.Count, Math.Clamp(requests, 1, statements.Count), weights);
        var answers = await Task.WhenAll(parts.Select(part => QueryAsync(string.Join("; ", part.Select(index => statements[index])), cancellationToken))).ConfigureAwait(false);
        var results = new InfluxStatementResult[statements.Count];
        for (var part = 0; part < parts.Count; part++)
        {
            if (answers[part].Count != parts[part].Count)
            {
                throw new InfluxQueryException(InfluxErrorKind.Failed, $"InfluxDB at {_options.Url} answered {answers[part].Count} results to {parts[part].Count} statements");
            }

            for (var position = 0; position < parts[part].Count; position++)
            {
                results[parts[part][position]] = answers[part][position];
            }
        }

        return results;
    }

    /// <summary>
    /// The statements' indexes per request: in runs of equal count without weights; with them, the costliest first,
    /// each to the least loaded request (each request's statements kept in their order).
    /// </summary>
    internal static List<List<int>> Partition(int count, int requests, IReadOnlyList<long>? weights)
    {
        if (weights is not null && weights.Count != count)
        {
            throw new ArgumentException($"{weights.Count} weights for {count} statements", nameof(weights));
        }

        var parts = new List<List<int>>();
        if (weights is null)
        {
            var size = (count + requests - 1) / requests;
            for (var first = 0; first < count; first += size)
            {
                parts.Add([.. Enumerable.Range(first, Math.Min(size, count - first))]);
            }

            return parts;
        }

        var loads = new long[requests];
        for (var part = 0; part < requests; part++)
        {
            parts.Add([]);
        }

        foreach (var index in Enumerable.Range(0, count).OrderByDescending(index => weights[index]).ThenBy(index => index))
        {
            var lightest = Array.IndexOf(loads, loads.Min());
            parts[lightest].Add(index);
            loads[lightest] += Math.Max(0, weights[index]);
        }

        parts.RemoveAll(part => part.Count == 0);
        parts.ForEach(part => part.Sort());
        return parts;
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
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw MapHttpError(response.StatusCode, Encoding.UTF8.GetString(body));
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

    /// <summary>
    /// Reads the answer in one pass over its UTF-8 bytes (<see cref="Utf8JsonReader"/>): a 90-day answer of tags as
    /// columns is 700 KB, which a document tree and a UTF-16 copy of the body would take as long to read as InfluxDB to write.
    /// </summary>
    private IReadOnlyList<InfluxStatementResult> Parse(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        var results = new List<InfluxStatementResult>();
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("the answer is not a JSON object");
        }

        string? topError = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.ValueTextEquals("results"u8) ? 1 : reader.ValueTextEquals("error"u8) ? 2 : 0;
            reader.Read();
            if (property == 1 && reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    results.Add(ParseResult(ref reader));
                }
            }
            else if (property == 2 && reader.TokenType == JsonTokenType.String)
            {
                topError = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        if (topError is not null)
        {
            throw StatementError(topError);
        }

        return results;
    }

    private InfluxStatementResult ParseResult(ref Utf8JsonReader reader)
    {
        var series = new List<InfluxSeries>();
        var partial = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.ValueTextEquals("series"u8) ? 1 : reader.ValueTextEquals("error"u8) ? 2 : reader.ValueTextEquals("partial"u8) ? 3 : 0;
            reader.Read();
            if (property == 1 && reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    series.Add(ParseSeries(ref reader, ref partial));
                }
            }
            else if (property == 2 && reader.TokenType == JsonTokenType.String)
            {
                throw StatementError(reader.GetString() ?? string.Empty);
            }
            else if (property == 3)
            {
                partial |= reader.TokenType == JsonTokenType.True;
            }
            else
            {
                reader.Skip();
            }
        }

        // An answer cut at the server's row limit would count too few messages without saying so.
        if (partial)
        {
            throw new InfluxQueryException(InfluxErrorKind.Failed,
                $"InfluxDB at {_options.Url} cut its answer short (\"partial\"): its row limit ([http] max-row-limit) is below what this question reads; set it to 0, no limit");
        }

        return new InfluxStatementResult(series);
    }

    private static InfluxSeries ParseSeries(ref Utf8JsonReader reader, ref bool partial)
    {
        var name = string.Empty;
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        var columns = new List<string>();
        var rows = new List<InfluxRow>();
        var numbers = new List<long>();
        var texts = new List<string?>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var property = reader.ValueTextEquals("name"u8) ? 1 : reader.ValueTextEquals("tags"u8) ? 2 : reader.ValueTextEquals("columns"u8) ? 3
                : reader.ValueTextEquals("values"u8) ? 4 : reader.ValueTextEquals("partial"u8) ? 5 : 0;
            reader.Read();
            if (property == 1 && reader.TokenType == JsonTokenType.String)
            {
                name = reader.GetString() ?? string.Empty;
            }
            else if (property == 2 && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString() ?? string.Empty;
                    reader.Read();
                    tags[key] = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? string.Empty : RawText(ref reader);
                }
            }
            else if (property == 3 && reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    columns.Add(reader.TokenType == JsonTokenType.String ? reader.GetString() ?? string.Empty : string.Empty);
                }
            }
            else if (property == 4 && reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.StartArray)
                {
                    rows.Add(ParseRow(ref reader, columns.Count, numbers, texts));
                }
            }
            else if (property == 5)
            {
                partial |= reader.TokenType == JsonTokenType.True;
            }
            else
            {
                reader.Skip();
            }
        }

        return new InfluxSeries(name, tags, columns, rows);
    }

    /// <summary>One row: its first cell is the time; text cells (tags selected as columns) are kept beside the numbers.</summary>
    private static InfluxRow ParseRow(ref Utf8JsonReader reader, int columnCount, List<long> numbers, List<string?> texts)
    {
        numbers.Clear();
        texts.Clear();
        var hasText = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            string? text = null;
            long number = 0;
            switch (reader.TokenType)
            {
                case JsonTokenType.Number:
                    number = reader.TryGetInt64(out var whole) ? whole : (long)Math.Round(reader.GetDouble());
                    break;
                case JsonTokenType.String:
                    text = reader.GetString();
                    hasText = true;
                    break;
                case JsonTokenType.StartArray or JsonTokenType.StartObject:
                    reader.Skip();
                    break;
            }

            numbers.Add(number);
            texts.Add(text);
        }

        // Sized by the columns (less time), as the cells may be fewer or more than the columns say.
        var width = Math.Max(0, (columnCount > 0 ? columnCount : numbers.Count) - 1);
        var values = new long[width];
        var rowTexts = hasText ? new string?[width] : null;
        for (var index = 1; index < numbers.Count && index - 1 < width; index++)
        {
            values[index - 1] = numbers[index];
            if (rowTexts is not null)
            {
                rowTexts[index - 1] = texts[index];
            }
        }

        return new InfluxRow(numbers.Count > 0 ? numbers[0] : 0, values, rowTexts);
    }

    /// <summary>A tag value that is not a string (a number or a literal) as its JSON text; InfluxDB never nests one.</summary>
    private static string RawText(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
        {
            reader.Skip();
            return string.Empty;
        }

        return Encoding.UTF8.GetString(reader.ValueSpan);
    }

    private InfluxQueryException StatementError(string error) =>
        IsMissingDatabase(error)
            ? MissingDatabase(error)
            : error.Contains("authoriz", StringComparison.OrdinalIgnoreCase)
                ? new InfluxQueryException(InfluxErrorKind.AuthRefused, $"InfluxDB at {_options.Url} refused the query ({error}): check the credentials and their permissions on '{_options.EffectiveDatabase}'") { Cause = error }
                : new InfluxQueryException(InfluxErrorKind.Failed, $"InfluxDB at {_options.Url} reported an error: {error}");
}

/// <summary>The answer to one statement.</summary>
public sealed record InfluxStatementResult(IReadOnlyList<InfluxSeries> Series);

/// <summary>One series of an answer: its group-by tags, its columns (the first is <c>time</c>) and its rows.</summary>
public sealed record InfluxSeries(string Name, IReadOnlyDictionary<string, string> Tags, IReadOnlyList<string> Columns, IReadOnlyList<InfluxRow> Rows)
{
    /// <summary>A tag's value, or the empty string when the series has no such tag.</summary>
    public string Tag(string key) => Tags.TryGetValue(key, out var value) ? value : string.Empty;
}

/// <summary>
/// One row: time in epoch nanoseconds and the numeric columns after it (null and text cells read as 0); the text
/// cells (tags selected as columns) in <see cref="Texts"/>, aligned with <see cref="Values"/>, null when there are none.
/// </summary>
public readonly record struct InfluxRow(long Time, long[] Values, string?[]? Texts = null)
{
    /// <summary>The text of value column <paramref name="index"/>, or the empty string when it holds none.</summary>
    public string Text(int index) => Texts is { } texts && index >= 0 && index < texts.Length ? texts[index] ?? string.Empty : string.Empty;
}
