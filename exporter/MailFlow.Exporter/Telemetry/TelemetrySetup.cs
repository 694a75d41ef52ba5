using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace MailFlow.Exporter.Telemetry;

/// <summary>
/// OpenTelemetry wiring: metrics of <see cref="ExporterMetrics"/> and logs, exported over OTLP, configured by
/// the standard <c>OTEL_*</c> variables, and switched on only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>The service name reported when <c>OTEL_SERVICE_NAME</c> is not set.</summary>
    public const string ServiceName = "mailflow-exporter";

    /// <summary>True when an OTLP endpoint is configured.</summary>
    public static bool Enabled => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));

    /// <summary>For a one-shot command: a meter provider to dispose (which flushes) at the end, or null.</summary>
    public static MeterProvider? StartForCommand() => !Enabled
        ? null
        : Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .AddMeter(ExporterMetrics.MeterName)
            .AddOtlpExporter()
            .Build();

    /// <summary>For the daemon: metrics and logs through the host.</summary>
    public static void AddMailFlowTelemetry(this IHostApplicationBuilder builder)
    {
        if (!Enabled)
        {
            return;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics => metrics.AddMeter(ExporterMetrics.MeterName).AddOtlpExporter());
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.AddOtlpExporter();
        });
    }
}
