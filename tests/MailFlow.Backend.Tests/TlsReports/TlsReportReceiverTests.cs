using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MailFlow.Backend.Hosting;
using MailFlow.Backend.Influx;
using MailFlow.Backend.TlsReports;
using MailFlow.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace MailFlow.Backend.Tests.TlsReports;

/// <summary>A real influxd for the receiver tests, and a self-signed certificate for 127.0.0.1.</summary>
public sealed class TlsReportReceiverFixture : IDisposable
{
    private int _databases;

    public TlsReportReceiverFixture()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        Thumbprint = certificate.Thumbprint;
        CertPath = Path.Combine(Directory.FullName, "server.crt");
        KeyPath = Path.Combine(Directory.FullName, "server.key");
        File.WriteAllText(CertPath, certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
    }

    public InfluxDbServer Influx { get; } = new();

    public DirectoryInfo Directory { get; } = System.IO.Directory.CreateTempSubdirectory("mailflow-tlsrpt-recv-");

    public string Thumbprint { get; }

    public string CertPath { get; }

    public string KeyPath { get; }

    /// <summary>A new, created database.</summary>
    public string NewDatabase()
    {
        var name = "tlsrpt_" + Interlocked.Increment(ref _databases);
        Influx.Query("CREATE DATABASE " + name);
        return name;
    }

    /// <summary>A single number (<c>SELECT sum(...)</c>), 0 when there is no data.</summary>
    public long Scalar(string influxQl, string database)
    {
        using var json = JsonDocument.Parse(Influx.Query(influxQl, database));
        var result = json.RootElement.GetProperty("results")[0];
        return result.TryGetProperty("series", out var series) ? series[0].GetProperty("values")[0][1].GetInt64() : 0;
    }

    /// <summary>Every stored point of a measurement (time, tags and fields as JSON text), sorted: to compare two databases.</summary>
    public List<string> Points(string measurement, string database)
    {
        using var json = JsonDocument.Parse(Influx.Query($"SELECT * FROM {measurement}", database));
        var result = json.RootElement.GetProperty("results")[0];
        return !result.TryGetProperty("series", out var series)
            ? []
            : series[0].GetProperty("values").EnumerateArray().Select(v => v.GetRawText()).Order(StringComparer.Ordinal).ToList();
    }

    public void Dispose()
    {
        Influx.Dispose();
        Directory.Delete(recursive: true);
    }
}

/// <summary>
/// The HTTPS receiver of <c>serve</c> (RFC 8460 section 5.3): real Kestrel with TLS on its own listener, a real
/// HttpClient, a real influxd. The sample reports POSTed give the totals counted independently from their JSON
/// (TlsReportSamples), POSTing them again changes nothing, and the points equal those the exporter writes from the
/// mbox and the Maildir: the same report counts once whichever way it arrived. Bad bodies get clear 4xx answers.
/// </summary>
public sealed class TlsReportReceiverTests(TlsReportReceiverFixture fixture) : IClassFixture<TlsReportReceiverFixture>
{
    private static readonly string[] OurDomains = ["example.com", "example.net", "example.org"];

    private async Task<(WebApplication App, HttpClient Http, Uri Reports)> StartAsync(string database, int perMinute = 1000, Uri? influxUrl = null)
    {
        var app = BackendServer.Build(
            new ServeOptions
            {
                Listen = "127.0.0.1:0",
                TlsCertPath = fixture.CertPath,
                TlsKeyPath = fixture.KeyPath,
                Influx = new InfluxOptions { Url = influxUrl ?? fixture.Influx.Url, Database = database },
                TlsReports = new TlsReportReceiverOptions { Listen = "127.0.0.1:0", PolicyDomains = OurDomains, PerMinute = perMinute },
            },
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        var handler = new SocketsHttpHandler();
        var thumbprint = fixture.Thumbprint;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented is X509Certificate2 c && c.Thumbprint == thumbprint;
        var address = TlsReportReceiver.BoundAddress(app)!;
        Assert.Equal("https", address.Scheme);
        return (app, new HttpClient(handler), new Uri(address, TlsReportReceiverOptions.DefaultPath));
    }

    private static async Task StopAsync(WebApplication app, HttpClient http)
    {
        http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Answer)> PostAsync(HttpClient http, Uri reports, byte[] body, string mediaType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var response = await http.PostAsync(reports, content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.Clone());
    }

    /// <summary>A sample as its sender would POST it: a .json.gz file as application/tlsrpt+gzip, a .json file as +json.</summary>
    private static string MediaType(string name) => name.EndsWith(".gz", StringComparison.Ordinal) ? "application/tlsrpt+gzip" : "application/tlsrpt+json";

    private void AssertTotals(string database)
    {
        var expected = TlsReportSamples.Count();
        Assert.Equal(expected.Successful, fixture.Scalar("SELECT sum(successful) FROM tlsrpt_sessions", database));
        Assert.Equal(expected.Failed, fixture.Scalar("SELECT sum(failed) FROM tlsrpt_sessions", database));
        foreach (var (type, sessions) in expected.FailedByResultType)
        {
            Assert.Equal(sessions, fixture.Scalar($"SELECT sum(sessions) FROM tlsrpt_failures WHERE result_type = '{type}'", database));
        }
    }

    [Fact]
    public async Task Samples_OverHttps_GiveTheIndependentTotals_Once_SameAsFromTheMailboxes()
    {
        var database = fixture.NewDatabase();
        var (app, http, reports) = await StartAsync(database);
        try
        {
            foreach (var (name, bytes) in TlsReportSamples.Files())
            {
                var (status, answer) = await PostAsync(http, reports, bytes, MediaType(name));
                Assert.True(status == HttpStatusCode.OK, name + ": " + answer);
                Assert.Equal("accepted", answer.GetProperty("status").GetString());
            }

            AssertTotals(database);

            // A sender retrying (the same bodies again) changes nothing.
            foreach (var (name, bytes) in TlsReportSamples.Files())
            {
                Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, reports, bytes, MediaType(name))).Status);
            }

