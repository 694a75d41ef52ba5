using System.Net.Http.Headers;
using System.Text;
using MailFlow.Backend.Influx;

namespace MailFlow.Backend.TlsReports;

/// <summary>A write InfluxDB refused or could not take.</summary>
public sealed class InfluxLineWriteException(string message, bool retryable) : Exception(message)
{
    /// <summary>True when trying later may work (unreachable, 5xx, 429): the sender is told to retry.</summary>
    public bool Retryable { get; } = retryable;
}

/// <summary>
/// The backend's only write to InfluxDB: line protocol (precision seconds, as the exporter writes) through the v1
/// <c>/write</c> API, which InfluxDB 1.x serves and 2.x/3.x serve for the database mapped to a bucket, with the same
/// connection options and credentials as the queries. The lines come from MailFlow.TlsReports, the encoding the
/// exporter's <c>tlsrpt</c> command writes too, so a report received both ways lands on the same points.
/// </summary>
public sealed class InfluxLineWriter : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _writeUri;
    private readonly InfluxOptions _options;

    public InfluxLineWriter(InfluxOptions options, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = options.Timeout,
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

        var query = "write?db=" + Uri.EscapeDataString(options.EffectiveDatabase) + "&precision=s";
        if (!string.IsNullOrEmpty(options.RetentionPolicy))
        {
            query += "&rp=" + Uri.EscapeDataString(options.RetentionPolicy);
        }

        _writeUri = new Uri(new Uri(options.Url.ToString().TrimEnd('/') + "/"), query);
    }

    /// <summary>Writes the lines; returns once InfluxDB acknowledged them.</summary>
    /// <exception cref="InfluxLineWriteException">InfluxDB refused the write or could not be reached.</exception>
    public async Task WriteAsync(string lineProtocol, CancellationToken cancellationToken)
    {
        using var content = new StringContent(lineProtocol, Encoding.UTF8, "text/plain");
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(_writeUri, content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !cancellationToken.IsCancellationRequested)
        {
            throw new InfluxLineWriteException($"InfluxDB at {_options.Url} cannot be reached ({e.Message})", true);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var status = (int)response.StatusCode;
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var hint = status switch
            {
                401 or 403 => " (check --influx-token or --influx-username/--influx-password: the account needs write access)",
                404 => $" (database {_options.EffectiveDatabase} missing: mailflow-exporter creates it, or CREATE DATABASE)",
                _ => "",
            };
            throw new InfluxLineWriteException($"InfluxDB at {_options.Url} refused the write: HTTP {status}: {(body.Length > 500 ? body[..500] : body).Trim()}{hint}", status >= 500 || status == 429);
        }
    }

    public void Dispose() => _http.Dispose();
}
