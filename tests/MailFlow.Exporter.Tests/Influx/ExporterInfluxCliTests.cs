using System.Diagnostics;
using System.Globalization;
using MailFlow.Exporter.Tests.Influx.Support;
using MailFlow.Exporter.Tests.Support;
using MailFlow.Testing;

namespace MailFlow.Exporter.Tests.Influx;

/// <summary>
/// The real program (child process) against the real influxd with the real Postfix corpus. Expected totals come
/// from the log with shell tools; the reasoning is written down in Formats/Postfix/PostfixCorpusTests.cs:
/// inbound TLS1.2 78, TLS1.3 63, none 18; submission TLS1.3 16; outbound TLS1.3 3 (the status=sent lines
/// with a non-loopback relay). 178 messages in all.
/// </summary>
[Collection(InfluxCollection.Name)]
public sealed class ExporterInfluxCliTests(InfluxFixture influx) : IDisposable
{
    private static readonly (string Direction, string Tls, long Messages)[] CorpusTotals =
    [
        ("inbound", "TLS1.2", 78),
        ("inbound", "TLS1.3", 63),
        ("inbound", "none", 18),
        ("submission", "TLS1.3", 16),
        ("outbound", "TLS1.3", 3),
    ];

    private readonly string _directory = Directory.CreateTempSubdirectory("mailflow-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// A connectors file declaring every inbound server a Partner (which should present a verified certificate): the
    /// corpus's 141 anonymous inbound TLS messages (<see cref="CorpusSecurity"/>: 129 strong + 12 legacy) then raise
    /// the "unverified certificate" concern, so <c>mailflow_security_peers</c> has points; the 18 plaintext ones do not
    /// (auth none), nor submission (not inbound) or outbound (trusted). Connectors change no total by direction.
    /// </summary>
    private string WriteEveryInboundPartner()
    {
        var path = Path.Combine(_directory, "connectors.yaml");
        File.WriteAllText(path, "connectors:\n  - name: Everyone\n    type: Partner\n    direction: inbound\n    match:\n      remoteIps: [0.0.0.0/0, \"::/0\"]\n");
        return path;
    }

    private void AssertCorpusTotals(string database, long securityPeers = 0)
    {
        foreach (var (direction, tls, messages) in CorpusTotals)
        {
            Assert.Equal(messages, influx.Scalar($"SELECT sum(messages) FROM mailflow_messages WHERE direction = '{direction}' AND tls = '{tls}'", database));
        }

        Assert.Equal(178, influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database));
        // Peers are written for plaintext only here (no TLS 1.0/1.1 in this log): the 18 plaintext inbound messages.
        Assert.Equal(18, influx.Scalar("SELECT sum(messages) FROM mailflow_peers", database));

        // Rollup tiers: every bucket equals the minutes beneath it (the log is of March 2023), and the day tier holds the whole log.
        TierCheck.AssertTiersMatchMinutes(influx, database, new DateTimeOffset(2023, 3, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2023, 4, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(178, influx.Scalar("SELECT sum(messages) FROM mailflow_messages_1d", database));
        Assert.Equal(18, influx.Scalar("SELECT sum(messages) FROM mailflow_peers_1d", database));

        // Transit security (reasoning in Formats/Postfix/PostfixCorpusTests.cs): every message once more, by auth
        // level and cipher class instead of TLS version; no delivery blocked by a TLS policy in this log.
        foreach (var (direction, auth, cipher, messages) in CorpusSecurity)
        {
            Assert.Equal(messages, influx.Scalar($"SELECT sum(messages) FROM mailflow_security WHERE direction = '{direction}' AND auth = '{auth}' AND cipher = '{cipher}'", database));
        }

        Assert.Equal(178, influx.Scalar("SELECT sum(messages) FROM mailflow_security", database));
        Assert.Equal(178, influx.Scalar("SELECT sum(messages) FROM mailflow_security_1d", database));
        Assert.Equal(0, influx.Scalar("SELECT sum(messages) FROM mailflow_blocked", database));

        // Security peers: only messages with a concern (none without connectors: nothing weak, and no connector that should verify).
        Assert.Equal(securityPeers, influx.Scalar("SELECT sum(messages) FROM mailflow_security_peers", database));
        Assert.Equal(securityPeers, influx.Scalar("SELECT sum(messages) FROM mailflow_security_peers_1d", database));
        if (securityPeers > 0)
        {
            Assert.Equal(securityPeers, influx.Scalar("SELECT sum(messages) FROM mailflow_security_peers WHERE direction = 'inbound' AND concern = 'unverified-certificate' AND auth = 'anonymous' AND connector = 'Everyone'", database));
        }
    }

    private static readonly (string Direction, string Auth, string Cipher, long Messages)[] CorpusSecurity =
    [
        ("inbound", "anonymous", "strong", 129),
        ("inbound", "anonymous", "legacy", 12),
        ("inbound", "none", "none", 18),
        ("submission", "anonymous", "strong", 16),
        ("outbound", "trusted", "strong", 3),
    ];

    [Fact]
    public void Ingest_PostfixCorpusTwice_InfluxQlTotalsEqualTheLogOnce()
    {
        var database = influx.NewDatabase("corpus");
        string[] arguments = ["ingest", RepoPaths.PostfixCorpus, "--connectors", WriteEveryInboundPartner(), "--influx-url", influx.Server.Url.ToString(), "--influx-database", database];

        var first = ExporterProcess.Run(arguments);
        var second = ExporterProcess.Run(arguments);

        Assert.True(first.ExitCode == 0, first.StdErr);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("records   178 messages", first.StdOut, StringComparison.Ordinal);
        Assert.Contains("written to InfluxDB v1 API", first.StdOut, StringComparison.Ordinal);
        Assert.Contains("rollups   ", first.StdOut, StringComparison.Ordinal);
        AssertCorpusTotals(database, securityPeers: 141);
    }

    [Fact]
    public void Ingest_CorpusWithCrashNuls_CorpusTotalsAndTheDamagedLinesNamed()
    {
        // Two crash marks placed between messages (Support/DamagedLogs.cs): every message still counts.
        var database = influx.NewDatabase("crashed");
        var log = DamagedLogs.WriteCrashDamagedCorpus(_directory);

        var result = ExporterProcess.Run(["ingest", log, "--influx-url", influx.Server.Url.ToString(), "--influx-database", database]);

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("records   178 messages; 2 lines not understood", result.StdOut, StringComparison.Ordinal);
        Assert.Contains($"{log}:{DamagedLogs.NulOnlyLine}: {Input.LineChecks.NulReason}: 4 NUL bytes; no text after them", result.StdOut, StringComparison.Ordinal);
        Assert.Contains($"{log}:{DamagedLogs.NulBlockLine}: {Input.LineChecks.NulReason}: 4,096 NUL bytes;", result.StdOut, StringComparison.Ordinal);
        AssertCorpusTotals(database);
    }

    [Fact]
    public void Ingest_CorpusBehindOtherDaemonsLines_DetectedWithCorpusTotalsAndOtherLinesCounted()
    {
        var database = influx.NewDatabase("combined");
        var log = DamagedLogs.WriteCombinedSyslog(_directory, 5_000);

        var result = ExporterProcess.Run(["ingest", log, "--influx-url", influx.Server.Url.ToString(), "--influx-database", database]);

        Assert.True(result.ExitCode == 0, result.StdErr);
        // 5,000 cron/kernel/systemd lines and the corpus's 272 amavis lines: counted, not problems.
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"lines of other programs: {5_000 + DamagedLogs.CorpusOtherProgramLines:N0}"), result.StdOut, StringComparison.Ordinal);
        Assert.Contains("records   178 messages; 0 lines not understood", result.StdOut, StringComparison.Ordinal);
        AssertCorpusTotals(database);
    }

