using MailFlow.Backend.Query;
using OpenTelemetry;
using OpenTelemetry.Resources;

namespace MailFlow.Backend.Hosting;

/// <summary>
/// OpenTelemetry wiring of <c>serve</c>, configured by the standard OTEL_* environment variables (the web host's
/// configuration holds the whole process environment, which is where the SDK reads them). The Grafana plugin mode
/// exports nothing over OTLP: Grafana collects its metrics (CollectMetrics) and logs (hclog on stderr) itself.
/// </summary>
public static class Telemetry
{
    /// <summary>Any of these turns telemetry on (the per-signal ones are used as they are, without /v1/... appended).</summary>
    internal static readonly string[] EndpointVariables =
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    ];

    /// <summary>
    /// Exports the engine's traces, metrics and logs (plus ASP.NET Core's and HttpClient's) over OTLP when an
    /// OTLP endpoint variable is set; does nothing otherwise, so that no exporter retries against a collector
    /// that is not there. <paramref name="serviceName"/> is only the default: OTEL_SERVICE_NAME or a service.name
    /// in OTEL_RESOURCE_ATTRIBUTES wins.
    /// </summary>
    public static IServiceCollection AddMailFlowTelemetry(this IServiceCollection services, string serviceName = "mailflow-backend")
    {
        if (!EndpointVariables.Any(name => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(name))))
        {
            return services;
        }

        services.AddOpenTelemetry()
            // The environment detector added after our default name wins (later resources override earlier ones).
            .ConfigureResource(resource => resource.AddService(serviceName).AddEnvironmentVariableDetector())
            .WithTracing(tracing => tracing.AddSource(QueryTelemetry.Name, "Microsoft.AspNetCore", "System.Net.Http"))
            .WithMetrics(metrics => metrics
                .AddMeter(QueryTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http"))
            .WithLogging(configureBuilder: null, configureOptions: logging => logging.IncludeFormattedMessage = true)
            // Unlike AddOtlpExporter per signal, this also honours OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_* variables.
            .UseOtlpExporter();
        return services;
    }
}
