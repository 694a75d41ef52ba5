using System.CommandLine;
using System.Globalization;
using System.Text;
using MailFlow.Exporter.Cli;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Telemetry;
using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Tlsrpt;

/// <summary>
/// <c>mailflow-exporter tlsrpt</c>: reads SMTP TLS reports (files, directories, Maildirs, mbox) and writes their
/// points to InfluxDB through the same writer and options as <c>ingest</c>; <c>report --tlsrpt</c> prints them.
/// </summary>
public static class TlsrptCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Arity = ArgumentArity.OneOrMore,
            Description = "Report files (.json, .json.gz), directories (read recursively), Maildirs, mbox files or single e-mail messages; globs quoted.",
        };
        var influx = new InfluxCliOptions();
        var config = new Option<string?>("--config") { Description = "Configuration file (JSON or YAML) with an Influx section; environment variables MAILFLOW_INFLUX__* also apply." };
        var command = new Command("tlsrpt", "Read SMTP TLS reports (RFC 8460) sent by other mail systems (JSON, gzip, or report e-mails in a Maildir or mbox) and write "
            + "their session and failure counts to InfluxDB. A report read again overwrites itself: it counts once. Environment: " + InfluxCliOptions.EnvironmentHelp() + ".");
        command.Arguments.Add(inputs);
        influx.AddTo(command);
        command.Options.Add(config);
        command.SetAction((parseResult, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var configuration = ExporterConfiguration.Build(parseResult.GetValue(config), influx.Overrides(parseResult));
            var influxOptions = InfluxCliOptions.Bind(configuration, IngestCommand.DefaultRetryFor);
            var batch = TlsReportReader.Read(parseResult.GetValue(inputs) ?? [], DateTimeOffset.UtcNow);
            using var telemetry = TelemetrySetup.StartForCommand(logging => logging
                .SetMinimumLevel(LogLevel.Information)
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
            long points = 0;
            string? target = null;
            if (batch.Reports.Count > 0)
            {
                using var writer = new InfluxPointWriter(influxOptions, telemetry.Loggers.CreateLogger("MailFlow.Exporter.Influx"));
                try
                {
                    points = await WriteAsync(writer, batch.Reports, influxOptions.BatchLines, cancellationToken).ConfigureAwait(false);
                    target = writer.Target;
                }
                catch (InfluxWriteException e)
                {
                    await Console.Error.WriteLineAsync("mailflow-exporter: error: " + e.Message).ConfigureAwait(false);
                    return ExitCodes.Failure;
                }
            }

            var c = CultureInfo.InvariantCulture;
            Console.Out.WriteLine(string.Create(c, $"read      {batch.Files:N0} files, {batch.Messages:N0} e-mail messages ({batch.MessagesWithoutReport:N0} without a report)"));
            Console.Out.WriteLine(string.Create(c, $"reports   {batch.Reports.Count:N0} ({batch.Duplicates:N0} duplicates counted once); {batch.Problems.Count:N0} problems"));
            foreach (var problem in batch.Problems)
            {
                Console.Out.WriteLine("          problem: " + problem);
            }

            foreach (var note in batch.Notes)
            {
                Console.Out.WriteLine("          note: " + note);
            }

            Console.Out.WriteLine(target is null
                ? "points    0 (nothing to write)"
                : string.Create(c, $"points    {points:N0} written to {target}"));
            return batch.Reports.Count == 0 && batch.Problems.Count > 0 ? ExitCodes.NothingRead : ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Writes the reports' points in batches of whole reports (a report's points go in one request).</summary>
    public static async Task<long> WriteAsync(InfluxPointWriter writer, IEnumerable<ReadTlsReport> reports, int batchLines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var text = new StringBuilder();
        var lines = 0;
        long written = 0;
        foreach (var report in reports)
        {
            text.Append(report.Points.ToLineProtocol());
            lines += report.Points.LineCount;
            if (lines >= batchLines)
            {
                await writer.WriteLinesAsync(Encoding.UTF8.GetBytes(text.ToString()), lines, cancellationToken).ConfigureAwait(false);
                written += lines;
                text.Clear();
                lines = 0;
            }
        }

        if (lines > 0)
        {
            await writer.WriteLinesAsync(Encoding.UTF8.GetBytes(text.ToString()), lines, cancellationToken).ConfigureAwait(false);
            written += lines;
        }

        return written;
    }

    /// <summary><c>report --tlsrpt</c>: prints the reports with no service at all.</summary>
    public static int Report(IReadOnlyList<string> inputs, DateTimeOffset? from, DateTimeOffset? to, string output)
    {
        var batch = TlsReportReader.Read(inputs, DateTimeOffset.UtcNow);
        var summary = TlsReportSummary.Build(batch, from, to);
        switch (output)
        {
            case "json":
                using (var stdout = Console.OpenStandardOutput())
                {
                    summary.WriteJson(stdout);
                }

                Console.Out.WriteLine();
                break;
            case "csv":
                summary.WriteCsv(Console.Out);
                break;
            default:
                summary.WriteTable(Console.Out);
                break;
        }

        foreach (var problem in batch.Problems)
        {
            Console.Error.WriteLine("mailflow-exporter: " + problem);
        }

        return batch.Reports.Count == 0 && batch.Problems.Count > 0 ? ExitCodes.NothingRead : ExitCodes.Ok;
    }
}
