using System.Globalization;
using System.CommandLine;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Query;
using MailFlow.Backend.TlsReports;
using MailFlow.TlsReports;

namespace MailFlow.Backend.Hosting;

/// <summary>
/// The command line of <c>mailflow-backend</c>. Every option has an environment variable (the option wins), so that
/// secrets can stay out of process listings: INFLUX_URL, INFLUX_DATABASE, INFLUX_RETENTION_POLICY, INFLUX_ORG,
/// INFLUX_BUCKET, INFLUX_TOKEN, INFLUX_TOKEN_FILE, INFLUX_USERNAME, INFLUX_PASSWORD, MAILFLOW_LISTEN, MAILFLOW_API_KEY,
/// MAILFLOW_TLSRPT_LISTEN, MAILFLOW_TLSRPT_DOMAINS, MAILFLOW_TLSRPT_PER_MINUTE, MAILFLOW_TLSRPT_MAX_BYTES.
/// </summary>
public static class BackendCommandLine
{
    public static Task<int> RunAsync(string[] args) => BuildRoot().Parse(args).InvokeAsync();

    internal static RootCommand BuildRoot()
    {
        var listen = new Option<string?>("--listen") { Description = $"host:port to serve gRPC on [env MAILFLOW_LISTEN; default {ServeOptions.DefaultListen}]; beyond loopback an API key is required" };
        var apiKeyFile = new Option<FileInfo?>("--api-key-file") { Description = "file holding the API key callers send in the x-api-key header [env MAILFLOW_API_KEY holds the key itself]" };
        var tlsCert = new Option<FileInfo?>("--tls-cert") { Description = "PEM certificate file: serve TLS instead of cleartext HTTP/2" };
        var tlsKey = new Option<FileInfo?>("--tls-key") { Description = "PEM private key file for --tls-cert" };
        var url = new Option<string?>("--influx-url") { Description = "InfluxDB base URL [env INFLUX_URL; default http://127.0.0.1:8086]" };
        var database = new Option<string?>("--influx-database") { Description = $"database (1.x) or DBRP-mapped database (2.x/3.x) [env INFLUX_DATABASE; default {InfluxOptions.DefaultDatabase}, or the bucket]" };
        var retention = new Option<string?>("--influx-retention-policy") { Description = "retention policy [env INFLUX_RETENTION_POLICY; default: the database's default]" };
        var org = new Option<string?>("--influx-org") { Description = "InfluxDB 2.x organisation [env INFLUX_ORG]" };
        var bucket = new Option<string?>("--influx-bucket") { Description = "InfluxDB 2.x bucket, used as database when --influx-database is not given [env INFLUX_BUCKET]" };
        var token = new Option<string?>("--influx-token") { Description = "API token, sent as 'Authorization: Token' [env INFLUX_TOKEN]; prefer --influx-token-file" };
        var tokenFile = new Option<FileInfo?>("--influx-token-file") { Description = "file whose first line is the API token [env INFLUX_TOKEN_FILE]" };
        var username = new Option<string?>("--influx-username") { Description = "user name for InfluxDB auth [env INFLUX_USERNAME]" };
        var password = new Option<string?>("--influx-password") { Description = "password for InfluxDB auth [env INFLUX_PASSWORD]" };
        var timeout = new Option<int?>("--influx-timeout") { Description = "seconds allowed for one InfluxDB query [default 30]" };
        var cacheTtl = new Option<int?>("--cache-ttl") { Description = "seconds to reuse sums of closed past days/buckets (0 = no cache) [env MAILFLOW_CACHE_TTL; default 300]" };

        var rollups = new Option<bool?>("--rollups") { Description = "read whole 5-minute blocks, hours and days from the exporter's rollup tiers (false: minute points only, for data written by another tool) [env MAILFLOW_ROLLUPS; default true]" };

        var tlsrptListen = new Option<string?>("--tlsrpt-listen") { Description = "host:port of the SMTP TLS report receiver (RFC 8460 rua=https://; POST " + TlsReportReceiverOptions.DefaultPath + "); HTTPS with --tls-cert/--tls-key [env MAILFLOW_TLSRPT_LISTEN; default: off]" };
        var tlsrptDomains = new Option<string?>("--tlsrpt-domains") { Description = "comma-separated policy domains reports are accepted for (and their subdomains) [env MAILFLOW_TLSRPT_DOMAINS; default: any]" };
        var tlsrptPerMinute = new Option<int?>("--tlsrpt-per-minute") { Description = $"reports accepted per minute from one client address [env MAILFLOW_TLSRPT_PER_MINUTE; default {TlsReportReceiverOptions.DefaultPerMinute}]" };
        var tlsrptMaxBytes = new Option<int?>("--tlsrpt-max-bytes") { Description = $"largest report body accepted, in bytes (it may decompress to at most {TlsReportLimits.DefaultMaxJsonBytes / (1024 * 1024)} MiB) [env MAILFLOW_TLSRPT_MAX_BYTES; default {TlsReportLimits.DefaultMaxCompressedBytes}]" };

        var serve = new Command("serve", "Serve the public gRPC API (mailflow.v1.MailFlowInsights) with reflection and health over HTTP/2, and optionally receive SMTP TLS reports over HTTPS")
        {
            listen, apiKeyFile, tlsCert, tlsKey, url, database, retention, org, bucket, token, tokenFile, username, password, timeout, cacheTtl, rollups,
            tlsrptListen, tlsrptDomains, tlsrptPerMinute, tlsrptMaxBytes,
        };
        serve.SetAction(async (result, cancellationToken) =>
        {
            ServeOptions options;
            try
            {
                var influx = new InfluxOptions
                {
                    Url = new Uri(result.GetValue(url) ?? Env("INFLUX_URL") ?? "http://127.0.0.1:8086", UriKind.Absolute),
                    Database = result.GetValue(database) ?? Env("INFLUX_DATABASE"),
                    RetentionPolicy = result.GetValue(retention) ?? Env("INFLUX_RETENTION_POLICY"),
                    Org = result.GetValue(org) ?? Env("INFLUX_ORG"),
                    Bucket = result.GetValue(bucket) ?? Env("INFLUX_BUCKET"),
                    Token = result.GetValue(token)
                        ?? ReadSecret(result.GetValue(tokenFile), "--influx-token-file")
                        ?? Env("INFLUX_TOKEN")
                        ?? ReadSecret(Env("INFLUX_TOKEN_FILE") is { } path ? new FileInfo(path) : null, "INFLUX_TOKEN_FILE"),
                    Username = result.GetValue(username) ?? Env("INFLUX_USERNAME"),
                    Password = result.GetValue(password) ?? Env("INFLUX_PASSWORD"),
                };
                if (result.GetValue(timeout) is { } seconds)
                {
                    influx.Timeout = TimeSpan.FromSeconds(seconds);
                }

                var engine = new QueryEngineOptions();
                if ((result.GetValue(cacheTtl) ?? (Env("MAILFLOW_CACHE_TTL") is { } ttl ? int.Parse(ttl, CultureInfo.InvariantCulture) : null)) is { } cacheSeconds)
                {
                    engine.CacheTtl = cacheSeconds < 0 ? throw new ArgumentException("--cache-ttl must be >= 0") : TimeSpan.FromSeconds(cacheSeconds);
                }

                if ((result.GetValue(rollups) ?? (Env("MAILFLOW_ROLLUPS") is { } use ? bool.Parse(use) : null)) is { } useRollups)
                {
                    engine.UseRollups = useRollups;
                }

                var reports = new TlsReportReceiverOptions
                {
                    Listen = result.GetValue(tlsrptListen) ?? Env("MAILFLOW_TLSRPT_LISTEN"),
                    PolicyDomains = (result.GetValue(tlsrptDomains) ?? Env("MAILFLOW_TLSRPT_DOMAINS") ?? "")
                        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(d => d.TrimEnd('.').ToLowerInvariant()).ToList(),
                    PerMinute = result.GetValue(tlsrptPerMinute) ?? (Env("MAILFLOW_TLSRPT_PER_MINUTE") is { } perMinute ? int.Parse(perMinute, CultureInfo.InvariantCulture) : TlsReportReceiverOptions.DefaultPerMinute),
                };
                if ((result.GetValue(tlsrptMaxBytes) ?? (Env("MAILFLOW_TLSRPT_MAX_BYTES") is { } maxBytes ? int.Parse(maxBytes, CultureInfo.InvariantCulture) : null)) is { } bodyLimit)
                {
                    reports.Limits = TlsReportLimits.Default with { MaxCompressedBytes = bodyLimit };
                }

                options = new ServeOptions
                {
                    TlsReports = reports,
                    Engine = engine,
                    Listen = result.GetValue(listen) ?? Env("MAILFLOW_LISTEN") ?? ServeOptions.DefaultListen,
                    ApiKey = ReadSecret(result.GetValue(apiKeyFile), "--api-key-file") ?? Env("MAILFLOW_API_KEY"),
                    TlsCertPath = result.GetValue(tlsCert)?.FullName,
                    TlsKeyPath = result.GetValue(tlsKey)?.FullName,
                    Influx = influx,
                };
            }
            catch (Exception e) when (e is UriFormatException or IOException or UnauthorizedAccessException or ArgumentException or FormatException or OverflowException)
            {
                await Console.Error.WriteLineAsync("mailflow-backend serve: " + e.Message).ConfigureAwait(false);
                return 2;
            }

            return await BackendServer.RunAsync(options, cancellationToken).ConfigureAwait(false);
        });

        return new RootCommand("MailFlow TLS Insights backend: the query engine over InfluxDB, served as a public gRPC API (serve) or as a Grafana backend plugin") { serve };
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    /// <summary>A secret file's first line, trimmed (editors add a final newline); like the exporter's token file.</summary>
    private static string? ReadSecret(FileInfo? file, string option)
    {
        if (file is null)
        {
            return null;
        }

        if (!file.Exists)
        {
            throw new IOException($"{option} {file.FullName}: file not found");
        }

        var secret = (File.ReadLines(file.FullName).FirstOrDefault() ?? string.Empty).Trim();
        return secret.Length == 0 ? throw new ArgumentException($"{option} {file.FullName} is empty") : secret;
    }
}
