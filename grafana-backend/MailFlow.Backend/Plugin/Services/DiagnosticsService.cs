using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Plugin.Internal;
using MailFlow.Contracts.GrafanaPlugin;
using MailFlow.Contracts.Schema;

namespace MailFlow.Backend.Plugin.Services;

/// <summary>
/// pluginv2.Diagnostics: CheckHealth (Grafana's "Save &amp; test") tells exactly what is wrong and what to do:
/// settings, InfluxDB unreachable, credentials refused, database missing, no mail-flow data yet. CollectMetrics
/// gives the process and query metrics.
/// </summary>
internal sealed class DiagnosticsService(EngineCache engines, PluginMetrics metrics, ILogger<DiagnosticsService> logger) : Diagnostics.DiagnosticsBase
{
    public override async Task<CheckHealthResponse> CheckHealth(CheckHealthRequest request, ServerCallContext context)
    {
        var settings = request.PluginContext?.DataSourceInstanceSettings;
        var (ok, message, details) = await DiagnoseAsync(settings, context.CancellationToken).ConfigureAwait(false);
        PluginLog.HealthChecked(logger, settings?.Name ?? "(none)", ok ? "OK" : "ERROR", message);
        return new CheckHealthResponse
        {
            Status = ok ? CheckHealthResponse.Types.HealthStatus.Ok : CheckHealthResponse.Types.HealthStatus.Error,
            Message = message,
            JsonDetails = ByteString.CopyFromUtf8(details),
        };
    }

    public override Task<CollectMetricsResponse> CollectMetrics(CollectMetricsRequest request, ServerCallContext context) =>
        Task.FromResult(new CollectMetricsResponse
        {
            Metrics = new CollectMetricsResponse.Types.Payload { Prometheus = ByteString.CopyFromUtf8(metrics.Render()) },
        });

    private async Task<(bool Ok, string Message, string Details)> DiagnoseAsync(DataSourceInstanceSettings? settings, CancellationToken cancellationToken)
    {
        EngineCache.Entry entry;
        try
        {
            entry = engines.Get(settings);
        }
        catch (PluginQueryException e)
        {
            return (false, "The data source settings are incomplete: " + e.Message + ".", Details("settings", null, null, null));
        }

        var client = entry.Client;
        var options = client.Options;
        var database = options.EffectiveDatabase;
        string? version;
        try
        {
            version = await client.PingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InfluxQueryException e) when (e.Kind is InfluxErrorKind.Unavailable or InfluxErrorKind.Timeout or InfluxErrorKind.Failed)
        {
            return (false,
                $"InfluxDB is unreachable at {options.Url} ({e.Cause ?? e.Message}). Check the URL on this page: the Grafana server must reach it (e.g. http://influxdb:8086 inside Docker Compose), and check that InfluxDB is running.",
                Details("unreachable", null, database, null));
        }
        catch (InfluxQueryException e) when (e.Kind == InfluxErrorKind.AuthRefused)
        {
            return (false, AuthAdvice(options, e.Cause ?? e.Message), Details("auth", null, database, null));
        }

        try
        {
            // Some servers answer SHOW MEASUREMENTS on a missing database with an empty result; this one errs.
            await client.QueryAsync($"SHOW RETENTION POLICIES ON {InfluxQl.QuoteIdentifier(database)}", cancellationToken).ConfigureAwait(false);

            if (!await client.MeasurementExistsAsync(InfluxSchema.MessagesMeasurement, cancellationToken).ConfigureAwait(false))
            {
                return (true,
                    $"Connected to InfluxDB {version ?? string.Empty} at {options.Url}, database '{database}', but there is no mail-flow data yet: start the exporter (mailflow-exporter) with this InfluxDB URL and database, then reload the dashboards.",
                    Details("no-data", version, database, null));
            }

            if (DataSourceSettings.ToEngineOptions(settings!).UseRollups)
            {
                var daily = InfluxSchema.RollupTiers[^1].Measurement(InfluxSchema.MessagesMeasurement);
                if (!await client.MeasurementExistsAsync(daily, cancellationToken).ConfigureAwait(false))
                {
                    // Without tiers, whole days would read as empty: a wrong answer, not a slow one.
                    return (false,
                        $"InfluxDB {version ?? string.Empty} at {options.Url}, database '{database}', holds mail-flow minutes but no rollups ('{daily}'), so whole days would read as empty: they were written by another tool or an older exporter. Run the exporter's rollup command (mailflow-exporter rollup) against this InfluxDB and database once (the exporter keeps the rollups up to date afterwards), or turn off the Rollups switch on this page.",
                        Details("rollups-missing", version, database, null));
                }
            }

            var last = await client.QueryAsync(
                $"SELECT LAST({InfluxQl.QuoteIdentifier(InfluxSchema.Fields.Messages)}) FROM {InfluxQl.QuoteIdentifier(InfluxSchema.MessagesMeasurement)}",
                cancellationToken).ConfigureAwait(false);
            var latest = last.Count > 0 && last[0].Series.Count > 0 && last[0].Series[0].Rows.Count > 0
                ? DateTimeOffset.UnixEpoch.AddTicks(last[0].Series[0].Rows[0].Time / 100)
                : (DateTimeOffset?)null;
            var latestText = latest?.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "unknown";
            return (true,
                $"Data source is working: InfluxDB {version ?? string.Empty} at {options.Url}, database '{database}', latest mail-flow data at {latestText}.",
                Details("ok", version, database, latest));
        }
        catch (InfluxQueryException e) when (e.Kind == InfluxErrorKind.AuthRefused)
        {
            return (false, AuthAdvice(options, e.Cause ?? e.Message), Details("auth", version, database, null));
        }
        catch (InfluxQueryException e) when (e.Kind == InfluxErrorKind.DatabaseMissing)
        {
            return (false,
                $"InfluxDB at {options.Url} answers, but the database '{database}' does not exist ({e.Cause ?? e.Message}). Fix the Database on this page (the Bucket on InfluxDB 2.x), or start the exporter, which creates the database on InfluxDB 1.x; on InfluxDB 2.x create the bucket and a DBRP mapping for it.",
                Details("database-missing", version, database, null));
        }
        catch (InfluxQueryException e)
        {
            return (false, $"InfluxDB at {options.Url} answered with an error: {e.Message}.", Details("query-failed", version, database, null));
        }
    }

    private static string AuthAdvice(InfluxOptions options, string cause) =>
        $"InfluxDB at {options.Url} refused the credentials ({cause}). "
        + (options.Token is { Length: > 0 }
            ? "Check the Token on this page: it needs read access to the bucket (or database)."
            : options.Username is { Length: > 0 }
                ? $"Check the Password of User '{options.Username}' on this page, and that this user may read the database."
                : "InfluxDB requires authentication: fill in User and Password (InfluxDB 1.x) or choose InfluxDB 2.x and fill in Token on this page.");

    private static string Details(string check, string? version, string? database, DateTimeOffset? latest)
    {
        return JsonText.Write(json =>
        {
            json.WriteStartObject();
            json.WriteString("check", check);
            if (version is not null)
            {
                json.WriteString("influxVersion", version);
            }

            if (database is not null)
            {
                json.WriteString("database", database);
            }

            if (latest is { } time)
            {
                json.WriteString("latestData", time.ToString("O", CultureInfo.InvariantCulture));
            }

            json.WriteEndObject();
        });
    }
}
