using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using MailFlow.Backend.Tests.Support;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Plugin;

/// <summary>
/// Everything the plugin tests share, built once per run: the packaged plugin (grafana-backend/build-plugin.sh),
/// the Grafana-like go-plugin host (tests/plugin-host), the apache-arrow decoder (tests/arrow-check, npm ci), and
/// a real influxd loaded with the hand-written fixture Fixtures/mailflow.lp.
/// Set MAILFLOW_TEST_PLUGIN_DIR to an already packaged plugin folder to skip the packaging.
/// </summary>
public sealed class PluginHarness : IDisposable
{
    /// <summary>Start of the fixture's range: 2026-11-02T00:00Z.</summary>
    public static readonly DateTimeOffset Day1 = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    /// <summary>End (exclusive) of the fixture's range: 2026-11-04T00:00Z.</summary>
    public static readonly DateTimeOffset End = Day1.AddDays(2);

    private readonly string _work;

    public PluginHarness()
    {
        _work = Path.Combine(Path.GetTempPath(), "mailflow-plugin-tests-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_work);
        var root = RepoPaths.Root;

        var prebuilt = Environment.GetEnvironmentVariable("MAILFLOW_TEST_PLUGIN_DIR");
        if (string.IsNullOrEmpty(prebuilt))
        {
            // Two Native AOT publishes (amd64 and arm64): minutes each on a busy machine.
            Run("bash", [Path.Combine(root, "grafana-backend", "build-plugin.sh"), _work], TimeSpan.FromMinutes(20));
            PluginDirectory = Path.Combine(_work, "mailflow-tls-datasource");
        }
        else
        {
            PluginDirectory = prebuilt;
        }

        HostBinary = Path.Combine(_work, "plugin-host");
        Run("bash", [Path.Combine(root, "tests", "plugin-host", "build.sh"), HostBinary], TimeSpan.FromMinutes(5));

        ArrowCheckDirectory = Path.Combine(root, "tests", "arrow-check");
        if (!File.Exists(Path.Combine(ArrowCheckDirectory, "node_modules", "apache-arrow", "package.json")))
        {
            Run("npm", ["ci", "--no-audit", "--no-fund", "--prefix", ArrowCheckDirectory], TimeSpan.FromMinutes(3));
        }

        Influx = new InfluxDbServer();
        Influx.Query("CREATE DATABASE mailflow");
        Influx.Query("CREATE DATABASE empty");
        FixtureLoader.WriteFile(Influx, "mailflow", Path.Combine(AppContext.BaseDirectory, "Plugin", "Fixtures", "mailflow.lp"));

        // Minutes written by another tool, without rollup tiers.
        Influx.Query("CREATE DATABASE minutes_only");
        Influx.Write("minutes_only", "mailflow_messages,connector=X,connector_type=Partner,direction=inbound,forced_tls=false,source=mx1,tls=TLS1.2 messages=1i 1793613600");
    }

    /// <summary>The packaged plugin folder (<c>mailflow-tls-datasource/</c>).</summary>
    public string PluginDirectory { get; }

    /// <summary>The plugin executable as Grafana on this machine runs it (gpx_mailflow_linux_amd64 on x64).</summary>
    public string Executable => ExecutableFor(HostArchitecture);

    /// <summary>This machine's architecture as Grafana names it in <c>gpx_&lt;executable&gt;_linux_&lt;arch&gt;</c>.</summary>
    public static string HostArchitecture => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        _ => "amd64",
    };

    /// <summary>The packaged executable for an architecture as Grafana names it (amd64, arm64).</summary>
    public string ExecutableFor(string architecture) => Path.Combine(PluginDirectory, "gpx_mailflow_linux_" + architecture);

    public string HostBinary { get; }

    public string ArrowCheckDirectory { get; }

    public InfluxDbServer Influx { get; }

    /// <summary>Data source settings pointing at the fixture database (InfluxDB 1.x, no auth).</summary>
    public JsonObject Settings(string database = "mailflow", string? url = null, long lastUpdated = 1) => new()
    {
        ["id"] = 1,
        ["uid"] = "mailflow-" + database + "-" + lastUpdated.ToString(CultureInfo.InvariantCulture),
        ["name"] = "MailFlow",
        ["url"] = url ?? Influx.Url.ToString(),
        ["jsonData"] = new JsonObject { ["influxVersion"] = "1", ["database"] = database },
        ["secureJsonData"] = new JsonObject { ["password"] = "s3cret-never-logged" },
        ["lastUpdatedMS"] = lastUpdated,
    };

    /// <summary>A query over the fixture's range (or the given one).</summary>
    public static JsonObject Query(string refId, JsonObject model, DateTimeOffset? from = null, DateTimeOffset? to = null, long maxDataPoints = 1000, long intervalMs = 60_000) => new()
    {
        ["refId"] = refId,
        ["fromMS"] = (from ?? Day1).ToUnixTimeMilliseconds(),
        ["toMS"] = (to ?? End).ToUnixTimeMilliseconds(),
        ["maxDataPoints"] = maxDataPoints,
        ["intervalMS"] = intervalMs,
        ["model"] = model,
    };

