using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MailFlow.Testing;
using Microsoft.Extensions.FileSystemGlobbing;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>
/// docker-compose.yml and its Dockerfiles, checked without a Docker engine: the Compose schema (dclint), pinned
/// images, health checks, secrets kept in .env, and the mounts that Grafana's provisioning files rely on.
/// </summary>
public sealed partial class ComposeFileTests
{
    private static readonly string ComposePath = Path.Combine(RepoPaths.Root, "docker-compose.yml");

    private static JsonObject Compose => GrafanaFiles.YamlFile(ComposePath);

    private static JsonObject Service(string name) => Compose["services"]![name]!.AsObject();

    [Fact]
    public void ComposeFileAndDockerfiles_ValidateWithoutADockerEngine()
    {
        var (exitCode, output) = RunValidator(ComposePath);

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public void ComposeValidator_BrokenFiles_AreRejected()
    {
        // The validator must fail on what the schema forbids (a misspelt key) and on an unpinned image.
        var text = File.ReadAllText(ComposePath);
        var directory = Directory.CreateTempSubdirectory("mailflow-compose-");
        try
        {
            var misspelt = Path.Combine(directory.FullName, "misspelt.yml");
            File.WriteAllText(misspelt, text.Replace("    healthcheck:\n      test: [\"CMD\", \"influx\"", "    healthchek:\n      test: [\"CMD\", \"influx\"", StringComparison.Ordinal));
            var unpinned = Path.Combine(directory.FullName, "unpinned.yml");
            File.WriteAllText(unpinned, text.Replace("image: influxdb:1.11.8", "image: influxdb", StringComparison.Ordinal));

            Assert.NotEqual(text, File.ReadAllText(misspelt));
            Assert.NotEqual(text, File.ReadAllText(unpinned));
            Assert.NotEqual(0, RunValidator(misspelt).ExitCode);
            Assert.NotEqual(0, RunValidator(unpinned).ExitCode);

            // And on a Dockerfile with a misspelt instruction.
            var dockerfile = Path.Combine(directory.FullName, "broken.Dockerfile");
            File.WriteAllText(dockerfile, File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "grafana.Dockerfile")).Replace("COPY --from=plugin", "COPPY --from=plugin", StringComparison.Ordinal));
            var (exitCode, output) = RunValidator(ComposePath, dockerfile);
            Assert.NotEqual(0, exitCode);
            Assert.Contains("COPPY", output, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Services_TheWholeStack_IsDeclared()
    {
        var services = Compose["services"]!.AsObject().Select(s => s.Key).Order(StringComparer.Ordinal);

        Assert.Equal(["api", "exporter", "grafana", "influxdb", "otel-collector", "simulator"], services);
        Assert.Contains("run", Service("exporter")["command"]!.AsArray().Select(c => (string?)c));
        Assert.Contains("serve", Service("api")["command"]!.AsArray().Select(c => (string?)c));
    }

    [Fact]
    public void Images_AreAllPinnedToAVersion()
    {
        var images = Compose["services"]!.AsObject().Select(s => (string?)s.Value!["image"]).OfType<string>().ToList();
        foreach (var dockerfile in Directory.GetFiles(Path.Combine(RepoPaths.Root, "deploy"), "*.Dockerfile"))
        {
            images.AddRange(File.ReadLines(dockerfile).Select(l => FromLine().Match(l)).Where(m => m.Success).Select(m => m.Groups["image"].Value));
        }

        Assert.True(images.Count >= 8, $"only {images.Count} images found");
        Assert.All(images, image => Assert.Matches(PinnedImage(), image));
    }

    [Fact]
    public void Services_ThatCanBeProbed_HaveHealthChecks()
    {
        // The collector's image is a lone static binary (no shell, no client): it is probed from outside.
        foreach (var name in new[] { "influxdb", "exporter", "api", "grafana", "simulator" })
        {
            var test = Service(name)["healthcheck"]?["test"]?.AsArray();
            Assert.True(test is { Count: > 1 }, $"{name} has no health check");
        }

        Assert.Equal("service_healthy", (string?)Service("grafana")["depends_on"]!["influxdb"]!["condition"]);
        Assert.Equal("service_healthy", (string?)Service("exporter")["depends_on"]!["influxdb"]!["condition"]);

        // The daemon reads the whole history before it closes any minute only if it is there at its start.
        Assert.Equal("service_healthy", (string?)Service("exporter")["depends_on"]!["simulator"]!["condition"]);
    }

    [Fact]
    public void Secrets_ComeFromTheEnvironmentFileNotFromComposeFile()
    {
        var examples = File.ReadAllLines(Path.Combine(RepoPaths.Root, ".env.example"))
            .Where(l => l.Length > 0 && l[0] != '#' && l.Contains('=', StringComparison.Ordinal))
            .Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)])
            .ToHashSet(StringComparer.Ordinal);
        var text = File.ReadAllText(ComposePath);

