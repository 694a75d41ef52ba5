using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using MailFlow.TlsReports;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Net.Http.Headers;

namespace MailFlow.Backend.TlsReports;

/// <summary>The answer to a POSTed report (JSON): what was done, or what is wrong and where.</summary>
/// <param name="Status"><c>accepted</c> or <c>refused</c>.</param>
/// <param name="Message">A sentence for the sender's operator.</param>
/// <param name="Organization">The report's organisation, once read.</param>
/// <param name="ReportId">The report's report-id, once read.</param>
/// <param name="Points">Points written (accepted reports).</param>
/// <param name="Notes">Oddities tolerated in an accepted report.</param>
public sealed record TlsReportAnswer(string Status, string Message, string? Organization = null, string? ReportId = null, int? Points = null, IReadOnlyList<string>? Notes = null);

/// <summary>Source-generated JSON of the receiver's answers (Native AOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TlsReportAnswer))]
internal sealed partial class TlsReportAnswerJson : JsonSerializerContext;

/// <summary>
/// Receives SMTP TLS reports over HTTPS (RFC 8460 section 5.3) in <c>serve</c>: <c>POST</c> of
/// <c>application/tlsrpt+gzip</c> or <c>application/tlsrpt+json</c> on its own listener, with a body size limit,
/// decompression limits, validation by the shared <see cref="TlsReportParser"/> (a clear 4xx answer naming the
/// place in the JSON), a per-client-address rate limit, and the report's points written to InfluxDB (a report
/// POSTed again overwrites its own points: it counts once). 200 means stored; 503 means try again later.
/// </summary>
public static partial class TlsReportReceiver
{
    private const string RateLimitPolicy = "tlsrpt";

    /// <summary>Adds the listener, the rate limiter and the services; does nothing when the receiver is off.</summary>
    public static void Configure(WebApplicationBuilder builder, TlsReportReceiverOptions options, Influx.InfluxOptions influx, string? tlsCertPath, string? tlsKeyPath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return;
        }

