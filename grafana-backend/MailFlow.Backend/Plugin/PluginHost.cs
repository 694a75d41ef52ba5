using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using MailFlow.Backend.Hosting;
using MailFlow.Backend.Plugin.Internal;
using MailFlow.Backend.Plugin.Services;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using MailFlow.Contracts.GoPlugin;
using MailFlow.Contracts.GrafanaPlugin;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace MailFlow.Backend.Plugin;

/// <summary>
/// Plugin mode: the process Grafana starts through HashiCorp go-plugin. It serves gRPC (cleartext HTTP/2) on
/// 127.0.0.1 with a free port, prints the handshake line as its only stdout output, and logs hclog JSON to stderr.
/// </summary>
public static class PluginHost
{
    /// <summary>The environment variable Grafana sets (to <c>datasource</c>) when it starts a backend plugin.</summary>
    public const string MagicCookieKey = "grafana_plugin_type";

    /// <summary>go-plugin's core protocol version and Grafana's plugin protocol version.</summary>
    public const string HandshakePrefix = "1|2|tcp|";

    /// <summary>How long in-flight calls may run once the host asked to stop (go-plugin kills after 2 s).</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(1);

    /// <summary>True when the magic cookie says Grafana (or a go-plugin host acting like it) started this process.</summary>
    public static bool IsRequested => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(MagicCookieKey));

    /// <summary>Runs the plugin until the host calls Shutdown or sends SIGTERM/SIGINT. Returns the exit code.</summary>
    public static async Task<int> RunAsync()
    {
        // Stdout belongs to the handshake: anything else written there breaks Grafana's start.
        var stdout = Console.OpenStandardOutput();
        Console.SetOut(Console.Error);
        var stderr = Console.OpenStandardError();
        using var logs = new HclogLoggerProvider(stderr, HclogLevels.FromEnvironment());
        PhaseTimings.Attach(logs.CreateLogger("MailFlow.Backend.Timings"));
        PhaseTimings.StartupStep("main");

        // Grafana starts plugins in its own working directory (thousands of files under public/): a content root
        // there, watched for appsettings changes, costs a recursive directory walk at every start. The plugin's
        // own folder is small, and nothing needs reloading.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
            ApplicationName = "mailflow-backend",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
        Socket listener;
        try
        {
            listener = BindInPortRange(Environment.GetEnvironmentVariable("PLUGIN_MIN_PORT"), Environment.GetEnvironmentVariable("PLUGIN_MAX_PORT"));
        }
        catch (Exception ex) when (ex is SocketException or FormatException or OverflowException or ArgumentException)
        {
            PluginLog.StartFailed(logs.CreateLogger("MailFlow.Backend.Plugin"), ex.Message);
            return 1;
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.ListenHandle((ulong)listener.Handle.ToInt64(), listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddMailFlowPlugin();

        var app = builder.Build();
        app.MapMailFlowPlugin();
        PhaseTimings.StartupStep("host built");
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("MailFlow.Backend.Plugin");
        try
        {
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            PluginLog.StartFailed(logger, ex.Message);
            listener.Dispose();
            return 1;
        }

        var port = BoundPort(app);
        await stdout.WriteAsync(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{HandshakePrefix}127.0.0.1:{port}|grpc\n"))).ConfigureAwait(false);
        await stdout.FlushAsync().ConfigureAwait(false);
        PhaseTimings.StartupStep("handshake written");
        PluginLog.Listening(logger, "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), Environment.GetEnvironmentVariable("GF_VERSION") ?? "unknown");

        await app.WaitForShutdownAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);

        // Kestrel served on the socket's handle: the socket must outlive it.
        listener.Dispose();
        return 0;
    }

    /// <summary>What to do when the program is run by hand: it is not a command-line tool in this mode.</summary>
    public static void PrintUsage(TextWriter error)
    {
        error.WriteLine("""
            mailflow-backend: the MailFlow TLS Insights backend.

            Run it in one of two ways:
              mailflow-backend serve [options]   the public gRPC API (see 'mailflow-backend serve --help')
              as a Grafana plugin                Grafana starts it itself: install the folder written by
                                                 grafana-backend/build-plugin.sh <out-dir> into Grafana's plugin
                                                 directory and allow it with
                                                 GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=mailflow-tls-datasource.
            Started by hand without Grafana's environment (grafana_plugin_type) it does nothing and exits.
            """);
    }

    /// <summary>
    /// A loopback socket bound as go-plugin's own servers bind: the first free port from PLUGIN_MIN_PORT to
    /// PLUGIN_MAX_PORT (the host sets them, 10000-25000 by default), any free port when neither is set. Bound here,
    /// then handed to Kestrel, so no other process can take the port in between.
    /// </summary>
    internal static Socket BindInPortRange(string? minimum, string? maximum)
    {
        var low = string.IsNullOrEmpty(minimum) ? 0 : int.Parse(minimum, NumberStyles.None, CultureInfo.InvariantCulture);
        var high = string.IsNullOrEmpty(maximum) ? 0 : int.Parse(maximum, NumberStyles.None, CultureInfo.InvariantCulture);
        if (low > high || high > IPEndPoint.MaxPort)
        {
            throw new ArgumentException($"PLUGIN_MIN_PORT ({low}) and PLUGIN_MAX_PORT ({high}) do not form a port range");
        }

        SocketException? last = null;
        for (var port = low; port <= high; port++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                socket.Listen(512);
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
        }

        throw new SocketException((int)(last?.SocketErrorCode ?? SocketError.AddressAlreadyInUse), $"no free port from {low} to {high} (PLUGIN_MIN_PORT/PLUGIN_MAX_PORT)");
    }

    private static int BoundPort(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && uri.Port > 0)
            {
                return uri.Port;
            }
        }

        throw new InvalidOperationException("Kestrel reported no bound port");
    }
}