        foreach (Match required in RequiredVariable().Matches(text))
        {
            Assert.Contains(required.Groups["name"].Value, examples);
        }

        foreach (var (service, definition) in Compose["services"]!.AsObject())
        {
            foreach (var (key, value) in definition!["environment"]?.AsObject() ?? [])
            {
                if (SecretName().IsMatch(key))
                {
                    Assert.True(value is null || value.ToString().Length == 0 || text.Contains($"{key}: ${{", StringComparison.Ordinal),
                        $"{service}: {key} must come from .env, not be written in docker-compose.yml");
                }
            }
        }

        Assert.Contains(".env", File.ReadAllLines(Path.Combine(RepoPaths.Root, ".gitignore")));
    }

    [Fact]
    public void Grafana_MountsWhatTheProvisioningFilesReferTo()
    {
        var grafana = Service("grafana");
        var mounts = grafana["volumes"]!.AsArray().Select(v => ((string)v!).Split(':')).ToDictionary(p => p[1], p => p[0]);
        var environment = grafana["environment"]!.AsObject();

        // The dashboard provider reads the folder where the repository's dashboards/ is mounted.
        var providerPath = (string)GrafanaFiles.Yaml("dashboards", "mailflow.yaml")["providers"]![0]!["options"]!["path"]!;
        Assert.Equal("./dashboards", mounts[providerPath]);
        foreach (var kind in new[] { "datasources", "dashboards", "alerting" })
        {
            Assert.Equal($"./dashboards/provisioning/{kind}", mounts[$"/etc/grafana/provisioning/{kind}"]);
        }

        // The home dashboard is one of the mounted files.
        var home = (string)environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]!;
        Assert.StartsWith(providerPath + "/", home, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(GrafanaFiles.DashboardsDirectory, home[(providerPath.Length + 1)..])), home);

        // Every $VARIABLE the provisioning files read is set for Grafana.
        foreach (var file in Directory.GetFiles(GrafanaFiles.ProvisioningDirectory, "*.yaml", SearchOption.AllDirectories))
        {
            var content = string.Join('\n', File.ReadLines(file).Where(l => !l.TrimStart().StartsWith('#')));
            foreach (Match variable in EnvironmentReference().Matches(content))
            {
                Assert.True(environment.ContainsKey(variable.Groups["name"].Value), $"{Path.GetFileName(file)} reads ${variable.Groups["name"].Value}, which Grafana's environment lacks");
            }
        }

        Assert.Contains(GrafanaFiles.PluginId, (string?)environment["GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"], StringComparison.Ordinal);
        Assert.Contains("build-plugin.sh", File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "grafana.Dockerfile")), StringComparison.Ordinal);
    }

    [Fact]
    public void GrafanaImage_PluginStage_RunsOnTheBuildMachineAndCrossCompilesTheOtherArchitecture()
    {
        var dockerfile = File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "grafana.Dockerfile"));
        var stages = dockerfile.Split('\n').Where(l => FromLine().IsMatch(l)).ToList();

        // The SDK stage runs natively on either kind of build machine (no emulation); the Grafana stage is the
        // image of the target platform (grafana/grafana's Ubuntu variant is published for amd64 and arm64).
        Assert.Equal(2, stages.Count);
        Assert.StartsWith("FROM --platform=$BUILDPLATFORM ", stages[0], StringComparison.Ordinal);
        Assert.DoesNotContain("--platform", stages[1], StringComparison.Ordinal);
        // On an amd64 machine it needs the arm64 cross toolchain, on an arm64 machine the amd64 one.
        Assert.Contains("gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross", dockerfile, StringComparison.Ordinal);
        Assert.Contains("gcc-x86-64-linux-gnu binutils-x86-64-linux-gnu libc6-dev-amd64-cross", dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void Telemetry_OfEveryService_GoesToTheCollector()
    {
        var collector = GrafanaFiles.YamlFile(Path.Combine(RepoPaths.Root, "deploy", "otel-collector.yaml"));
        var grpc = (string)collector["receivers"]!["otlp"]!["protocols"]!["grpc"]!["endpoint"]!;
        var port = grpc[(grpc.LastIndexOf(':') + 1)..];

        foreach (var name in new[] { "exporter", "api" })
        {
            Assert.Equal($"http://otel-collector:{port}", (string?)Service(name)["environment"]!["OTEL_EXPORTER_OTLP_ENDPOINT"]);
            Assert.False(string.IsNullOrEmpty((string?)Service(name)["environment"]!["OTEL_SERVICE_NAME"]));
        }

        foreach (var pipeline in new[] { "traces", "metrics", "logs" })
        {
            Assert.Contains("otlp", collector["service"]!["pipelines"]![pipeline]!["receivers"]!.AsArray().Select(r => (string?)r));
        }
    }

    [Fact]
    public void Exporter_ByDefault_FollowsEveryLogTheSimulatorWritesInItsZone()
    {
        var exporter = Service("exporter");
        var simulator = Service("simulator");
        var mounts = exporter["volumes"]!.AsArray().Select(v => (string)v!).ToArray();
        var connectors = DefaultHostPath(mounts.Single(m => m.Contains(":/etc/mailflow/connectors.yaml", StringComparison.Ordinal)));
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, connectors)), connectors);

        // The exporter mounts the simulator's volume (unless MAILFLOW_LOG_DIR names your own folder).
        var logs = mounts.Single(m => m.EndsWith(":/logs:ro", StringComparison.Ordinal));
        var volume = DefaultHostPath(logs);
        var simulatorMount = simulator["volumes"]!.AsArray().Select(v => ((string)v!).Split(':')).Single(p => p[0] == volume)[1];
        Assert.True(Compose["volumes"]!.AsObject().ContainsKey(volume), $"{volume} is not a named volume");

        var simulatorCommand = simulator["command"]!.AsArray().Select(c => (string)c!).ToArray();
        var command = exporter["command"]!.AsArray().Select(c => (string)c!).ToArray();
        string Value(string[] arguments, string option) => arguments[Array.IndexOf(arguments, option) + 1];

        // Same zone on both sides (Sendmail's and Exim's timestamps carry none), no fixed year, a history by default.
        Assert.Equal(Value(simulatorCommand, "--timezone"), Value(command, "--timezone"));
        Assert.DoesNotContain("--year", command);
        Assert.Matches(@"^\$\{\w+:-\d+d\}$", Value(simulatorCommand, "--backfill"));

        // The simulator's real output, written where the exporter's globs expect it: every file matched by exactly one glob.
        var output = Value(simulatorCommand, "--output");
        Assert.StartsWith(simulatorMount + "/", output, StringComparison.Ordinal);
        var directory = Directory.CreateTempSubdirectory("mailflow-compose-demo-");
        try
        {
            var written = Path.Combine(directory.FullName, output[(simulatorMount.Length + 1)..]);
            var result = DemoPrograms.Run(DemoPrograms.Simulator, ["--output", written, "--backfill", "2d", "--end", "2026-12-04T12:00:00Z"]);
            Assert.True(result.ExitCode == 0, result.StdErr);

            var globs = command.Where(c => c.StartsWith("/logs/", StringComparison.Ordinal)).ToArray();
            var matched = new HashSet<string>(StringComparer.Ordinal);
            var matches = 0;
            foreach (var glob in globs)
            {
                var matcher = new Matcher(StringComparison.Ordinal);
                matcher.AddInclude(glob["/logs/".Length..]);
                var files = matcher.GetResultsInFullPath(directory.FullName).ToArray();
                Assert.True(files.Length > 0, $"{glob} matches no file the simulator writes");
                matched.UnionWith(files);
                matches += files.Length;
            }

            var all = Directory.GetFiles(directory.FullName, "*", SearchOption.AllDirectories).Select(Path.GetFullPath);
            Assert.Equal(all.Order(StringComparer.Ordinal), matched.Order(StringComparer.Ordinal));
            Assert.Equal(matched.Count, matches);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void PublishedPorts_AreBoundToLoopback()
    {
        foreach (var (service, definition) in Compose["services"]!.AsObject())
        {
            foreach (var port in definition!["ports"]?.AsArray() ?? [])
            {
                Assert.StartsWith("127.0.0.1:", (string?)port, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>The host side of a "${VAR:-default}:/target" mount, with the default taken.</summary>
    private static string DefaultHostPath(string mount)
    {
        var host = mount[..mount.IndexOf(":/", StringComparison.Ordinal)];
        var match = Regex.Match(host, @"^\$\{\w+:-(?<default>[^}]+)\}$");
        return match.Success ? match.Groups["default"].Value : host;
    }

    private static (int ExitCode, string Output) RunValidator(string composeFile, params string[] dockerfiles)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, "scripts", "validate-compose.sh"), composeFile, .. dockerfiles])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    // FROM [--platform=...] image: flags before the image are skipped.
    [GeneratedRegex(@"^FROM\s+(?:--\S+\s+)*(?<image>\S+)", RegexOptions.IgnoreCase)]
    private static partial Regex FromLine();

    // registry/name:tag where the tag starts with a version number (not latest, stable, ...).
    [GeneratedRegex(@"^[\w./-]+:\d+(\.\d+)+[\w.-]*$")]
    private static partial Regex PinnedImage();

    [GeneratedRegex(@"\$\{(?<name>\w+):\?")]
    private static partial Regex RequiredVariable();

    [GeneratedRegex("PASSWORD|TOKEN|SECRET|API_KEY")]
    private static partial Regex SecretName();

    [GeneratedRegex(@"(?<!\$)\$\{?(?<name>[A-Z][A-Z0-9_]+)\}?")]
    private static partial Regex EnvironmentReference();
}