        var endpoint = options.ParseListen();
        var bound = new TlsReportListener { Https = !string.IsNullOrEmpty(tlsCertPath) };
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(endpoint, listen =>
            {
                bound.Options = listen;
                // Marks the connections of this listener, so that only the report path answers on it (see Map).
                listen.Use(next => connection =>
                {
                    connection.Features.Set(TlsReportConnection.Instance);
                    return next(connection);
                });
                if (!string.IsNullOrEmpty(tlsCertPath))
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(X509Certificate2.CreateFromPemFile(tlsCertPath, tlsKeyPath));
                }
                else
                {
                    listen.Protocols = HttpProtocols.Http1;
                }
            });
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(bound);
        builder.Services.AddSingleton(provider => new InfluxLineWriter(influx));
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(RateLimitPolicy, context => RateLimitPartition.GetTokenBucketLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.PerMinute,
                    TokensPerPeriod = options.PerMinute,
                    ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                var answer = new TlsReportAnswer("refused", string.Create(CultureInfo.InvariantCulture, $"too many reports from this address (at most {options.PerMinute} a minute): try again later"));
                await WriteAnswerAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, answer, cancellationToken).ConfigureAwait(false);
            };
        });
    }

    /// <summary>Maps the report path and keeps each listener to its own endpoints; does nothing when the receiver is off.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetService<TlsReportReceiverOptions>();
        if (options is null)
        {
            return;
        }

        app.Use(next => context =>
        {
            // The report listener answers the report path only, and the gRPC listener never answers it.
            var onReportListener = context.Features.Get<TlsReportConnection>() is not null;
            var isReportPath = context.Request.Path.Equals(options.Path, StringComparison.Ordinal);
            if (onReportListener != isReportPath)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
        app.UseRateLimiter();
        app.MapPost(options.Path, ReceiveAsync).RequireRateLimiting(RateLimitPolicy);
    }

    /// <summary>The address the report listener is bound to (port 0 resolved), once the server started; null when off.</summary>
    public static Uri? BoundAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var listen = app.Services.GetService<TlsReportListener>()?.Options;
        if (listen?.IPEndPoint is not { } endpoint)
        {
            return null;
        }

        var https = app.Services.GetRequiredService<TlsReportListener>().Https;
        var host = IPAddress.IsLoopback(endpoint.Address) || endpoint.Address.Equals(IPAddress.Any) ? "127.0.0.1" : endpoint.Address.ToString();
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"{(https ? "https" : "http")}://{host}:{endpoint.Port}"));
    }

    private static async Task ReceiveAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<TlsReportReceiverOptions>();
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("MailFlow.Backend.TlsReports");
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var cancellationToken = context.RequestAborted;

        // 1. What it says it is.
        var contentType = context.Request.ContentType;
        var mediaType = MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType.Value?.ToLowerInvariant() : null;
        if (mediaType is not (TlsReportVocabulary.GzipMediaType or TlsReportVocabulary.JsonMediaType))
        {
            await RefuseAsync(context, logger, client, StatusCodes.Status415UnsupportedMediaType, $"Content-Type must be {TlsReportVocabulary.GzipMediaType} or {TlsReportVocabulary.JsonMediaType} (RFC 8460 section 5.3), not '{contentType ?? "(none)"}'").ConfigureAwait(false);
            return;
        }

        var encoding = context.Request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(context, logger, client, StatusCodes.Status415UnsupportedMediaType, $"Content-Encoding '{encoding}' is not supported (gzip or none)").ConfigureAwait(false);
            return;
        }

        // 2. The body, never more than the limit (a Content-Length that says more is refused before reading).
        var limit = options.Limits.MaxCompressedBytes;
        if (context.Request.ContentLength > limit)
        {
            await RefuseAsync(context, logger, client, StatusCodes.Status413PayloadTooLarge, string.Create(CultureInfo.InvariantCulture, $"the body is {context.Request.ContentLength:N0} bytes; at most {limit:N0} are accepted")).ConfigureAwait(false);
            return;
        }

        // Kestrel's own limit (30 MB by default) must not cut in first with an answer of its own.
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = (long)limit + 65536;
        }

        byte[] body;
        using (var buffer = new MemoryStream())
        {
            var chunk = new byte[16384];
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    await RefuseAsync(context, logger, client, StatusCodes.Status413PayloadTooLarge, string.Create(CultureInfo.InvariantCulture, $"the body is more than the {limit:N0} bytes accepted")).ConfigureAwait(false);
                    return;
                }

                buffer.Write(chunk, 0, read);
            }

            body = buffer.ToArray();
        }

        // 3. The report: the same reader as mailflow-exporter's (gzip sniffed and bounded, then field by field).
        // Content-Encoding: gzip over a +json report is the same bytes as a +gzip report: no note about a mismatch.
        var declared = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) ? TlsReportVocabulary.GzipMediaType : mediaType;
        var result = TlsReportParser.Read(body, declared, options.Limits, DateTimeOffset.UtcNow);
        if (result.Report is not { } report)
        {
            var status = result.Error!.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest;
            await RefuseAsync(context, logger, client, status, "not a valid SMTP TLS report: " + result.Error).ConfigureAwait(false);
            return;
        }

        var foreign = report.Policies.Select(p => p.PolicyDomain).Where(d => !options.Accepts(d)).Distinct(StringComparer.Ordinal).ToList();
        if (foreign.Count > 0)
        {
            await RefuseAsync(context, logger, client, StatusCodes.Status422UnprocessableEntity, $"this receiver takes reports about {string.Join(", ", options.PolicyDomains)} only, not {string.Join(", ", foreign)}", report).ConfigureAwait(false);
            return;
        }

        // 4. Stored, then acknowledged: the points are a function of the report, so a retry overwrites them.
        var points = TlsReportPoints.For(report);
        try
        {
            await context.RequestServices.GetRequiredService<InfluxLineWriter>().WriteAsync(points.ToLineProtocol(), cancellationToken).ConfigureAwait(false);
        }
        catch (InfluxLineWriteException e)
        {
            Log.StoreFailed(logger, report.OrganizationName, report.ReportId, e.Message);
            context.Response.Headers.RetryAfter = "300";
            await WriteAnswerAsync(context, StatusCodes.Status503ServiceUnavailable, new TlsReportAnswer("refused", "the report could not be stored now: try again later", report.OrganizationName, report.ReportId), cancellationToken).ConfigureAwait(false);
            return;
        }

        Log.Accepted(logger, report.OrganizationName, report.ReportId, report.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), points.LineCount, client);
        var notes = result.Notes.Count == 0 ? null : result.Notes.Select(n => n.ToString()).ToList();
        await WriteAnswerAsync(context, StatusCodes.Status200OK, new TlsReportAnswer("accepted", "stored", report.OrganizationName, report.ReportId, points.LineCount, notes), cancellationToken).ConfigureAwait(false);
    }

    private static Task RefuseAsync(HttpContext context, ILogger logger, string client, int status, string message, TlsReport? report = null)
    {
        Log.Refused(logger, status, client, message);
        return WriteAnswerAsync(context, status, new TlsReportAnswer("refused", message, report?.OrganizationName, report?.ReportId), context.RequestAborted);
    }

    private static async Task WriteAnswerAsync(HttpContext context, int status, TlsReportAnswer answer, CancellationToken cancellationToken)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await System.Text.Json.JsonSerializer.SerializeAsync(context.Response.Body, answer, TlsReportAnswerJson.Default.TlsReportAnswer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks a connection of the report listener.</summary>
    private sealed class TlsReportConnection
    {
        public static readonly TlsReportConnection Instance = new();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "TLS report accepted: {Organization} report-id {ReportId} of {Day}, {Points} points stored (from {Client})")]
        public static partial void Accepted(ILogger logger, string organization, string reportId, string day, int points, string client);

        [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "TLS report refused ({Status}) from {Client}: {Reason}")]
        public static partial void Refused(ILogger logger, int status, string client, string reason);

        [LoggerMessage(EventId = 42, Level = LogLevel.Error, Message = "TLS report of {Organization} report-id {ReportId} not stored (the sender was told to retry): {Reason}")]
        public static partial void StoreFailed(ILogger logger, string organization, string reportId, string reason);
    }
}

/// <summary>The report listener's options once Kestrel bound it (its port when 0 was asked for).</summary>
internal sealed class TlsReportListener
{
    public ListenOptions? Options { get; set; }

    public bool Https { get; init; }
}
