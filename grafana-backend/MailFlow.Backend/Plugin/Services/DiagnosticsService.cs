using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Plugin.Internal;
using MailFlow.Backend.Query;
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

        // The engine computes the health (as for the gRPC health); this page only words it with its own fields.
        var options = entry.Client.Options;
        var database = options.EffectiveDatabase;
        var health = await entry.Engine.DiagnoseHealthAsync(latestData: true, cancellationToken).ConfigureAwait(false);
        var version = health.InfluxVersion;
        var cause = health.Cause ?? health.Message;

        // No discard arm: a new HealthState without its wording is a compile error (CS8509).
#pragma warning disable CS8524
        return health.State switch
        {
            HealthState.Unreachable => (false,
                $"InfluxDB is unreachable at {options.Url} ({cause}). Check the URL on this page: the Grafana server must reach it (e.g. http://influxdb:8086 inside Docker Compose), and check that InfluxDB is running.",
                Details("unreachable", null, database, null)),
            HealthState.AuthRefused => (false, AuthAdvice(options, cause), Details("auth", version, database, null)),
            HealthState.DatabaseMissing => (false,
                $"InfluxDB at {options.Url} answers, but the database '{database}' does not exist ({cause}). Fix the Database on this page (the Bucket on InfluxDB 2.x), or start the exporter, which creates the database on InfluxDB 1.x; on InfluxDB 2.x create the bucket and a DBRP mapping for it.",
                Details("database-missing", version, database, null)),
            HealthState.QueryFailed => (false, $"InfluxDB at {options.Url} answered with an error: {health.Message}.", Details("query-failed", version, database, null)),
            HealthState.NoData => (true,
                $"Connected to InfluxDB {version ?? string.Empty} at {options.Url}, database '{database}', but there is no mail-flow data yet: start the exporter (mailflow-exporter) with this InfluxDB URL and database, then reload the dashboards.",
                Details("no-data", version, database, null)),
            HealthState.RollupsMissing => (false,
                $"InfluxDB {version ?? string.Empty} at {options.Url}, database '{database}', holds mail-flow minutes but no rollups ('{InfluxSchema.RollupTiers[^1].Measurement(InfluxSchema.MessagesMeasurement)}'), so whole days would read as empty: they were written by another tool or an older exporter. Run the exporter's rollup command (mailflow-exporter rollup) against this InfluxDB and database once (the exporter keeps the rollups up to date afterwards), or turn off the Rollups switch on this page.",
                Details("rollups-missing", version, database, null)),
            HealthState.Ok => (true,
                $"Data source is working: InfluxDB {version ?? string.Empty} at {options.Url}, database '{database}', latest mail-flow data at {health.LatestData?.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "unknown"}.",
                Details("ok", version, database, health.LatestData)),
        };
#pragma warning restore CS8524
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
