using MailFlow.Exporter.Sinks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Tailing;

/// <summary>
/// Runs the <see cref="FlowCoordinator"/>. Registered before the followers, so the host stops it after them:
/// it then writes what they handed over. A write InfluxDB refuses for good (bad credentials, rejected data)
/// stops the daemon with exit code 3 instead of skipping data.
/// </summary>
public sealed partial class CoordinatorService(FollowPipeline pipeline, IHostApplicationLifetime lifetime, ILogger<CoordinatorService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await pipeline.Coordinator.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (InfluxWriteException e)
        {
            Fatal(logger, e.Message);
            Environment.ExitCode = 3;
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(3001, LogLevel.Critical, "Stopping: {Reason}. The checkpoint was not advanced: nothing is lost, fix the cause and start again.")]
    private static partial void Fatal(ILogger logger, string reason);
}

/// <summary>Runs the <see cref="FileFollower"/> of one glob.</summary>
public sealed class FollowerService(FileFollower follower) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => follower.RunAsync(stoppingToken);
}
