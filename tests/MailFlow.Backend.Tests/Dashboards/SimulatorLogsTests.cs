using System.Text.Json.Nodes;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>
/// Two days of the demo's history (up to a fixed time, fixed seed, zone Europe/Paris so that local and UTC days
/// differ) written by the real simulator, and the real exporter's <c>report --output json</c> of that folder.
/// </summary>
public sealed class SimulatedHistory : IDisposable
{
    public const string End = "2026-12-04T12:00:00Z";
    public const string Zone = "Europe/Paris";
    public const int Seed = 7;

    public SimulatedHistory()
    {
        Folder = Path.Combine(Directory, "demo");
        Summary = Path.Combine(Directory, "summary.json");
        var simulator = DemoPrograms.Run(DemoPrograms.Simulator, Arguments(Folder, Seed, "--summary", Summary));
        Assert.True(simulator.ExitCode == 0, simulator.StdErr + simulator.StdOut);
        var report = DemoPrograms.Run(DemoPrograms.Exporter,
            ["report", Folder, "--connectors", DemoPrograms.Connectors, "--timezone", Zone, "--from", "2026-11-01", "--to", "2026-12-10", "--output", "json"]);
        Assert.True(report.ExitCode == 0, report.StdErr);
        Report = JsonNode.Parse(report.StdOut)!.AsObject();
    }

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("mailflow-simulated-").FullName;

    public string Folder { get; }

    public string Summary { get; }

    public JsonObject Report { get; }

    public static string[] Arguments(string folder, int seed, params string[] more) =>
        ["--output", folder, "--backfill", "2d", "--end", End, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--timezone", Zone, .. more];

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}

/// <summary>
/// The simulator's logs read by the exporter's real parsers: every line understood, every format present, the
/// organisation as the demo describes it, and exactly the messages the simulator says it wrote. The expected counts
/// are the simulator's own bookkeeping (kept as it generates each message, from the connectors file's rules), not
/// anything the exporter computed.
/// </summary>
public sealed class SimulatorLogsTests(SimulatedHistory history) : IClassFixture<SimulatedHistory>
{
    private JsonObject Connector(string name, string direction) =>
        history.Report["connectors"]!.AsArray().Select(c => c!.AsObject()).Single(c => (string?)c["name"] == name && (string?)c["direction"] == direction);

    private static long Tls(JsonObject row, string tls) => (long)row["tls"]![tls]!;

    [Fact]
    public void Report_OfTheSimulatorsFolder_UnderstandsEveryLineOfEveryFormat()
    {
        var input = history.Report["input"]!;

        Assert.Equal(0, (long)input["linesNotUnderstood"]!);
        Assert.Empty(input["problems"]!.AsArray());
        var files = input["files"]!.AsArray().Select(f => (Format: (string)f!["format"]!, Path: (string)f["path"]!, Error: f["error"])).ToArray();
        Assert.All(files, f => Assert.Null(f.Error));

        // Two days up to noon UTC: each format has its current file and at least two of earlier days (rotated or dated).
        Assert.Equal(["csv", "exchange", "exim", "postfix", "sendmail"], files.Select(f => f.Format).Distinct().Order(StringComparer.Ordinal));
        foreach (var format in new[] { "csv", "exim", "postfix", "sendmail" })
        {
            Assert.True(files.Count(f => f.Format == format) >= 3, $"{format}: {files.Count(f => f.Format == format)} files");
        }

        Assert.Contains(files, f => f.Path.EndsWith("/postfix/mail.log.2", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Path.EndsWith("/exchange/SMTPRECV2026120300-1.LOG", StringComparison.Ordinal));
    }

    [Fact]
    public void Report_CountsExactlyTheMessagesTheSimulatorWrote()
    {
        var (total, expected, byFormat) = DemoPrograms.ReadSummary(history.Summary);
        var counted = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in history.Report["connectors"]!.AsArray())
        {
            foreach (var (tls, messages) in row!["tls"]!.AsObject())
            {
                if ((long)messages! > 0)
                {
                    counted[$"{row["direction"]}|{row["name"]}|{tls}"] = (long)messages!;
                }
            }
        }

        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), counted.OrderBy(c => c.Key, StringComparer.Ordinal));
        Assert.Equal(total, (long)history.Report["input"]!["records"]!);
        Assert.Equal(total, new[] { "inbound", "outbound", "submission" }.Sum(d => (long)history.Report["directions"]![d]!["messages"]!));

