using System.CommandLine;
using System.Globalization;
using MailFlow.Exporter.Pipeline;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Telemetry;
using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Cli;

/// <summary>
/// <c>mailflow-exporter ingest</c>: read logs, aggregate per minute, write the complete totals to InfluxDB.
/// Running it again over the same files leaves the same totals (points overwrite, never add).
/// </summary>
public static class IngestCommand
{
    /// <summary>Transient failures are retried this long by default before ingest gives up.</summary>
    public static readonly TimeSpan DefaultRetryFor = TimeSpan.FromMinutes(10);

    public static Command Create()
    {
        var inputs = new InputOptions();
        var influx = new InfluxCliOptions();
        var config = new Option<string?>("--config") { Description = "Configuration file (JSON or YAML) with an Influx section; environment variables MAILFLOW_INFLUX__* also apply." };
        var parseOnly = new Option<bool>("--parse-only") { Description = "Parse and aggregate, but write nothing (measures parsing alone)." };
        var command = new Command("ingest", "Read mail logs, count messages per minute by direction, connector and TLS version, and write the totals to InfluxDB, "
            + "then recompute the 5m, 1h and 1d rollups of the buckets they touch. Re-running it over the same files rewrites the same totals. Environment: " + InfluxCliOptions.EnvironmentHelp() + ", " + TelemetrySetup.EnvironmentHelp + ".");
        inputs.AddTo(command);
        influx.AddTo(command);
        command.Options.Add(config);
        command.Options.Add(parseOnly);
        command.SetAction((parseResult, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var configuration = ExporterConfiguration.Build(parseResult.GetValue(config), influx.Overrides(parseResult));
            var influxOptions = InfluxCliOptions.Bind(configuration, DefaultRetryFor);
            var sources = inputs.ResolveInputs(parseResult, Console.Error);
            var settings = inputs.ToSettings(parseResult, TimeSpan.FromMinutes(1));
            using var telemetry = TelemetrySetup.StartForCommand(logging => logging
                .SetMinimumLevel(LogLevel.Information)
                .AddSimpleConsole(console => console.SingleLine = true)
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
            var loggers = telemetry.Loggers;
            using var writer = parseResult.GetValue(parseOnly) ? null : new InfluxPointWriter(influxOptions, loggers.CreateLogger("MailFlow.Exporter.Influx"));
            IngestSummary summary;
            try
            {
                using var progress = BatchProgress.ForTerminal(sources);
                var job = new IngestJob(() => new MinuteAggregator(settings.Classifier, settings.SourceOverride), writer)
                {
                    Parallelism = settings.Parallelism,
                    Progress = progress,
                };
                summary = await job.RunAsync(sources, settings.ParseOptions, settings.ForcedFormat, cancellationToken).ConfigureAwait(false);
            }
            catch (InfluxWriteException e)
            {
                await Console.Error.WriteLineAsync("mailflow-exporter: error: " + e.Message).ConfigureAwait(false);
                return ExitCodes.Failure;
            }

            PrintSummary(summary, writer?.Target);
            foreach (var failed in summary.Inputs.Where(i => i.Error is not null))
            {
                await Console.Error.WriteLineAsync($"mailflow-exporter: {failed.Source.DisplayName}: {failed.Error}").ConfigureAwait(false);
            }

            return summary.NothingRead ? ExitCodes.NothingRead : ExitCodes.Ok;
        }));
        return command;
    }

    private static void PrintSummary(IngestSummary summary, string? target)
    {
        var c = CultureInfo.InvariantCulture;
        Console.Out.WriteLine(string.Create(c, $"read      {summary.Inputs.Count:N0} inputs, {summary.Lines:N0} lines, {summary.Bytes / 1e6:F1} MB; lines of other programs: {summary.OtherProgramLines:N0}"));
        Console.Out.WriteLine(string.Create(c, $"records   {summary.Records:N0} messages; {summary.Problems:N0} lines not understood"));
        foreach (var problem in summary.FirstProblems.Take(5))
        {
            Console.Out.WriteLine(string.Create(c, $"          {problem.Source}:{problem.Line}: {problem.Reason}{(problem.Detail is null ? "" : ": " + problem.Detail)}"));
        }

        Console.Out.WriteLine(target is null
            ? string.Create(c, $"points    {summary.Points:N0} (parse only: nothing written)")
            : string.Create(c, $"points    {summary.Points:N0} written to {target}"));
        if (target is not null)
        {
            Console.Out.WriteLine(string.Create(c, $"rollups   {summary.RollupPoints:N0} points (5m, 1h, 1d) recomputed in {summary.RollupTime.TotalSeconds:F2} s"));
        }

        Console.Out.WriteLine(string.Create(c, $"elapsed   {summary.Elapsed.TotalSeconds:F2} s (parsing {summary.ParseTime.TotalSeconds:F2} s), {summary.BytesPerSecond / 1e6:F1} MB/s, {summary.RecordsPerSecond:N0} records/s"));
    }
}