    /// <summary>
    /// Runs the host with a script (executable and settings filled in when absent), then decodes the frames with
    /// apache-arrow; returns the decoded answer.
    /// </summary>
    public HostAnswer Host(JsonObject script, string? executable = null)
    {
        script["executable"] ??= executable ?? Executable;
        var (exit, stdout, stderr) = Run(HostBinary, [], TimeSpan.FromMinutes(2), stdin: script.ToJsonString(), check: false);
        if (exit != 0)
        {
            throw new HostFailedException(exit, stderr);
        }

        var (_, decoded, _) = Run("node", [Path.Combine(ArrowCheckDirectory, "decode.mjs")], TimeSpan.FromMinutes(1), stdin: stdout);
        return new HostAnswer(JsonNode.Parse(decoded)!.AsObject(), stderr);
    }

    public void Dispose()
    {
        Influx.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Runs a program to completion; throws with its stderr when it fails and <paramref name="check"/> is set.</summary>
    public static (int Exit, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, TimeSpan timeout, string? stdin = null, bool check = true, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + file);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within {timeout}: {stderr.Result}");
        }

        process.WaitForExit();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed with exit code {process.ExitCode}:\n{stderr.Result}");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>The host could not start the plugin (exit code 2) or failed otherwise.</summary>
public sealed class HostFailedException(int exitCode, string stderr) : Exception($"plugin-host exited with {exitCode}: {stderr}")
{
    public int ExitCode { get; } = exitCode;

    public string Stderr { get; } = stderr;
}

/// <summary>The host's answer with the frames decoded by apache-arrow.</summary>
public sealed class HostAnswer(JsonObject json, string hostStderr)
{
    public JsonObject Json { get; } = json;

    public string HostStderr { get; } = hostStderr;

    public double HandshakeMs => Json["handshakeMs"]!.GetValue<double>();

    public IReadOnlyList<string> Errors => Json["errors"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();

    public IReadOnlyList<string> PluginStderr => Json["stderr"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();

    /// <summary>The DataResponse of one refId.</summary>
    public DataAnswer Data(string refId) =>
        new(Json["data"]?[refId]?.AsObject() ?? throw new InvalidOperationException($"no response for {refId}: {Json["data"]?.ToJsonString()}"));
}

/// <summary>One DataResponse: status, error, error source and decoded frames.</summary>
public sealed class DataAnswer(JsonObject json)
{
    public int Status => json["status"]!.GetValue<int>();

    public string Error => json["error"]!.GetValue<string>();

    public string ErrorSource => json["errorSource"]!.GetValue<string>();

    public IReadOnlyList<DecodedFrame> Frames => json["frames"]!.AsArray().Select(f => new DecodedFrame(f!.AsObject())).ToList();
}

/// <summary>A frame as apache-arrow decoded it.</summary>
public sealed class DecodedFrame(JsonObject json)
{
    public JsonObject Json { get; } = json;

    /// <summary>Null when apache-arrow decoded the blob as an Arrow IPC file.</summary>
    public string? DecodeError => Json["error"]?.GetValue<string>();

    public string Name => Metadata("name");

    public string RefId => Metadata("refId");

    /// <summary>The parsed <c>meta</c> JSON.</summary>
    public JsonObject Meta => JsonNode.Parse(Metadata("meta"))!.AsObject();

    public int RowCount => Json["rowCount"]!.GetValue<int>();

    public IReadOnlyList<string> FieldNames => Json["fields"]!.AsArray().Select(f => f!["name"]!.GetValue<string>()).ToList();

    public string Metadata(string key) => Json["schemaMetadata"]![key]!.GetValue<string>();

    public DecodedField Field(string name) =>
        new(Json["fields"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == name)!.AsObject());
}

/// <summary>A field as apache-arrow decoded it: Arrow type, metadata and values (int64 and timestamps as exact strings).</summary>
public sealed class DecodedField(JsonObject json)
{
    /// <summary>apache-arrow's type name: Utf8, Int, Float, Bool, Timestamp.</summary>
    public string Type => json["type"]!.GetValue<string>();

    public string TypeString => json["typeString"]!.GetValue<string>();

    public string? Unit => json["unit"]?.GetValue<string>();

    public JsonNode? Timezone => json["timezone"];

    public bool Nullable => json["nullable"]!.GetValue<bool>();

    public JsonObject Metadata => json["metadata"]!.AsObject();

    /// <summary>The <c>labels</c> metadata as the raw JSON text (to check key order), or null.</summary>
    public string? LabelsText => Metadata["labels"]?.GetValue<string>();

    public JsonObject? Config => Metadata["config"] is { } text ? JsonNode.Parse(text.GetValue<string>())!.AsObject() : null;

    public IReadOnlyList<string> Strings => Values.Select(v => v!.GetValue<string>()).ToList();

    public IReadOnlyList<long> Longs => Values.Select(v => long.Parse(v!.GetValue<string>(), CultureInfo.InvariantCulture)).ToList();

    public IReadOnlyList<double> Doubles => Values.Select(v => v!.GetValue<double>()).ToList();

    public IReadOnlyList<bool> Bools => Values.Select(v => v!.GetValue<bool>()).ToList();

    /// <summary>Timestamp values as instants (the stored integers are nanoseconds since the epoch).</summary>
    public IReadOnlyList<DateTimeOffset> Times => Longs.Select(ns => DateTimeOffset.UnixEpoch.AddTicks(ns / 100)).ToList();

    private JsonArray Values => json["values"]!.AsArray();
}

/// <summary>One harness per test run, shared by every plugin test class.</summary>
[CollectionDefinition(Name)]
public sealed class PluginCollection : ICollectionFixture<PluginHarness>
{
    public const string Name = "plugin";
}
