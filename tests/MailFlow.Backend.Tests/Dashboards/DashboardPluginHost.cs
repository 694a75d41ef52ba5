using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>One DataQuery as Grafana sends it to the plugin.</summary>
internal sealed record HostQuery(string RefId, DateTimeOffset From, DateTimeOffset To, long MaxDataPoints, long IntervalMs, JsonObject Model)
{
    public JsonObject ToJson() => new()
    {
        ["refId"] = RefId,
        ["fromMS"] = From.ToUnixTimeMilliseconds(),
        ["toMS"] = To.ToUnixTimeMilliseconds(),
        ["maxDataPoints"] = MaxDataPoints,
        ["intervalMS"] = IntervalMs,
        ["queryType"] = (string?)Model["queryType"] ?? "",
        ["model"] = Model.DeepClone(),
    };
}

/// <summary>
/// The packaged plugin under the Grafana-like host: <c>grafana-backend/build-plugin.sh</c> packages the plugin,
/// <c>tests/plugin-host</c> (a go-plugin client built from Debian's Go packages) starts it as Grafana does and
/// sends the queries, and <c>tests/arrow-check</c> decodes the Arrow frames with apache-arrow (JavaScript), so that
/// nothing of the plugin's own C# code judges its answers. Built once per test run; set MAILFLOW_TEST_PLUGIN_DIR
/// to an already packaged plugin folder to skip the packaging.
/// </summary>
internal sealed class DashboardPluginHost
{
    private static readonly Lazy<DashboardPluginHost> Shared = new(() => new DashboardPluginHost());

    private DashboardPluginHost()
    {
        var work = Path.Combine(Path.GetTempPath(), "mailflow-dashboard-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(work);

        // The plugin tests honour the same variable: one packaging serves both when a runner sets it.
        var prebuilt = Environment.GetEnvironmentVariable("MAILFLOW_TEST_PLUGIN_DIR");
        if (string.IsNullOrEmpty(prebuilt))
        {
            Run("bash", [Path.Combine(RepoPaths.Root, "grafana-backend", "build-plugin.sh"), Path.Combine(work, "plugins")], RepoPaths.Root, TimeSpan.FromMinutes(20));
            prebuilt = Path.Combine(work, "plugins", GrafanaFiles.PluginId);
        }

        Executable = Path.Combine(prebuilt, "gpx_mailflow_linux_" + Plugin.PluginHarness.HostArchitecture);
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"build-plugin.sh wrote no {Executable}");
        }

        HostBinary = Path.Combine(work, "plugin-host");
        Run("bash", [Path.Combine(RepoPaths.Root, "tests", "plugin-host", "build.sh"), HostBinary], RepoPaths.Root, TimeSpan.FromMinutes(5));
        var arrowCheck = Path.Combine(RepoPaths.Root, "tests", "arrow-check");
        if (!Directory.Exists(Path.Combine(arrowCheck, "node_modules", "apache-arrow")))
        {
            Run("npm", ["ci", "--no-audit", "--no-fund", "--silent"], arrowCheck, TimeSpan.FromMinutes(5));
        }

        Decoder = Path.Combine(arrowCheck, "decode.mjs");
    }

    public static DashboardPluginHost Instance => Shared.Value;

    public string Executable { get; }

    private string HostBinary { get; }

    private string Decoder { get; }

    /// <summary>
    /// Starts the plugin with the data source settings, runs the queries in one QueryData call, stops the plugin
    /// and returns the host's answer with every frame decoded: data.&lt;refId&gt;.frames[].fields[].values.
    /// </summary>
    public JsonObject Query(JsonObject settings, IEnumerable<HostQuery> queries)
    {
        var script = new JsonObject
        {
            ["executable"] = Executable,
            ["settings"] = settings.DeepClone(),
            ["queries"] = new JsonArray(queries.Select(q => (JsonNode)q.ToJson()).ToArray()),
        };
        var answer = Run(HostBinary, [], RepoPaths.Root, TimeSpan.FromMinutes(2), script.ToJsonString());
        var decoded = Run("node", [Decoder], RepoPaths.Root, TimeSpan.FromMinutes(1), answer);
        return JsonNode.Parse(decoded)!.AsObject();
    }

    private static string Run(string file, string[] arguments, string directory, TimeSpan timeout, string? input = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + file);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {timeout}");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{stderr.Result}\n{stdout.Result}");
        }

        return stdout.Result;
    }
}
