using System.Diagnostics;
using MailFlow.Exporter.Tests.Influx.Support;
using MailFlow.Exporter.Tests.Support;
using MailFlow.Testing;

namespace MailFlow.Exporter.Tests.Cli;

/// <summary>
/// The exporter as the README installs it: <c>dotnet publish exporter/MailFlow.Exporter -c Release</c>, a Native
/// AOT executable. Published once per test run into a temp folder (a couple of minutes), or taken from
/// <c>MAILFLOW_TEST_EXPORTER_DIR</c> (a folder published earlier).
/// </summary>
public sealed class PublishedExporter : IDisposable
{
    private readonly string? _work;

    public PublishedExporter()
    {
        var prebuilt = Environment.GetEnvironmentVariable("MAILFLOW_TEST_EXPORTER_DIR");
        string directory;
        if (string.IsNullOrEmpty(prebuilt))
        {
            _work = Directory.CreateTempSubdirectory("mailflow-published-exporter-").FullName;
            directory = _work;
            var start = new ProcessStartInfo("dotnet", ["publish", Path.Combine(RepoPaths.Root, "exporter", "MailFlow.Exporter"), "-c", "Release", "-o", directory, "-nologo", "-v:q"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = RepoPaths.Root,
            };
            using var publish = Process.Start(start)!;
            var output = publish.StandardOutput.ReadToEndAsync();
            var errors = publish.StandardError.ReadToEndAsync();
            if (!publish.WaitForExit(TimeSpan.FromMinutes(20)))
            {
                publish.Kill(entireProcessTree: true);
                throw new TimeoutException("dotnet publish of the exporter did not finish in 20 minutes");
            }

            if (publish.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet publish of the exporter failed ({publish.ExitCode}):\n{output.Result}\n{errors.Result}");
            }
        }
        else
        {
            directory = prebuilt;
        }

        Executable = Path.Combine(directory, "mailflow-exporter");
        if (!File.Exists(Executable))
        {
            throw new FileNotFoundException($"{Executable} is missing: the publish did not produce a native executable", Executable);
        }
    }

    /// <summary>The published <c>mailflow-exporter</c>.</summary>
    public string Executable { get; }

    public void Dispose()
    {
        if (_work is not null)
        {
            Directory.Delete(_work, recursive: true);
        }
    }
}

/// <summary>
/// What the trimmer and Native AOT could break (reflection, YAML, JSON, HTTP, hosting), run through the published
/// executable and judged against the framework-dependent build of the same source: the same bytes out for the same
/// logs, and against a real influxd, the corpus totals that the log itself gives (178 messages; see
/// ExporterInfluxCliTests for how they were counted).
/// </summary>
[Collection(InfluxCollection.Name)]
public sealed class PublishedExporterTests(InfluxFixture influx, PublishedExporter published) : IClassFixture<PublishedExporter>
{
    public static TheoryData<string[]> Reports => new()
    {
        // Every format of the samples, the connectors file (YAML), insights and peers, in the three outputs.
        { ["report", "samples/logs", "--connectors", "samples/connectors.yaml", "--output", "json"] },
        { ["report", "samples/logs", "--connectors", "samples/connectors.yaml", "--output", "csv"] },
        { ["report", "samples/logs", "--connectors", "samples/connectors.yaml", "--timezone", "Europe/Berlin"] },
        // The real Postfix corpus, and its problems (invalid UTF-8) in the JSON input section.
        { ["report", RepoPaths.PostfixCorpus, "--output", "json", "--parallel", "1"] },
    };

    [Theory]
    [MemberData(nameof(Reports))]
    public void Report_SameArguments_SameOutputAsTheFrameworkDependentBuild(string[] arguments)
    {
        var framework = ExporterProcess.Run(arguments);
        var native = ExporterProcess.Run(arguments, executable: published.Executable);

        Assert.True(framework.ExitCode == 0, framework.StdErr);
        Assert.Equal(framework.ExitCode, native.ExitCode);
        Assert.Equal(framework.StdOut, native.StdOut);
        Assert.Equal(framework.StdErr, native.StdErr);
        Assert.True(native.StdOut.Length > 1000, native.StdOut); // A whole report, not an empty one on both sides.
    }

