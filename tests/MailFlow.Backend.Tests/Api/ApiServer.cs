using Grpc.Net.Client;
using MailFlow.Api.V1;
using MailFlow.Backend.Hosting;
using MailFlow.Backend.Influx;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace MailFlow.Backend.Tests.Api;

/// <summary>The real server (Kestrel, HTTP/2 cleartext) on 127.0.0.1:0 in-process, and a real channel to it.</summary>
internal sealed class ApiServer : IAsyncDisposable
{
    private ApiServer(WebApplication app, GrpcChannel channel)
    {
        App = app;
        Channel = channel;
        Client = new MailFlowInsights.MailFlowInsightsClient(channel);
    }

    public WebApplication App { get; }

    public GrpcChannel Channel { get; }

    public MailFlowInsights.MailFlowInsightsClient Client { get; }

    public static async Task<ApiServer> StartAsync(InfluxOptions influx, string? apiKey = null, Action<WebApplicationBuilder>? configure = null)
    {
        var app = BackendServer.Build(
            new ServeOptions { Listen = "127.0.0.1:0", ApiKey = apiKey, Influx = influx },
            builder =>
            {
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
                configure?.Invoke(builder);
            });
        await app.StartAsync();
        var channel = GrpcChannel.ForAddress(BackendServer.BoundAddress(app));
        return new ApiServer(app, channel);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