        // Two days at the default 240 messages an hour at the peak: thousands, and every format carries a good part.
        Assert.InRange(total, 2000, 20000);
        Assert.All(byFormat.Values, count => Assert.True(count > total / 20, $"a format has only {count} of {total} messages"));
    }

    [Fact]
    public void CsvRows_CountedOneByOne_EqualTheSimulatorsCsvCount()
    {
        // An independent count of what was written: one CSV row per message, after the comment and header lines.
        var rows = Directory.GetFiles(Path.Combine(history.Folder, "csv"), "*.csv")
            .Sum(path => File.ReadLines(path).Count(l => l.Length > 0 && l[0] != '#' && !l.StartsWith("timestamp,", StringComparison.Ordinal)));

        Assert.Equal(DemoPrograms.ReadSummary(history.Summary).ByFormat["csv"], rows);
    }

    [Fact]
    public void Report_ShowsThePartnersTheRelayAndTheInternetAsTheDemoDescribesThem()
    {
        // Fabrikam still on TLS 1.0 (its inbound Partner connector), Contoso on TLS 1.2 both ways.
        var fabrikam = Connector("Fabrikam", "inbound");
        Assert.True((long)fabrikam["messages"]! >= 50, $"Fabrikam: {fabrikam["messages"]} messages");
        Assert.Equal((long)fabrikam["messages"]!, Tls(fabrikam, "TLS1.0"));
        Assert.Equal("Partner", (string?)fabrikam["type"]);
        foreach (var direction in new[] { "inbound", "outbound" })
        {
            var contoso = Connector("Contoso", direction);
            Assert.True((long)contoso["messages"]! > 0);
            Assert.Equal((long)contoso["messages"]!, Tls(contoso, "TLS1.2"));
        }

        // The relay's Forced TLS connector: TLS 1.2, and now and then plaintext (about 4 %).
        var relay = Connector("On-premises relay", "inbound");
        Assert.True(relay["forcedTls"]!.GetValue<bool>());
        Assert.InRange(Tls(relay, "none"), 1, (long)relay["messages"]! / 5);
        Assert.Equal((long)relay["messages"]!, Tls(relay, "none") + Tls(relay, "TLS1.2"));

        // The internet: a mix of versions, plaintext included; users submitting with SMTP AUTH.
        var internet = Connector("From the internet without a connector", "inbound");
        Assert.All(new[] { "none", "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3" }, tls => Assert.True(Tls(internet, tls) > 0, $"no internet mail on {tls}"));
        Assert.True((long)Connector("SMTP Auth clients", "submission")["messages"]! > 0);

        var insights = history.Report["insights"]!.AsArray().Select(i => ((string)i!["id"]!, (string)i["connector"]!)).ToArray();
        Assert.Contains(("InboundPartnerTls10", "Fabrikam"), insights);
        Assert.Contains(("InboundPlaintextOnForcedTlsConnector", "On-premises relay"), insights);
        Assert.DoesNotContain(insights, i => i.Item2 == "Contoso");
    }

    [Fact]
    public async Task RunDaemon_OnTheHistoryInRotatedAndDatedFiles_CountsEveryMessage()
    {
        // The layout the daemon meets at the start of the demo: each log's earlier days in rotated (mail.log.2,
        // mail.log.1) or dated files beside the current one. It reads them all before it closes any minute, so that
        // none of the history is dropped as late.
        using var influx = new MailFlow.Testing.InfluxDbServer();
        var (total, byConnector, _) = DemoPrograms.ReadSummary(history.Summary);
        using var daemon = DemoPrograms.StartDaemon(history.Folder, SimulatedHistory.Zone, influx, Path.Combine(history.Directory, $"checkpoint-{Guid.NewGuid():N}.json"));
        try
        {
            // Every tier included: the daily one is what the 90-day Connector report reads.
            await DemoPrograms.WaitForMessagesAsync(influx, daemon, total, TimeSpan.FromMinutes(2));
            Assert.Equal(byConnector["inbound|On-premises relay|none"], DemoPrograms.Scalar(influx, "SELECT sum(messages) FROM mailflow_messages WHERE direction = 'inbound' AND connector = 'On-premises relay' AND tls = 'none'"));
        }
        finally
        {
            await DemoPrograms.StopAsync(daemon);
        }
    }

    [Fact]
    public void Simulator_SameSeedAndEnd_WritesTheSameFiles_AnotherSeedOtherOnes()
    {
        var again = Path.Combine(history.Directory, "again");
        var other = Path.Combine(history.Directory, "other");
        Assert.Equal(0, DemoPrograms.Run(DemoPrograms.Simulator, SimulatedHistory.Arguments(again, SimulatedHistory.Seed)).ExitCode);
        Assert.Equal(0, DemoPrograms.Run(DemoPrograms.Simulator, SimulatedHistory.Arguments(other, SimulatedHistory.Seed + 1)).ExitCode);

        var first = Files(history.Folder);
        Assert.Equal(first.Keys.Order(StringComparer.Ordinal), Files(again).Keys.Order(StringComparer.Ordinal));
        Assert.All(first, f => Assert.True(f.Value.SequenceEqual(Files(again)[f.Key]), $"{f.Key} differs"));
        Assert.Contains(first, f => !Files(other).TryGetValue(f.Key, out var bytes) || !f.Value.SequenceEqual(bytes));
    }

    [Theory]
    [InlineData("--rate", "0", "--rate")]
    [InlineData("--timezone", "Mars/Olympus_Mons", "--timezone")]
    [InlineData("--backfill", "a week", "--backfill")]
    [InlineData("--keep-days", "1", "--keep-days")]
    public void Simulator_BadOption_SaysWhichAndExitsWithTwo(string option, string value, string named)
    {
        var folder = Path.Combine(history.Directory, "bad-" + Guid.NewGuid().ToString("N"));
        var arguments = new Dictionary<string, string> { ["--output"] = folder, ["--backfill"] = "2d", ["--end"] = SimulatedHistory.End, [option] = value };
        var result = DemoPrograms.Run(DemoPrograms.Simulator, arguments.SelectMany(a => new[] { a.Key, a.Value }));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(named, result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    private static Dictionary<string, byte[]> Files(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(p => Path.GetRelativePath(folder, p), File.ReadAllBytes, StringComparer.Ordinal);
}
