using System.Collections;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace MailFlow.Exporter.Telemetry;

/// <summary>
/// OpenTelemetry wiring shared by every command (<c>ingest</c>, <c>rollup</c>, the <c>run</c> daemon): metrics of
/// <see cref="ExporterMetrics"/> and logs, exported over OTLP, configured by the standard <c>OTEL_*</c> variables
/// of the process environment, and switched on only when an OTLP endpoint variable is set.
/// </summary>
/// <remarks>
/// The SDK reads its settings (endpoint, protocol, headers, export intervals, resource) from the
/// <see cref="IConfiguration"/> of the service provider it lives in, not from the environment. The daemon's host is
/// built without defaults (no unprefixed environment variables), so the <c>OTEL_*</c> variables are added to it
/// here: without them the exporter silently sent to localhost:4317.
/// </remarks>
public static class TelemetrySetup
{
    /// <summary>The service name reported when neither <c>OTEL_SERVICE_NAME</c> nor <c>OTEL_RESOURCE_ATTRIBUTES</c> gives one.</summary>
    public const string ServiceName = "mailflow-exporter";

    /// <summary>Any of these turns telemetry on (the per-signal ones are used as they are, without /v1/... appended).</summary>
    internal static readonly string[] EndpointVariables =
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"];

    /// <summary>For the commands' help.</summary>
    public const string EnvironmentHelp = "OTEL_EXPORTER_OTLP_ENDPOINT (turns on OpenTelemetry metrics and logs; with OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME and the other OTEL_* variables)";

    /// <summary>True when an OTLP endpoint is configured.</summary>
    public static bool Enabled => EndpointVariables.Any(name => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(name)));

    /// <summary>Adds the process's <c>OTEL_*</c> environment variables, names unchanged, for the SDK to read.</summary>
    public static IConfigurationBuilder AddOpenTelemetryEnvironment(this IConfigurationBuilder configuration)
    {
        var variables = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && name.StartsWith("OTEL_", StringComparison.OrdinalIgnoreCase))
            {
                variables[name] = entry.Value as string;
            }
        }

        return configuration.AddInMemoryCollection(variables);
    }

    /// <summary>
    /// Registers metrics and logs over OTLP when <see cref="Enabled"/>. The service provider's
    /// <see cref="IConfiguration"/> must hold the <c>OTEL_*</c> variables (<see cref="AddOpenTelemetryEnvironment"/>).
    /// </summary>
    public static IServiceCollection AddMailFlowTelemetry(this IServiceCollection services)
    {
        if (!Enabled)
        {
            return services;
        }

        services.AddOpenTelemetry()
            // Our name is only the default: the environment detector added after it wins (later resources override).
            .ConfigureResource(resource => resource.AddService(ServiceName).AddEnvironmentVariableDetector())
            .WithMetrics(metrics => metrics.AddMeter(ExporterMetrics.MeterName))
            .WithLogging(configureBuilder: null, configureOptions: logging => logging.IncludeFormattedMessage = true)
            // Unlike AddOtlpExporter per signal, this also honours OTEL_EXPORTER_OTLP_{METRICS,LOGS}_* variables.
            .UseOtlpExporter();
        return services;
    }

    /// <summary>For the daemon: metrics and logs through the host, which starts and flushes them.</summary>
    public static void AddMailFlowTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration.AddOpenTelemetryEnvironment();
        builder.Services.AddMailFlowTelemetry();
    }

    /// <summary>
    /// For a one-shot command: its loggers (console as <paramref name="console"/> says, plus OTLP) and, when
    /// telemetry is on, the running meter provider. Disposing it flushes what is left to the collector.
    /// </summary>
    public static CommandTelemetry StartForCommand(Action<ILoggingBuilder> console)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddOpenTelemetryEnvironment().Build());
        services.AddLogging(console);
        services.AddMailFlowTelemetry();
        var provider = services.BuildServiceProvider();
        // Outside a host nothing starts the providers: resolving them does.
        _ = provider.GetService<MeterProvider>();
        _ = provider.GetService<LoggerProvider>();
        var telemetry = new CommandTelemetry(provider);
        LogDestination(telemetry.Loggers);
        return telemetry;
    }

    /// <summary>
    /// Says where telemetry goes (scheme, host and port only: no path, user info or query, and never the
    /// headers of OTEL_EXPORTER_OTLP_HEADERS, which may hold tokens); nothing when telemetry is off.
    /// </summary>
    public static void LogDestination(ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        if (!Enabled)
        {
            return;
        }

        var endpoints = string.Join(", ", EndpointVariables
            .Select(name => (name, value: Environment.GetEnvironmentVariable(name)))
            .Where(v => !string.IsNullOrWhiteSpace(v.value))
            .Select(v => $"{v.name}={(Uri.TryCreate(v.value, UriKind.Absolute, out var uri) ? uri.Scheme + "://" + uri.Authority : "(not a URL)")}"));
        var protocol = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL") is { Length: > 0 } p ? p : "grpc";
        Log.TelemetryOn(loggers.CreateLogger("MailFlow.Exporter.Telemetry"), protocol, endpoints);
    }
}

/// <summary>The telemetry of one command run; see <see cref="TelemetrySetup.StartForCommand"/>.</summary>
public sealed class CommandTelemetry(ServiceProvider provider) : IDisposable
{
    /// <summary>Loggers writing to the console and, when telemetry is on, over OTLP.</summary>
    public ILoggerFactory Loggers { get; } = provider.GetRequiredService<ILoggerFactory>();

    public void Dispose() => provider.Dispose();
}
