using System.CommandLine;
using MailFlow.Exporter.Pipeline;
using MailFlow.Exporter.Report;

namespace MailFlow.Exporter.Cli;

/// <summary><c>mailflow-exporter report</c>: the insight in the terminal, with no services at all.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var inputs = new InputOptions();
        var from = new Option<string?>("--from") { Description = "Window start (ISO 8601 date or date-time, UTC unless an offset is given). Default: 7 days before the end of the data." };
        var to = new Option<string?>("--to") { Description = "Window end, exclusive (ISO 8601). Default: the end of the data." };
        var output = new Option<string>("--output", "-o") { Description = "table (default), json or csv.", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json", "csv");
        var tls10 = new Option<double>("--insight-tls10-percent") { Description = $"TLS 1.0 share (percent) on a Partner or OnPremises connector that raises an insight. Default: {InsightSettings.DefaultTls10Percent}.", DefaultValueFactory = _ => InsightSettings.DefaultTls10Percent };
        var minMessages = new Option<long>("--insight-min-messages") { Description = $"Messages a connector must carry in the window before its TLS 1.0 insight can fire. Default: {InsightSettings.DefaultMinMessages}.", DefaultValueFactory = _ => InsightSettings.DefaultMinMessages };
        var maxPeers = new Option<int>("--max-peers") { Description = $"Legacy peers listed at most. Default: {InsightSettings.DefaultMaxPeers}.", DefaultValueFactory = _ => InsightSettings.DefaultMaxPeers };
        var tlsrpt = new Option<bool>("--tlsrpt") { Description = "The inputs are SMTP TLS reports (RFC 8460: .json, .json.gz, Maildir, mbox), not logs: print what the senders saw." };

        var command = new Command("report", "Read mail logs and print which TLS versions protected inbound and outbound mail, per day, per connector, with insights and the legacy peers to contact.");
        inputs.AddTo(command);
        command.Options.Add(from);
        command.Options.Add(to);
        command.Options.Add(output);
        command.Options.Add(tls10);
        command.Options.Add(minMessages);
        command.Options.Add(maxPeers);
        command.Options.Add(tlsrpt);
        command.SetAction(parseResult => CliRunner.Run(() =>
        {
            var timings = PhaseTimings.FromEnvironment();
            var fromTime = InputOptions.ParseTime(parseResult.GetValue(from), "--from");
            var toTime = InputOptions.ParseTime(parseResult.GetValue(to), "--to");
            if (fromTime is not null && toTime is not null && fromTime >= toTime)
            {
                throw new CliError("--from must be before --to");
            }

            if (parseResult.GetValue(tlsrpt))
            {
                return Tlsrpt.TlsrptCommand.Report(parseResult.GetValue(inputs.Inputs) ?? [], fromTime, toTime, parseResult.GetValue(output) ?? "table");
            }

            var insightSettings = new InsightSettings
            {
                Tls10Percent = parseResult.GetValue(tls10) is var p and >= 0 and <= 100 ? p : throw new CliError("--insight-tls10-percent must be between 0 and 100"),
                MinMessages = parseResult.GetValue(minMessages) is var m and >= 0 ? m : throw new CliError("--insight-min-messages must be 0 or more"),
                MaxPeers = parseResult.GetValue(maxPeers) is var n and >= 0 ? n : throw new CliError("--max-peers must be 0 or more"),
            };
            var sources = inputs.ResolveInputs(parseResult, Console.Error);
            var settings = inputs.ToSettings(parseResult, TimeSpan.FromDays(1)) with { From = fromTime, To = toTime };
            timings?.Mark("options and inputs");
            BatchResult batch;
            using (var progress = BatchProgress.ForTerminal(sources))
            {
                batch = LogBatch.Run(sources, settings, progress, timings: timings);
            }

            var report = ReportBuilder.Build(batch, fromTime, toTime, insightSettings);
            timings?.Mark("build the report");
            switch (parseResult.GetValue(output))
            {
                case "json":
                    using (var stdout = Console.OpenStandardOutput())
                    {
                        JsonReportWriter.Write(report, stdout);
                    }

                    break;
                case "csv":
                    CsvReportWriter.Write(report, Console.Out);
                    break;
                default:
                    TableReportWriter.Write(report, Console.Out);
                    break;
            }

            timings?.Mark("write it");
            timings?.Write(Console.Error);
            foreach (var failed in batch.Inputs.Where(i => i.Error is not null))
            {
                Console.Error.WriteLine($"mailflow-exporter: {failed.Source.DisplayName}: {failed.Error}");
            }

            return batch.NothingRead ? ExitCodes.NothingRead : ExitCodes.Ok;
        }));
        return command;
    }
}
