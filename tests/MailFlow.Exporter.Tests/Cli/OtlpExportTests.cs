using System.Diagnostics;
using System.Globalization;
using MailFlow.Exporter.Tests.Influx.Support;
using MailFlow.Exporter.Tests.Support;
using MailFlow.Testing;

namespace MailFlow.Exporter.Tests.Cli;

/// <summary>
/// The real program (child process) exports its metrics and logs to the OTLP endpoint the environment names, over
/// the protocol it names, under the service name it names, and sends nothing to the default localhost:4317/4318.
/// </summary>
[Collection(InfluxCollection.Name)]
public sealed class OtlpExportTests(InfluxFixture influx) : IDisposable
{
    /// <summary>Sessions in the generated log (<see cref="WriteLog"/>): 6 lines and one inbound TLS 1.3 message each.</summary>
    private const int Sessions = 7;

    /// <summary>A collector token given in OTEL_EXPORTER_OTLP_HEADERS: it must never be logged.</summary>
    private const string Secret = "s3cr3t-collector-token";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly string _directory = Directory.CreateTempSubdirectory("mailflow-otlp-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Ingest_OtlpEnvironment_MetricsAndLogsReachThatEndpointUnderThatServiceName(string protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var defaults = new DefaultCollectorPorts();
        var log = WriteLog("mail.log");
        var service = "ingest-" + protocol.Replace('/', '-');

        var result = ExporterProcess.Run(
            ["ingest", log, "--format", "postfix", "--timezone", "UTC", "--influx-url", influx.Server.Url.ToString(), "--influx-database", influx.NewDatabase("otlp")],
            configure: start =>
            {
                receiver.Configure(start, protocol, service, "deployment.environment=test,service.name=overridden-by-OTEL_SERVICE_NAME");
                start.Environment["OTEL_EXPORTER_OTLP_HEADERS"] = "x-collector-token=" + Secret;
            });

        Assert.True(result.ExitCode == 0, result.StdErr);
        // The final export happens when the command ends (disposing the providers flushes): all of it is there now.
        var received = receiver.Received;
        AssertArrivedOver(received, protocol, service);
        Assert.Equal(Sessions * 6, receiver.Latest("mailflow.exporter.lines_read"));
        Assert.Equal(Sessions, receiver.Latest("mailflow.exporter.records"));
        Assert.True(receiver.Latest("mailflow.exporter.points_written") >= 1);
        Assert.Contains(received.SelectMany(e => e.Resources), r => r.GetValueOrDefault("deployment.environment") == "test");
        var logs = received.SelectMany(e => e.LogRecords).ToList();
        Assert.Contains(logs, l => l.Body.StartsWith("Writing to InfluxDB", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Body.StartsWith("OpenTelemetry: metrics and logs over OTLP (" + protocol + ")", StringComparison.Ordinal));
        // The header reaches the collector, and only the collector: not the console, not the exported logs.
        Assert.All(received, e => Assert.Equal(Secret, e.Headers.GetValueOrDefault("x-collector-token")));
        Assert.DoesNotContain(Secret, result.StdOut + result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain(logs, l => l.Body.Contains(Secret, StringComparison.Ordinal) || l.Attributes.Values.Any(v => v.Contains(Secret, StringComparison.Ordinal)));
        AssertNothingAtTheDefaults(defaults);
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Run_OtlpEnvironment_MetricsAndLogsReachThatEndpointUnderThatServiceName(string protocol)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var defaults = new DefaultCollectorPorts();
        var log = WriteLog("mail.log");
        var service = "run-" + protocol.Replace('/', '-');
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            RepoPaths.ExporterProgram, "run", log, "--format", "postfix", "--timezone", "UTC",
            "--checkpoint", Path.Combine(_directory, "checkpoint.json"), "--influx-url", influx.Server.Url.ToString(), "--influx-database", influx.NewDatabase("otlp_run"),
            "--poll-interval", "00:00:00.05", "--flush-interval", "00:00:00.2", "--open-window", "3650.00:00:00",
        })
        {
            start.ArgumentList.Add(argument);
        }

        receiver.Configure(start, protocol, service);
        using var daemon = Process.Start(start)!;
        var stderr = daemon.StandardError.ReadToEndAsync();
        var stdout = daemon.StandardOutput.ReadToEndAsync();
        try
        {
            // Periodic exports (every 0.5 s) while the daemon runs: it need not stop for anything to arrive.
            await receiver.WaitForAsync(_ => receiver.Latest("mailflow.exporter.records") == Sessions && receiver.Latest("mailflow.exporter.points_written") >= 1, Patience, "metrics of all records");
            await receiver.WaitForAsync(r => r.SelectMany(e => e.LogRecords).Any(l => l.Body.StartsWith("Following " + log, StringComparison.Ordinal)), Patience, "'Following' log record");
        }
        finally
        {
            using (var term = Process.Start("kill", ["-TERM", daemon.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term!.WaitForExitAsync();
            }

            if (!daemon.WaitForExit(30_000))
            {
                daemon.Kill(entireProcessTree: true);
            }
        }

        Assert.True(daemon.ExitCode == 0, await stderr + await stdout);
        var received = receiver.Received;
        AssertArrivedOver(received, protocol, service);
        Assert.Equal(Sessions * 6, receiver.Latest("mailflow.exporter.lines_read"));
        Assert.Contains(received.SelectMany(e => e.LogRecords), l => l.Body.StartsWith("Writing to InfluxDB", StringComparison.Ordinal));
        AssertNothingAtTheDefaults(defaults);
    }

    [Fact]
    public async Task Run_PerSignalEndpoints_MetricsAndLogsEachGoWhereTheirVariableSays()
    {
        // OTEL_EXPORTER_OTLP_{METRICS,LOGS}_ENDPOINT are full URLs (nothing appended), each to its own receiver;
        // the general endpoint is not set at all.
        await using var metricsReceiver = await OtlpReceiver.StartAsync();
        await using var logsReceiver = await OtlpReceiver.StartAsync();
        var log = WriteLog("mail.log");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            RepoPaths.ExporterProgram, "ingest", log, "--format", "postfix", "--timezone", "UTC", "--parse-only",
        })
        {
            start.ArgumentList.Add(argument);
        }

        metricsReceiver.Configure(start, "http/protobuf", "per-signal");
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        start.Environment["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = new Uri(metricsReceiver.HttpEndpoint, "/v1/metrics").ToString();
        start.Environment["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"] = new Uri(logsReceiver.HttpEndpoint, "/v1/logs").ToString();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000));

