using System.Net.Http.Headers;
using MailFlow.Exporter.Telemetry;
using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Sinks;

/// <summary>Chooses the write API: from configuration, or from the <c>X-Influxdb-Version</c> header of <c>/ping</c>.</summary>
public static class InfluxTransports
{
    /// <summary>Creates the transport for the options; with <see cref="InfluxApi.Auto"/> asks <c>/ping</c> first.</summary>
    /// <exception cref="InfluxWriteException">The server could not be reached (retryable) or the options do not fit it.</exception>
    public static async Task<IInfluxTransport> ConnectAsync(InfluxOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var api = options.Api;
        if (api == InfluxApi.Auto)
        {
            var version = await PingAsync(options, cancellationToken).ConfigureAwait(false);
            api = Choose(version, options);
            Log.Detected(logger, options.Url, version ?? "(not given)", api == InfluxApi.V1 ? "v1" : "v2");
        }

        return api == InfluxApi.V2 ? new InfluxV2Transport(options) : new InfluxV1Transport(options);
    }

    /// <summary>
    /// 1.x (and an unknown version) speaks v1. 2.x and 3.x speak v2 when org, bucket and a token are configured;
    /// otherwise their v1-compatibility API is used with the database name.
    /// </summary>
    public static InfluxApi Choose(string? version, InfluxOptions options)
    {
        var v = version?.TrimStart('v', 'V') ?? "";
        var modern = v.Length > 0 && char.IsAsciiDigit(v[0]) && v[0] != '0' && v[0] != '1';
        var v2Configured = !string.IsNullOrEmpty(options.Org) && !string.IsNullOrEmpty(options.Bucket) && (!string.IsNullOrEmpty(options.Token) || !string.IsNullOrEmpty(options.TokenFile));
        return modern && v2Configured ? InfluxApi.V2 : InfluxApi.V1;
    }

    /// <summary>GET /ping: the version the server reports, or null when it does not say.</summary>
    public static async Task<string?> PingAsync(InfluxOptions options, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = options.Timeout };
        var token = options.ResolveToken();
        if (!string.IsNullOrEmpty(token))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Token", token);
        }

        try
        {
            using var response = await http.GetAsync(new Uri(new Uri(options.Url.TrimEnd('/') + "/"), "ping"), cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (InfluxWriteException.IsRetryableStatus(status))
            {
                throw new InfluxWriteException($"InfluxDB at {options.Url}: /ping answered HTTP {status}", true, status);
            }

            return response.Headers.TryGetValues("X-Influxdb-Version", out var values) ? values.FirstOrDefault() : null;
        }
        catch (Exception e) when (InfluxV1Transport.IsTransient(e, cancellationToken))
        {
            throw new InfluxWriteException($"InfluxDB at {options.Url}: cannot reach the server ({e.Message})", true, null, e);
        }
    }
}
