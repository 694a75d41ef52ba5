using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MailFlow.Testing;

/// <summary>
/// A real InfluxDB 1.x server (Debian's <c>influxd</c>) started on loopback with every directory in a temporary
/// folder, for integration tests. It can be stopped and started again on the same port and data, to test outages.
/// Set <c>MAILFLOW_TEST_INFLUXD</c> to use another influxd binary.
/// </summary>
public sealed class InfluxDbServer : IDisposable
{
    private readonly string _directory;
    private readonly string _configPath;
    private Process? _process;

    public InfluxDbServer()
    {
        _directory = Path.Combine(Path.GetTempPath(), "mailflow-influxd-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_directory);
        HttpPort = FreePort();
        var rpcPort = FreePort();
        _configPath = Path.Combine(_directory, "influxdb.conf");
        File.WriteAllText(_configPath, string.Create(CultureInfo.InvariantCulture, $"""
            reporting-enabled = false
            bind-address = "127.0.0.1:{rpcPort}"
            [meta]
              dir = "{_directory}/meta"
            [data]
              dir = "{_directory}/data"
              wal-dir = "{_directory}/wal"
              query-log-enabled = false
            [monitor]
              store-enabled = false
            [subscriber]
              enabled = false
            [continuous_queries]
              enabled = false
            [http]
              bind-address = "127.0.0.1:{HttpPort}"
              log-enabled = false
              unix-socket-enabled = false
              max-body-size = 0
            [logging]
              level = "warn"
            """));
        Start();
    }

    /// <summary>The HTTP port on 127.0.0.1.</summary>
    public int HttpPort { get; }

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public Uri Url => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{HttpPort}"));

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts the server (again) and waits until <c>/ping</c> answers.</summary>
    public void Start()
    {
        if (IsRunning)
        {
            return;
        }

        var binary = Environment.GetEnvironmentVariable("MAILFLOW_TEST_INFLUXD") ?? FindOnPath("influxd")
            ?? throw new InvalidOperationException("influxd not found: install Debian's influxdb package (apt-get install -y influxdb), as .ci/run does.");
        var start = new ProcessStartInfo(binary)
        {
            ArgumentList = { "run", "-config", _configPath },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("influxd did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitForPing(TimeSpan.FromSeconds(30));
    }

    /// <summary>Stops the server (SIGTERM, then SIGKILL after 10 s); data stays for the next <see cref="Start"/>.</summary>
    public void Stop()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            kill?.WaitForExit();
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }

        _process.Dispose();
        _process = null;
    }

    /// <summary>Runs one InfluxQL statement and returns the raw JSON answer.</summary>
    public string Query(string influxQl, string? database = null)
    {
        using var http = new HttpClient();
        var form = new Dictionary<string, string> { ["q"] = influxQl };
        if (database is not null)
        {
            form["db"] = database;
        }

        using var response = http.PostAsync(new Uri(Url, "/query"), new FormUrlEncodedContent(form)).GetAwaiter().GetResult();
        var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"InfluxDB answered {(int)response.StatusCode}: {body}");
        }

        return body;
    }

    /// <summary>Writes line protocol (precision seconds) and fails unless InfluxDB accepts every line.</summary>
    public void Write(string database, string lineProtocol)
    {
        using var http = new HttpClient();
        using var response = http.PostAsync(new Uri(Url, $"/write?db={Uri.EscapeDataString(database)}&precision=s"), new StringContent(lineProtocol)).GetAwaiter().GetResult();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"InfluxDB refused the write: {(int)response.StatusCode} {response.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
        }
    }

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }

    private void WaitForPing(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException($"influxd exited with code {_process.ExitCode} at start (config {_configPath})");
            }

            try
            {
                using var response = http.GetAsync(new Uri(Url, "/ping")).GetAwaiter().GetResult();
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException($"influxd did not answer /ping on {Url} within {timeout.TotalSeconds} s");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
