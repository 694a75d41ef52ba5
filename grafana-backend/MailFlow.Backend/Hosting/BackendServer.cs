using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Grpc.Reflection;
using MailFlow.Api.V1;
using MailFlow.Backend.Api;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Query;
using MailFlow.Backend.TlsReports;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace MailFlow.Backend.Hosting;

/// <summary>The standalone gRPC server (<c>mailflow-backend serve</c>): public API, reflection, health.</summary>
public static class BackendServer
{
    /// <summary>
    /// Builds the server; throws <see cref="ArgumentException"/> (one line per problem) when the options cannot
    /// work, e.g. a non-loopback address without an API key. Tests call this with port 0 and read <see cref="BoundAddress"/>.
    /// </summary>
    public static WebApplication Build(ServeOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems));
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(BackendServer).Assembly.GetName().Name });
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        var endpoint = options.ParseListen();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(endpoint, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            if (!string.IsNullOrEmpty(options.TlsCertPath))
            {
                listen.UseHttps(X509Certificate2.CreateFromPemFile(options.TlsCertPath, options.TlsKeyPath));
            }
        }));

        builder.Services.AddMailFlowQueryEngine(options.Influx, options.Engine);
        builder.Services.AddMailFlowTelemetry();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new ApiKeyOptions { Key = options.ApiKey });
        builder.Services.AddSingleton<ApiKeyInterceptor>();
        builder.Services.AddGrpc(grpc => grpc.EnableDetailedErrors = false);
        builder.Services.AddSingleton<MailFlowInsightsService>();

        // The API and health are mapped from service definitions (for their decoding errors, see
        // UndecodableRequests), which name no service type the reflection service could read descriptors from:
        // it is given them here.
        ServiceDescriptor[] described = [MailFlowInsights.Descriptor, Health.Descriptor, Grpc.Reflection.V1Alpha.ServerReflection.Descriptor, Grpc.Reflection.V1.ServerReflection.Descriptor];
        builder.Services.AddSingleton(new ReflectionServiceImpl(described));
        builder.Services.AddSingleton(new ReflectionV1ServiceImpl(described));
        builder.Services.AddGrpcReflection();
        builder.Services.AddSingleton<HealthServiceImpl>();
        builder.Services.AddHostedService<HealthPublisher>();
        TlsReportReceiver.Configure(builder, options.TlsReports, options.Influx, options.TlsCertPath, options.TlsKeyPath);
        configure?.Invoke(builder);

        var app = builder.Build();
        TlsReportReceiver.Map(app);
        app.MapGrpcService(services => UndecodableRequests.Bind(
            binder => MailFlowInsights.BindService(binder, services.GetRequiredService<MailFlowInsightsService>()),
            services.GetRequiredService<ApiKeyInterceptor>()));
        app.MapGrpcService(services => UndecodableRequests.Bind(binder => Health.BindService(binder, services.GetRequiredService<HealthServiceImpl>())));
        app.MapGrpcReflectionService();
        return app;
    }

    /// <summary>The address a started server listens on (port 0 resolved).</summary>
    public static Uri BoundAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the server is not started");
        return new Uri(address);
    }

    /// <summary>Runs the server until SIGINT/SIGTERM; returns the process exit code.</summary>
    public static async Task<int> RunAsync(ServeOptions options, CancellationToken cancellationToken = default)
    {
        WebApplication app;
        try
        {
            app = Build(options);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync("mailflow-backend serve: " + e.Message).ConfigureAwait(false);
            return 2;
        }
        catch (CryptographicException e)
        {
            await Console.Error.WriteLineAsync($"mailflow-backend serve: cannot load the TLS certificate/key ({e.Message}): give PEM files").ConfigureAwait(false);
            return 2;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"mailflow-backend serve: cannot listen on {options.Listen}: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MailFlow.Backend.Serve");
            ServeLog.Listening(logger, BoundAddress(app), string.IsNullOrEmpty(options.ApiKey) ? "none" : "x-api-key", options.Influx.ToString());
            if (TlsReportReceiver.BoundAddress(app) is { } reports)
            {
                ServeLog.TlsReports(logger, new Uri(reports, options.TlsReports.Path));
            }
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }
}

/// <summary>Keeps grpc.health.v1 in step with InfluxDB: SERVING when it answers and the database exists.</summary>
internal sealed class HealthPublisher(HealthServiceImpl health, IMailFlowQueries engine, ILogger<HealthPublisher> logger) : BackgroundService
{
    /// <summary>Between checks: often enough for a load balancer, rare enough to cost nothing.</summary>
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    /// <summary>The public service's name as health checks ask for it.</summary>
    public const string ServiceName = "mailflow.v1.MailFlowInsights";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool? wasHealthy = null;
        using var timer = new PeriodicTimer(Period);
        do
        {
            var report = await engine.CheckHealthAsync(stoppingToken).ConfigureAwait(false);
            var status = report.Healthy ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing;
            health.SetStatus(string.Empty, status);
            health.SetStatus(ServiceName, status);
            if (wasHealthy != report.Healthy)
            {
                ServeLog.Health(logger, report.Healthy, report.Message);
                wasHealthy = report.Healthy;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}

internal static partial class ServeLog
{
    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Serving mailflow.v1 on {Address} (auth: {Auth}); InfluxDB {Influx}")]
    public static partial void Listening(ILogger logger, Uri address, string auth, string influx);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Receiving SMTP TLS reports (RFC 8460) on POST {Address}")]
    public static partial void TlsReports(ILogger logger, Uri address);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Health: serving={Healthy}: {Message}")]
    public static partial void Health(ILogger logger, bool healthy, string message);
}

/// <summary>Service registration shared by the standalone server and the Grafana plugin mode.</summary>
public static class BackendServiceCollectionExtensions
{
    /// <summary>Registers one <see cref="InfluxQlClient"/> and the <see cref="IMailFlowQueries"/> engine over it.</summary>
    public static IServiceCollection AddMailFlowQueryEngine(this IServiceCollection services, InfluxOptions influx, QueryEngineOptions? engine = null)
    {
        services.AddSingleton(influx);
        services.AddSingleton(engine ?? new QueryEngineOptions());
        services.AddSingleton(provider =>
        {
            // Identical statements from concurrent callers run once in InfluxDB.
            var influx = provider.GetRequiredService<InfluxOptions>();
            return new InfluxQlClient(influx, CoalescingHandler.Create(influx.Timeout));
        });
        services.AddSingleton<IMailFlowQueries>(provider => new MailFlowQueryEngine(
            provider.GetRequiredService<InfluxQlClient>(),
            provider.GetRequiredService<ILogger<MailFlowQueryEngine>>(),
            provider.GetRequiredService<QueryEngineOptions>(),
            provider.GetService<TimeProvider>()));
        return services;
    }
}