/// <summary>Registration of the plugin's gRPC services.</summary>
internal static class PluginServiceCollectionExtensions
{
    public static IServiceCollection AddMailFlowPlugin(this IServiceCollection services)
    {
        services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = null;
            options.MaxSendMessageSize = null;
            options.EnableDetailedErrors = false;
        });
        var health = new HealthServiceImpl();
        // go-plugin's client pings the service named "plugin".
        health.SetStatus("plugin", HealthCheckResponse.Types.ServingStatus.Serving);
        health.SetStatus(string.Empty, HealthCheckResponse.Types.ServingStatus.Serving);
        services.AddSingleton(health);
        services.AddSingleton<ControllerService>();
        services.AddSingleton<DataService>();
        services.AddSingleton<DiagnosticsService>();
        services.AddSingleton<ResourceService>();
        services.AddSingleton<EngineCache>();
        services.AddSingleton<PluginMetrics>();
        services.AddSingleton<ExecutedQueries>();
        return services;
    }

    public static WebApplication MapMailFlowPlugin(this WebApplication app)
    {
        // Mapped from definitions so that a request that cannot be decoded is INVALID_ARGUMENT, not a stack trace
        // in Grafana's log (see UndecodableRequests).
        app.MapGrpcService(services => UndecodableRequests.Bind(binder => Health.BindService(binder, services.GetRequiredService<HealthServiceImpl>())));
        app.MapGrpcService(services => UndecodableRequests.Bind(binder => GRPCController.BindService(binder, services.GetRequiredService<ControllerService>())));
        app.MapGrpcService(services => UndecodableRequests.Bind(binder => Data.BindService(binder, services.GetRequiredService<DataService>())));
        app.MapGrpcService(services => UndecodableRequests.Bind(binder => Diagnostics.BindService(binder, services.GetRequiredService<DiagnosticsService>())));
        app.MapGrpcService(services => UndecodableRequests.Bind(binder => Resource.BindService(binder, services.GetRequiredService<ResourceService>())));

        // The listener that collects executed InfluxQL must exist before the first query.
        app.Services.GetRequiredService<ExecutedQueries>();
        return app;
    }
}