    [Fact]
    public void BadConnectorsFileAndBadOption_SameClearErrorsAsTheFrameworkDependentBuild()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mailflow-published-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, "connectors:\n  - name: A\n    type: Partner\n    direction: inbound\n    colour: blue\n");
        try
        {
            foreach (var arguments in new[] { new[] { "report", "samples/logs", "--connectors", file }, ["report", "samples/logs", "--output", "xml"] })
            {
                var framework = ExporterProcess.Run(arguments);
                var native = ExporterProcess.Run(arguments, executable: published.Executable);

                Assert.NotEqual(0, native.ExitCode); // 2 for the connectors file, 1 for System.CommandLine's parse error.
                Assert.Equal(framework.ExitCode, native.ExitCode);
                Assert.Equal(framework.StdErr, native.StdErr);
                Assert.DoesNotContain("   at ", native.StdErr, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Ingest_PostfixCorpusIntoRealInfluxd_TheCorpusTotals()
    {
        var database = influx.NewDatabase("published");

        var result = ExporterProcess.Run(["ingest", RepoPaths.PostfixCorpus, "--influx-url", influx.Server.Url.ToString(), "--influx-database", database], executable: published.Executable);

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("records   178 messages", result.StdOut, StringComparison.Ordinal);
        Assert.Equal(178, influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database));
        Assert.Equal(18, influx.Scalar("SELECT sum(messages) FROM mailflow_peers", database)); // The plaintext inbound ones.
        Assert.Equal(178, influx.Scalar("SELECT sum(messages) FROM mailflow_messages_1d", database)); // Rollups (SELECT INTO) ran.
    }

    [Fact]
    public async Task Run_FollowsARotatedCorpusWithTelemetryOn_CorpusTotalsThenCleanStop()
    {
        // The daemon (hosting, OpenTelemetry set up for an OTLP endpoint that refuses connections, the follower,
        // the checkpoint file): the corpus as a rotated log beside an empty current one gives its 178 messages.
        var database = influx.NewDatabase("published_run");
        var directory = Directory.CreateTempSubdirectory("mailflow-published-run-").FullName;
        try
        {
            File.Copy(RepoPaths.PostfixCorpus, Path.Combine(directory, "mail.log.1"));
            File.WriteAllText(Path.Combine(directory, "mail.log"), "");
            var start = new ProcessStartInfo(published.Executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9" },
            };
            foreach (var argument in new[]
            {
                "run", Path.Combine(directory, "mail.log*"), "--format", "postfix", "--checkpoint", Path.Combine(directory, "checkpoint.json"),
                "--influx-url", influx.Server.Url.ToString(), "--influx-database", database,
                "--poll-interval", "00:00:00.05", "--flush-interval", "00:00:00.2", "--open-window", "3.00:00:00",
            })
            {
                start.ArgumentList.Add(argument);
            }

            using var daemon = Process.Start(start)!;
            var stderr = daemon.StandardError.ReadToEndAsync();
            _ = daemon.StandardOutput.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && !daemon.HasExited && influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database) < 178)
            {
                await Task.Delay(200);
            }

            using (var term = Process.Start("kill", ["-TERM", daemon.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term!.WaitForExitAsync();
            }

            Assert.True(daemon.WaitForExit(30_000));
            Assert.True(daemon.ExitCode == 0, await stderr);
            Assert.Equal(178, influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database));
            Assert.True(File.Exists(Path.Combine(directory, "checkpoint.json")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Ingest_OtlpEnvironment_MetricsAndLogsReachARealReceiver(string protocol)
    {
        // OpenTelemetry's OTLP exporters (protobuf by hand, gRPC framing, HTTP) in the native executable.
        await using var receiver = await OtlpReceiver.StartAsync();

        var result = ExporterProcess.Run(
            ["ingest", RepoPaths.PostfixCorpus, "--format", "postfix", "--parse-only"],
            configure: start => receiver.Configure(start, protocol, "published-" + protocol.Replace('/', '-')),
            executable: published.Executable);

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Equal(178, receiver.Latest("mailflow.exporter.records")); // The corpus's messages, counted as above.
        Assert.Contains(receiver.Received.SelectMany(e => e.LogRecords), l => l.Body.StartsWith("OpenTelemetry: metrics and logs over OTLP (" + protocol + ")", StringComparison.Ordinal));
    }

    [Fact]
    public void Help_EveryCommand_ListsItsOptions()
    {
        foreach (var command in new[] { "report", "ingest", "run", "rollup" })
        {
            var framework = ExporterProcess.Run([command, "--help"]);
            var native = ExporterProcess.Run([command, "--help"], executable: published.Executable);

            Assert.Equal(0, native.ExitCode);
            Assert.Equal(framework.StdOut, native.StdOut);
        }
    }
}