            AssertTotals(database);
        }
        finally
        {
            await StopAsync(app, http);
        }

        // The same reports read by mailflow-exporter from the mbox and the Maildir: into a database of their own they
        // make exactly the points the receiver made; into the receiver's database they change nothing.
        var fromMail = fixture.NewDatabase();
        RunExporter(["tlsrpt", TlsReportSamples.Mbox, TlsReportSamples.Maildir, "--influx-url", fixture.Influx.Url.ToString(), "--influx-database", fromMail]);
        RunExporter(["tlsrpt", TlsReportSamples.Mbox, TlsReportSamples.Maildir, "--influx-url", fixture.Influx.Url.ToString(), "--influx-database", database]);
        AssertTotals(fromMail);
        AssertTotals(database);
        Assert.Equal(fixture.Points("tlsrpt_sessions", fromMail), fixture.Points("tlsrpt_sessions", database));
        Assert.Equal(fixture.Points("tlsrpt_failures", fromMail), fixture.Points("tlsrpt_failures", database));
        Assert.Equal(7, fixture.Points("tlsrpt_sessions", database).Count);
    }

    [Fact]
    public async Task BadBodies_ClearAnswers_AndNothingStoredIsLost()
    {
        var database = fixture.NewDatabase();
        var (app, http, reports) = await StartAsync(database);
        try
        {
            var company = TlsReportSamples.Files().Single(f => f.Name.StartsWith("company-x", StringComparison.Ordinal)).Bytes;
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, reports, company, "application/tlsrpt+gzip")).Status);
            var json = Encoding.UTF8.GetString(TlsReportSamples.Json(company));

            var cases = new (string Name, byte[] Body, string MediaType, HttpStatusCode Status, string Message)[]
            {
                ("wrong media type", Encoding.UTF8.GetBytes(json), "text/plain", HttpStatusCode.UnsupportedMediaType, "Content-Type must be application/tlsrpt+gzip or application/tlsrpt+json"),
                ("invalid JSON", Encoding.UTF8.GetBytes(json[..200]), "application/tlsrpt+json", HttpStatusCode.BadRequest, "not a valid SMTP TLS report: JSON line"),
                ("negative count", Encoding.UTF8.GetBytes(json.Replace("\"total-failure-session-count\": 303", "\"total-failure-session-count\": -303", StringComparison.Ordinal)), "application/tlsrpt+json", HttpStatusCode.BadRequest, "$.policies[0].summary.total-failure-session-count: -303 is negative"),
                ("truncated gzip", company[..(company.Length / 2)], "application/tlsrpt+gzip", HttpStatusCode.BadRequest, "not a valid SMTP TLS report: gzip: "),
                ("gzip bomb", Bomb(), "application/tlsrpt+gzip", HttpStatusCode.RequestEntityTooLarge, "refused as a gzip bomb"),
                ("body too large", new byte[5 * 1024 * 1024], "application/tlsrpt+json", HttpStatusCode.RequestEntityTooLarge, "at most 4,194,304 are accepted"),
                ("not our domain", Encoding.UTF8.GetBytes(json.Replace("\"policy-domain\": \"example.com\"", "\"policy-domain\": \"contoso.com\"", StringComparison.Ordinal)), "application/tlsrpt+json", (HttpStatusCode)422, "takes reports about example.com, example.net, example.org only, not contoso.com"),
            };
            foreach (var (name, body, mediaType, expectedStatus, message) in cases)
            {
                var (status, answer) = await PostAsync(http, reports, body, mediaType);
                Assert.True(status == expectedStatus, $"{name}: {(int)status} {answer}");
                Assert.Equal("refused", answer.GetProperty("status").GetString());
                Assert.Contains(message, answer.GetProperty("message").GetString(), StringComparison.Ordinal);
            }

            // Other methods and paths: nothing but POST on the report path answers on this listener, nor that path on gRPC's.
            using (var get = await http.GetAsync(reports))
            {
                Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
            }

            using (var other = await http.PostAsync(new Uri(reports, "/mailflow.v1.MailFlowInsights/ListConnectors"), new ByteArrayContent([])))
            {
                Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            }

            using (var onGrpc = new HttpRequestMessage(HttpMethod.Post, new Uri(new UriBuilder(BackendServer.BoundAddress(app)) { Scheme = "https" }.Uri, TlsReportReceiverOptions.DefaultPath)) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new ByteArrayContent(company) })
            {
                onGrpc.Content.Headers.ContentType = new MediaTypeHeaderValue("application/tlsrpt+gzip");
                using var response = await http.SendAsync(onGrpc);
                Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            }

            // Company-X's report alone, as it was before the bad bodies: 5,326 successful, 303 failed.
            Assert.Equal(5326, fixture.Scalar("SELECT sum(successful) FROM tlsrpt_sessions", database));
            Assert.Equal(303, fixture.Scalar("SELECT sum(failed) FROM tlsrpt_sessions", database));
        }
        finally
        {
            await StopAsync(app, http);
        }
    }

    [Fact]
    public async Task JsonWithContentEncodingGzip_Accepted_WithoutNotes()
    {
        var database = fixture.NewDatabase();
        var (app, http, reports) = await StartAsync(database);
        try
        {
            // Company-X's report is stored as .json.gz: the same bytes sent as +json with Content-Encoding: gzip.
            var company = TlsReportSamples.Files().Single(f => f.Name.StartsWith("company-x", StringComparison.Ordinal)).Bytes;
            using var content = new ByteArrayContent(company);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/tlsrpt+json");
            content.Headers.ContentEncoding.Add("gzip");
            using var response = await http.PostAsync(reports, content);
            using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(answer.RootElement.TryGetProperty("notes", out _));
            // Points: one sessions point, three failure points (certificate-expired, starttls-not-supported, validation-failure).
            Assert.Equal(4, answer.RootElement.GetProperty("points").GetInt32());
            Assert.Equal(303, fixture.Scalar("SELECT sum(sessions) FROM tlsrpt_failures", database));
        }
        finally
        {
            await StopAsync(app, http);
        }
    }

    [Fact]
    public async Task RateLimit_PerClient_429WithRetryAfter()
    {
        var database = fixture.NewDatabase();
        var (app, http, reports) = await StartAsync(database, perMinute: 2);
        try
        {
            var (name, bytes) = TlsReportSamples.Files()[0];
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, reports, bytes, MediaType(name))).Status);
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, reports, bytes, MediaType(name))).Status);
            using var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(MediaType(name));
            using var third = await http.PostAsync(reports, content);

            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(60), third.Headers.RetryAfter?.Delta);
            Assert.Contains("at most 2 a minute", await third.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await StopAsync(app, http);
        }
    }

    [Fact]
    public async Task InfluxDown_503_SenderTriesAgain()
    {
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var (app, http, reports) = await StartAsync("mailflow", influxUrl: new Uri($"http://127.0.0.1:{port}"));
        try
        {
            var (name, bytes) = TlsReportSamples.Files()[0];
            var (status, answer) = await PostAsync(http, reports, bytes, MediaType(name));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal("the report could not be stored now: try again later", answer.GetProperty("message").GetString());
        }
        finally
        {
            await StopAsync(app, http);
        }
    }

    [Fact]
    public void Off_UnlessConfigured()
    {
        var app = BackendServer.Build(new ServeOptions { Listen = "127.0.0.1:0", Influx = new InfluxOptions { Url = fixture.Influx.Url } });
        Assert.Null(TlsReportReceiver.BoundAddress(app));
        Assert.Null(app.Services.GetService(typeof(TlsReportReceiverOptions)));
        Assert.Contains("--tlsrpt-listen: ", string.Join("\n", new ServeOptions { TlsReports = new TlsReportReceiverOptions { Listen = "nowhere" } }.Problems()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serve", "--listen", "127.0.0.1:0", "--tlsrpt-listen", "nowhere")]
    [InlineData("serve", "--listen", "127.0.0.1:0", "--tlsrpt-listen", "127.0.0.1:0", "--tlsrpt-per-minute", "0")]
    [InlineData("serve", "--listen", "127.0.0.1:0", "--tlsrpt-listen", "127.0.0.1:0", "--tlsrpt-max-bytes", "10")]
    public async Task Serve_BadReceiverOptions_ExitCode2(params string[] args)
    {
        Assert.Equal(2, await BackendCommandLine.RunAsync(args));
    }

    private static byte[] Bomb()
    {
        // 64 MB of spaces: a few tens of KB of gzip, far past the 32 MiB a report may decompress to.
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            var spaces = new byte[1 << 20];
            Array.Fill(spaces, (byte)' ');
            for (var i = 0; i < 64; i++)
            {
                gzip.Write(spaces);
            }
        }

        return buffer.ToArray();
    }

    private static void RunExporter(string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoPaths.Root };
        start.ArgumentList.Add(RepoPaths.ExporterProgram);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "mailflow-exporter did not finish");
        Assert.True(process.ExitCode == 0, stdout.Result + stderr.Result);
    }
}
