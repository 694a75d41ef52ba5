using MailFlow.Backend.Query;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MailFlow.Backend.Hosting;

/// <summary>OpenTelemetry wiring, configured by the standard OTEL_* environment variables.</summary>
public static class Telemetry
{
    /// <summary>
    /// Exports the engine's traces and metrics (plus ASP.NET Core's and HttpClient's) over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; does nothing otherwise, so that no exporter retries against a
    /// collector that is not there.
    /// </summary>
    public static IServiceCollection AddMailFlowTelemetry(this IServiceCollection services, string serviceName = "mailflow-backend")
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                .AddSource(QueryTelemetry.Name, "Microsoft.AspNetCore", "System.Net.Http")
                .AddOtlpExporter())
            .WithMetrics(metrics => metrics
                .AddMeter(QueryTelemetry.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http")
                .AddOtlpExporter());
        return services;
    }
}
