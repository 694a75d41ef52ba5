using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MailFlow.Backend.Tests.Plugin;

/// <summary>
/// A real influxd with <c>auth-enabled = true</c> and one admin user (<see cref="User"/>/<see cref="Password"/>),
/// for the "credentials refused" diagnosis. Kept here because the shared InfluxDbServer has no auth option.
/// </summary>
public sealed class AuthInfluxServer : IDisposable
{
    public const string User = "admin";
    public const string Password = "right-password";

    private readonly string _directory;
    private readonly Process _process;

    public AuthInfluxServer()
    {
        _directory = Path.Combine(Path.GetTempPath(), "mailflow-influxd-auth-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_directory);
        var port = FreePort();
        var config = Path.Combine(_directory, "influxdb.conf");
        File.WriteAllText(config, string.Create(CultureInfo.InvariantCulture, $"""
            reporting-enabled = false
            bind-address = "127.0.0.1:{FreePort()}"
            [meta]
              dir = "{_directory}/meta"
            [data]
              dir = "{_directory}/data"
              wal-dir = "{_directory}/wal"
            [monitor]
              store-enabled = false
            [http]
              bind-address = "127.0.0.1:{port}"
              auth-enabled = true
              log-enabled = false
            [logging]
              level = "warn"
            """));
        Url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        _process = Process.Start(new ProcessStartInfo("influxd", ["run", "-config", config]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // With auth on and no user yet, InfluxDB 1.x accepts exactly this statement without credentials.
                using var created = http.PostAsync(new Uri(Url, "/query"), new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["q"] = $"CREATE USER {User} WITH PASSWORD '{Password}' WITH ALL PRIVILEGES",
                })).GetAwaiter().GetResult();
                created.EnsureSuccessStatusCode();
                break;
            }
            catch (HttpRequestException) when (attempt < 300)
            {
                Thread.Sleep(50);
            }
        }
    }

    public Uri Url { get; }

    public void Dispose()
    {
        _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
