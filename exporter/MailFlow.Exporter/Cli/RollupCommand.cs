using System.CommandLine;
using System.Globalization;
using MailFlow.Contracts.Schema;
using MailFlow.Exporter.Rollups;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Telemetry;
using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Cli;

/// <summary>
/// <c>mailflow-exporter rollup</c>: rebuilds the rollup tiers (5m, 1h, 1d) from the minutes stored in InfluxDB,
/// over whole UTC days. For data written before the tiers existed, by another tool, or after minute points were
/// deleted by hand. Idempotent: it overwrites the same points.
/// </summary>
public static class RollupCommand
{
    public static Command Create(TimeProvider? clock = null)
    {
        clock ??= TimeProvider.System;
        var influx = new InfluxCliOptions();
        var from = new Option<string?>("--from") { Description = "Start (ISO 8601 date or date-time, UTC unless an offset is given), widened to the start of its UTC day. Required." };
        var to = new Option<string?>("--to") { Description = "End, exclusive (ISO 8601), widened to the end of its UTC day. Default: now." };
        var sources = new Option<string[]>("--source") { Description = "Rebuild only the series of this mail server (the source tag; repeatable). Default: every source. With several exporters writing into one database, give each its own sources so that a rebuild never rewrites a bucket another exporter is updating.", AllowMultipleArgumentsPerToken = false };
        var config = new Option<string?>("--config") { Description = "Configuration file (JSON or YAML) with an Influx section; environment variables MAILFLOW_INFLUX__* also apply." };
        var command = new Command("rollup", "Rebuild the rollup tiers (" + string.Join(", ", InfluxSchema.RollupTiers.Select(t => t.Suffix.TrimStart('_')))
            + ") from the per-minute points stored in InfluxDB, over whole UTC days: for data written before the tiers existed or by another tool. "
            + "ingest and run keep the tiers current by themselves. Environment: " + InfluxCliOptions.EnvironmentHelp() + ", " + TelemetrySetup.EnvironmentHelp + ".");
        command.Options.Add(from);
        command.Options.Add(to);
        command.Options.Add(sources);
        command.Options.Add(config);
        influx.AddTo(command);
        command.SetAction((parseResult, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var fromTime = InputOptions.ParseTime(parseResult.GetValue(from), "--from") ?? throw new CliError("--from is required (the first day to rebuild, e.g. --from 2026-11-01)");
            var toTime = InputOptions.ParseTime(parseResult.GetValue(to), "--to") ?? clock.GetUtcNow();
            if (fromTime >= toTime)
            {
                throw new CliError(string.Create(CultureInfo.InvariantCulture, $"--from ({fromTime:u}) must be before --to ({toTime:u})"));
            }

            var configuration = ExporterConfiguration.Build(parseResult.GetValue(config), influx.Overrides(parseResult));
            var influxOptions = InfluxCliOptions.Bind(configuration, IngestCommand.DefaultRetryFor);
            using var telemetry = TelemetrySetup.StartForCommand(logging => logging
                .SetMinimumLevel(LogLevel.Information)
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
            var loggers = telemetry.Loggers;
            using var writer = new InfluxPointWriter(influxOptions, loggers.CreateLogger("MailFlow.Exporter.Influx"));
            var plan = RollupPlan.ForRange(fromTime, toTime, parseResult.GetValue(sources) ?? []);
            var c = CultureInfo.InvariantCulture;
            var span = plan[0].Spans;
            try
            {
                await writer.ConnectAsync(cancellationToken).ConfigureAwait(false);
                var which = plan[0].Sources.Count == 0 ? "every source" : "source " + string.Join(", ", plan[0].Sources);
                Console.Out.WriteLine(string.Create(c, $"rollup    {span[0].From:yyyy-MM-dd} to {span[^1].To:yyyy-MM-dd} (UTC, end exclusive), {which}, in {writer.Target}"));
                foreach (var step in plan)
                {
                    var before = writer.RollupTime;
                    var points = await writer.WriteRollupsAsync([step], cancellationToken).ConfigureAwait(false);
                    Console.Out.WriteLine(string.Create(c, $"{step.Tier.Suffix.TrimStart('_'),-9} {points:N0} points from {(step.SourceSuffix.Length == 0 ? "1m" : step.SourceSuffix.TrimStart('_'))} in {(writer.RollupTime - before).TotalSeconds:F2} s"));
                }
            }
            catch (InfluxWriteException e)
            {
                await Console.Error.WriteLineAsync("mailflow-exporter: error: " + e.Message).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            Console.Out.WriteLine(string.Create(c, $"elapsed   {writer.RollupTime.TotalSeconds:F2} s, {writer.RollupPointsWritten:N0} rollup points"));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