        Assert.True(process.ExitCode == 0, await stderr);
        Assert.Equal(Sessions, metricsReceiver.Latest("mailflow.exporter.records"));
        Assert.DoesNotContain(metricsReceiver.Received, e => e.Signal == "logs");
        Assert.Contains(logsReceiver.Received.SelectMany(e => e.LogRecords), l => l.Body.StartsWith("OpenTelemetry: metrics and logs over OTLP", StringComparison.Ordinal));
        Assert.DoesNotContain(logsReceiver.Received, e => e.Signal == "metrics");
    }

    [Fact]
    public void Ingest_NoOtlpEndpoint_ExportsNothingAnywhere()
    {
        using var defaults = new DefaultCollectorPorts();
        var log = WriteLog("mail.log");

        var result = ExporterProcess.Run(["ingest", log, "--format", "postfix", "--parse-only"], configure: start =>
        {
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
            {
                start.Environment.Remove(name);
            }
        });

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("OpenTelemetry", result.StdErr, StringComparison.Ordinal);
        AssertNothingAtTheDefaults(defaults);
    }

    /// <summary>Metrics and logs came in over the transport of <paramref name="protocol"/> only, all of them from <paramref name="service"/>.</summary>
    private static void AssertArrivedOver(IReadOnlyList<OtlpExport> received, string protocol, string service)
    {
        var transport = protocol == "grpc" ? "grpc" : "http";
        Assert.Contains(received, e => e.Signal == "metrics");
        Assert.Contains(received, e => e.Signal == "logs");
        Assert.All(received, e => Assert.Equal(transport, e.Transport));
        Assert.All(received.SelectMany(e => e.ServiceNames), name => Assert.Equal(service, name));
    }

    private static void AssertNothingAtTheDefaults(DefaultCollectorPorts defaults)
    {
        if (defaults.AllWatched)
        {
            Assert.Equal(0, defaults.Connections);
        }
    }

    /// <summary>
    /// A Postfix log of <see cref="Sessions"/> sessions, each connect, TLS summary, client=, qmgr from=, disconnect
    /// and qmgr removed (which completes the message for the daemon, that waits for it; ingest also emits at the end
    /// of its input): 6 lines and one inbound TLS 1.3 message per session.
    /// </summary>
    private string WriteLog(string name)
    {
        var lines = new List<string>();
        for (var i = 0; i < Sessions; i++)
        {
            var time = new DateTime(2026, 3, 1, 10, 0, 0, DateTimeKind.Utc).AddSeconds(i * 3);
            string At(int seconds) => time.AddSeconds(seconds).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            var pid = 1000 + i;
            var queue = $"ABCDE{i:D5}";
            lines.Add($"{At(0)} mx1 postfix/smtpd[{pid}]: connect from a.example[192.0.2.7]");
            lines.Add($"{At(0)} mx1 postfix/smtpd[{pid}]: Anonymous TLS connection established from a.example[192.0.2.7]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)");
            lines.Add($"{At(1)} mx1 postfix/smtpd[{pid}]: {queue}: client=a.example[192.0.2.7]");
            lines.Add($"{At(1)} mx1 postfix/qmgr[2]: {queue}: from=<x@a.example>, size=1, nrcpt=1 (queue active)");
            lines.Add($"{At(2)} mx1 postfix/smtpd[{pid}]: disconnect from a.example[192.0.2.7] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7");
            lines.Add($"{At(2)} mx1 postfix/qmgr[2]: {queue}: removed");
        }

        var path = Path.Combine(_directory, name);
        File.WriteAllLines(path, lines);
        return path;
    }
}
