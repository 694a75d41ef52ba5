using Grpc.Core;
using MailFlow.Contracts.GoPlugin;

namespace MailFlow.Backend.Plugin.Services;

/// <summary>go-plugin's controller: Grafana calls Shutdown when it stops the plugin; the process must exit promptly.</summary>
internal sealed class ControllerService(IHostApplicationLifetime lifetime, ILogger<ControllerService> logger) : GRPCController.GRPCControllerBase
{
    public override Task<Empty> Shutdown(Empty request, ServerCallContext context)
    {
        PluginLog.ShutdownRequested(logger);
        // Stop after this call has answered; the host's shutdown timeout bounds the wait for other calls.
        lifetime.StopApplication();
        return Task.FromResult(new Empty());
    }
}
