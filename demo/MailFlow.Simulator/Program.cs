using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using MailFlow.Simulator;

var output = new Option<string>("--output", "-o") { Description = "Folder to write the logs to, one subfolder per format (postfix, sendmail, exim, exchange, csv).", DefaultValueFactory = _ => "mailflow-demo" };
var backfill = new Option<string?>("--backfill") { Description = "History to write at start, up to now, before the live part: 30d, 12h, 90m. Only into a new or empty folder (an existing one is resumed). Default: none." };
var rate = new Option<double>("--rate") { Description = string.Create(CultureInfo.InvariantCulture, $"Messages per hour at the weekday peak (13:00); a twelfth of it at night, a third at weekends. At most {SimulatorOptions.MaxPeakPerHour}."), DefaultValueFactory = _ => 240 };
var timezone = new Option<string>("--timezone") { Description = "Zone of the daily rhythm, of the local timestamps (Postfix, Sendmail, Exim) and of the daily rotation: IANA name, UTC or +01:00. Give the exporter the same --timezone.", DefaultValueFactory = _ => "UTC" };
var seed = new Option<int>("--seed") { Description = "Seed of the random choices: the same seed, start time and options write the same logs.", DefaultValueFactory = _ => 20261127 };
var duration = new Option<string?>("--duration") { Description = "Stop the live part after this long (45s, 10m, 2h). Default: run until stopped (Ctrl+C, SIGTERM)." };
var end = new Option<string?>("--end") { Description = "Write the backfill up to this time (ISO 8601 with offset, e.g. 2026-12-01T12:00:00Z) instead of now, then exit: reproducible files." };
var keep = new Option<int?>("--keep-days") { Description = "Days of rotated files kept per log (logrotate's rotate, Exchange's maximum age). Default: the backfill's days plus 7, at least 14." };
var summary = new Option<string?>("--summary") { Description = "Write the simulator's own count of the messages it wrote (by format, direction, connector, TLS version) to this JSON file on exit." };

var root = new RootCommand("MailFlow demo: writes realistic mail logs of the sample organisation (samples/connectors.yaml) at the current time, in the five formats mailflow-exporter reads, "
    + "with a daily rhythm, daily rotation and optional history. Partner Contoso is on TLS 1.2, Fabrikam still on TLS 1.0, the on-premises relays (10.1.2.x) now and then send plaintext "
    + "on their Forced TLS connector, internet servers use a mix of TLS versions, users submit with SMTP AUTH. Follow the folder with: mailflow-exporter run '<folder>/postfix/mail.log*' ...");
foreach (var option in new Option[] { output, backfill, rate, timezone, seed, duration, end, keep, summary })
{
    root.Options.Add(option);
}

root.SetAction(async (parseResult, cancellationToken) =>
{
    try
    {
        var endText = parseResult.GetValue(end);
        DateTimeOffset? endTime = null;
        if (endText is not null)
        {
            endTime = DateTimeOffset.TryParse(endText, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) && endText.Length > 10
                ? parsed
                : throw new OptionException($"--end: '{endText}' is not an ISO 8601 time with an offset (2026-12-01T12:00:00Z)");
        }

        var options = new SimulatorOptions
        {
            Output = parseResult.GetValue(output)!,
            Backfill = parseResult.GetValue(backfill) is { } text ? SimulatorOptions.ParseDuration(text, "--backfill") : TimeSpan.Zero,
            PeakPerHour = parseResult.GetValue(rate),
            Zone = SimulatorOptions.ParseZone(parseResult.GetValue(timezone)!),
            Seed = parseResult.GetValue(seed),
            Duration = parseResult.GetValue(duration) is { } live ? SimulatorOptions.ParseDuration(live, "--duration") : null,
            End = endTime,
            KeepDays = parseResult.GetValue(keep),
            Summary = parseResult.GetValue(summary),
        };
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new OptionException(string.Join("; ", problems));
        }

        // SIGTERM (docker stop) and SIGINT end the live part cleanly: messages under way completed, files flushed, summary written.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        return await new Simulation(options, Console.Out, TimeProvider.System).RunAsync(stop.Token).ConfigureAwait(false);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
    catch (OptionException e)
    {
        await Console.Error.WriteLineAsync($"mailflow-simulator: error: {e.Message}").ConfigureAwait(false);
        return 2;
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        await Console.Error.WriteLineAsync($"mailflow-simulator: error: {e.Message}").ConfigureAwait(false);
        return 3;
    }
});
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