    [Fact]
    public void Ingest_InfluxOptionsFromEnvironmentAndBadUrl_ClearErrorNoStackTrace()
    {
        var result = ExporterProcess.Run(["ingest", RepoPaths.PostfixCorpus, "--influx-url", "ftp://nowhere", "--influx-api", "v2"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--influx-url (INFLUX_URL): 'ftp://nowhere' is not an http:// or https:// URL", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("--influx-org (INFLUX_ORG) and --influx-bucket (INFLUX_BUCKET) are required", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ingest")]
    [InlineData("run")]
    [InlineData("rollup")]
    public void Help_InfluxCommands_ListEveryInfluxOptionAndVariable(string command)
    {
        var result = ExporterProcess.Run([command, "--help"]);

        Assert.Equal(0, result.ExitCode);
        foreach (var name in new[] { "--influx-url", "--influx-database", "--influx-retention-policy", "--influx-org", "--influx-bucket", "--influx-token", "--influx-token-file", "--influx-username", "--influx-password", "INFLUX_URL", "INFLUX_TOKEN", "INFLUX_PASSWORD" })
        {
            Assert.Contains(name, result.StdOut, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Run_KilledWithSigkillAtSeveralPoints_EndsWithTheCorpusTotals()
    {
        var database = influx.NewDatabase("sigkill");
        var log = Path.Combine(_directory, "mail.log");
        var checkpoint = Path.Combine(_directory, "state", "checkpoint.json");
        var corpus = File.ReadAllLines(RepoPaths.PostfixCorpus);
        // The log grows in five parts while the daemon is killed (SIGKILL) after 0.3 s to 2.5 s: before it even
        // connects, in the middle of reading, right after flushes. Sessions straddle the parts.
        int[] killAfterMs = [300, 2500, 900, 1700, 1200];
        var part = (corpus.Length / killAfterMs.Length) + 1;
        for (var i = 0; i < killAfterMs.Length; i++)
        {
            File.AppendAllLines(log, corpus.Skip(i * part).Take(part));
            using var daemon = StartRun(log, checkpoint, database);
            await Task.Delay(killAfterMs[i]);
            daemon.Kill(); // SIGKILL: no shutdown code runs.
            await daemon.WaitForExitAsync();
        }

        // The last lines of a log complete their messages only when it ends: rotate it, as logrotate would.
        File.Move(log, log + ".1");
        File.WriteAllText(log, "");
        using (var last = StartRun(log + "*", checkpoint, database))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database) < 178)
            {
                await Task.Delay(200);
            }

            await Task.Delay(1000); // Anything more (a double count) would show now.
            using (var term = Process.Start("kill", ["-TERM", last.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term!.WaitForExitAsync();
            }

            Assert.True(last.WaitForExit(30_000));
            Assert.Equal(0, last.ExitCode);
        }

        AssertCorpusTotals(database, securityPeers: 141);
    }

    private Process StartRun(string path, string checkpoint, string database)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            RepoPaths.ExporterProgram, "run", path, "--format", "postfix", "--connectors", WriteEveryInboundPartner(),
            "--checkpoint", checkpoint, "--influx-url", influx.Server.Url.ToString(), "--influx-database", database,
            "--poll-interval", "00:00:00.05", "--flush-interval", "00:00:00.2", "--rotation-grace", "00:00:00.5",
            "--replay-bytes", "20000000", "--open-window", "3.00:00:00",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
