using System.Diagnostics;
using System.Text.Json.Nodes;
using MailFlow.Contracts.Schema;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>
/// The real mailflow-simulator and mailflow-exporter programs, run from their own build output (bin/&lt;configuration&gt;/
/// &lt;framework&gt;/ as these tests were built with), as child processes.
/// </summary>
internal static class DemoPrograms
{
    public static string Simulator => RepoPaths.SimulatorProgram;

    public static string Exporter => RepoPaths.ExporterProgram;

    public static string Connectors { get; } = Path.Combine(RepoPaths.Root, "samples", "connectors.yaml");

    /// <summary>The globs the exporter follows in a simulator folder: one per log, its rotations included.</summary>
    public static string[] Globs(string folder) =>
    [
        $"{folder}/postfix/mail.log*", $"{folder}/sendmail/maillog*", $"{folder}/exim/mainlog*",
        $"{folder}/exchange/SMTPRECV*.LOG", $"{folder}/exchange/SMTPSEND*.LOG", $"{folder}/csv/*.csv",
    ];

    /// <summary>Runs a program to its end; stdout and stderr apart.</summary>
    public static (int ExitCode, string StdOut, string StdErr) Run(string program, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        using var process = Start(program, arguments);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} did not finish");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts a program with its output redirected (the caller reads or drains it).</summary>
    public static Process Start(string program, IEnumerable<string> arguments)
    {
        if (!File.Exists(program))
        {
            throw new FileNotFoundException($"{program} is not built (the test project references it)", program);
        }

        var start = new ProcessStartInfo("dotnet", [program, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        return Process.Start(start) ?? throw new InvalidOperationException("could not start " + program);
    }

    /// <summary>
    /// Starts the exporter's real <c>run</c> daemon on a simulator folder (fast polling), writing to
    /// <paramref name="influx"/>'s database <see cref="MailFlowData.Database"/>.
    /// </summary>
    public static Process StartDaemon(string folder, string zone, InfluxDbServer influx, string checkpoint) =>
        Start(Exporter,
        [
            "run", "--connectors", Connectors, "--timezone", zone, "--checkpoint", checkpoint,
            "--influx-url", influx.Url.ToString().TrimEnd('/'), "--influx-database", MailFlowData.Database,
            "--poll-interval", "00:00:00.200", "--flush-interval", "00:00:00.500", .. Globs(folder),
        ]);

    /// <summary>
    /// Waits until InfluxDB holds <paramref name="expected"/> messages in the minute points and in every tier the
    /// queries read (the rollups follow each write, so a daemon stopped in between leaves them behind); fails with
    /// what it holds, or when the daemon stopped.
    /// </summary>
    public static async Task WaitForMessagesAsync(InfluxDbServer influx, Process daemon, long expected, TimeSpan timeout)
    {
        var measurements = new[] { InfluxSchema.MessagesMeasurement, InfluxSchema.TlsMeasurement }
            .SelectMany(m => InfluxSchema.RollupTiers.Select(t => m + t.Suffix).Prepend(m))
            .ToArray();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var stored = measurements.Select(m => (Measurement: m, Messages: Scalar(influx, $"SELECT sum(messages) FROM {m}"))).ToArray();
            if (stored.All(s => s.Messages == expected))
            {
                return;
            }

            Assert.False(daemon.HasExited, "the daemon stopped");
            Assert.True(DateTime.UtcNow < deadline,
                $"after {timeout.TotalSeconds:F0} s InfluxDB holds {string.Join(", ", stored.Select(s => $"{s.Measurement} {s.Messages}"))}, not the {expected} messages the simulator wrote");
            await Task.Delay(250);
        }
    }

    /// <summary>The first value of an InfluxQL statement's answer (0 when there is none).</summary>
    public static long Scalar(InfluxDbServer influx, string statement)
    {
        var json = JsonNode.Parse(influx.Query(statement, MailFlowData.Database))!;
        var value = json["results"]?[0]?["series"]?[0]?["values"]?[0]?[1];
        return value is null ? 0 : (long)value.GetValue<double>();
    }

    /// <summary>Stops a child process and returns what it wrote.</summary>
    public static async Task<string> StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        return await process.StandardError.ReadToEndAsync() + await process.StandardOutput.ReadToEndAsync();
    }

    /// <summary>
    /// The simulator's own count (<c>--summary</c>): messages per "direction|connector|tls", summed over formats, and
    /// per format.
    /// </summary>
    public static (long Total, Dictionary<string, long> ByConnector, Dictionary<string, long> ByFormat) ReadSummary(string path)
    {
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        var byConnector = new Dictionary<string, long>(StringComparer.Ordinal);
        var byFormat = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var count in json["counts"]!.AsArray())
        {
            var key = $"{count!["direction"]}|{count["connector"]}|{count["tls"]}";
            byConnector[key] = byConnector.GetValueOrDefault(key) + (long)count["messages"]!;
            var format = (string)count["format"]!;
            byFormat[format] = byFormat.GetValueOrDefault(format) + (long)count["messages"]!;
        }

        return ((long)json["messages"]!, byConnector, byFormat);
    }
}
