using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MailFlow.Backend.Tests.Plugin;

/// <summary>The plugin as a process: handshake on stdout and nothing else, hclog on stderr, Shutdown, no cookie.</summary>
[Collection(PluginCollection.Name)]
public sealed partial class PluginProcessTests(PluginHarness harness)
{
    [Fact]
    public async Task Start_WithGrafanaCookie_StdoutIsExactlyTheHandshakeLine()
    {
        using var process = Process.Start(AsGrafanaStartsIt(harness.Executable))!;
        var stderr = process.StandardError.ReadToEndAsync();
        var first = process.StandardOutput.ReadLine();
        Assert.NotNull(first);
        Assert.Matches(HandshakeLine(), first);

        // SIGTERM stops it like the host's kill does; nothing more may have reached stdout by then.
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        var rest = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(5000), "the plugin did not exit on SIGTERM");
        Assert.Equal(string.Empty, rest);
        Assert.Equal(0, process.ExitCode);
        Assert.All((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.StartsWith("{\"@level\":", line, StringComparison.Ordinal));
    }

    [Fact]
    public void Start_PortRangeWithItsFirstPortTaken_ListensOnTheNextFreeOne()
    {
        // Grafana's go-plugin client passes PLUGIN_MIN_PORT/PLUGIN_MAX_PORT; the first port of the range is busy.
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var first = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;
        var start = AsGrafanaStartsIt(harness.Executable);
        start.Environment["PLUGIN_MIN_PORT"] = first.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PLUGIN_MAX_PORT"] = (first + 20).ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        _ = process.StandardError.ReadToEndAsync();
        var line = process.StandardOutput.ReadLine();
        process.Kill();
        process.WaitForExit();

        Assert.NotNull(line);
        var port = int.Parse(line.Split('|')[3].Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(port, first + 1, first + 20);
    }

    [Theory]
    [InlineData("20000", "10000")]
    [InlineData("abc", "10")]
    [InlineData("1", "70000")]
    public void BindInPortRange_NotARange_Refused(string minimum, string maximum)
    {
        var error = Record.Exception(() => MailFlow.Backend.Plugin.PluginHost.BindInPortRange(minimum, maximum).Dispose());

        Assert.True(error is ArgumentException or FormatException, error?.GetType().Name);
    }

    [Fact]
    public void Host_FullSession_HealthyHandshakeHclogAndGracefulShutdown()
    {
        var answer = harness.Host(new JsonObject
        {
            ["settings"] = harness.Settings(),
            ["health"] = true,
            ["queries"] = new JsonArray(PluginHarness.Query("A", new JsonObject { ["queryType"] = "summary" })),
        });

        Assert.Equal(string.Empty, answer.Json["pingError"]!.GetValue<string>());
        Assert.Empty(answer.Json["badStderr"]!.AsArray());
        Assert.NotEmpty(answer.PluginStderr);
        Assert.True(answer.Json["exitedGracefully"]!.GetValue<bool>(), "the plugin did not exit after GRPCController/Shutdown");

        // The secure settings hold a password: it must appear in no log line.
        Assert.DoesNotContain(answer.PluginStderr, line => line.Contains("s3cret-never-logged", StringComparison.Ordinal));
    }

    [Fact]
    public void Host_TimingsOn_LogsEachPhaseAsHclogWithoutSecretsOrStatements()
    {
        var answer = harness.Host(new JsonObject
        {
            ["settings"] = harness.Settings(),
            ["env"] = new JsonObject { ["MAILFLOW_PLUGIN_TIMINGS"] = "1" },
            ["queries"] = new JsonArray(PluginHarness.Query("A", new JsonObject { ["queryType"] = "summary" })),
        });

        Assert.Equal(200, answer.Data("A").Status);
        Assert.Empty(answer.Json["badStderr"]!.AsArray());
        var timings = answer.PluginStderr.Where(line => line.Contains("\"timing ", StringComparison.Ordinal)).ToList();
        // One line per start-up step, per phase of the query and per InfluxDB request (the summary makes at least one).
        foreach (var phase in (string[])["timing startup main", "timing startup handshake written", "timing QueryData settings and engine", "timing query parse",
                     "timing query engine", "timing query Arrow encoding", "timing influx request", "timing QueryData:"])
        {
            Assert.Contains(timings, line => line.Contains(phase, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(answer.PluginStderr, line => line.Contains("s3cret-never-logged", StringComparison.Ordinal));
        Assert.DoesNotContain(timings, line => line.Contains("SELECT", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Host_TimingsOff_LogsNoTimings()
    {
        var answer = harness.Host(new JsonObject
        {
            ["settings"] = harness.Settings(),
            ["queries"] = new JsonArray(PluginHarness.Query("A", new JsonObject { ["queryType"] = "summary" })),
        });

        Assert.Equal(200, answer.Data("A").Status);
        Assert.DoesNotContain(answer.PluginStderr, line => line.Contains("\"timing ", StringComparison.Ordinal));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void Host_StdoutNoiseBeforeHandshake_FailsTheStartAsInGrafana()
    {
        // A wrapper that prints one line before exec'ing the real plugin: what a console logger on stdout would do.
        var wrapper = Path.Combine(Path.GetTempPath(), "mailflow-noisy-plugin-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(wrapper, $"#!/bin/sh\necho 'info: Microsoft.Hosting.Lifetime[0] starting'\nexec '{harness.Executable}'\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var failure = Assert.Throws<HostFailedException>(() => harness.Host(new JsonObject { ["health"] = false }, wrapper));
            Assert.Equal(2, failure.ExitCode);
            Assert.Contains("Unrecognized remote plugin message", failure.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(wrapper);
        }
    }

    [Fact]
    public void Start_WithoutCookie_ExplainsHowToRunItAndExits1()
    {
        var (exit, stdout, stderr) = PluginHarness.Run(harness.Executable, [], TimeSpan.FromSeconds(20), check: false);

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("serve", stderr, StringComparison.Ordinal);
        Assert.Contains("Grafana", stderr, StringComparison.Ordinal);
    }

    /// <summary>The plugin started as Grafana starts it (its magic cookie and protocol version), output redirected.</summary>
    internal static ProcessStartInfo AsGrafanaStartsIt(string file, params string[] arguments) => new(file, arguments)
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
        UseShellExecute = false,
        Environment = { ["grafana_plugin_type"] = "datasource", ["PLUGIN_PROTOCOL_VERSIONS"] = "2" },
    };

    /// <summary>go-plugin's handshake: core protocol 1, Grafana's plugin protocol 2, gRPC on a loopback TCP port.</summary>
    [GeneratedRegex(@"^1\|2\|tcp\|127\.0\.0\.1:[1-9][0-9]{0,4}\|grpc$")]
    internal static partial Regex HandshakeLine();
}
