using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;
using MailFlow.Exporter.Pipeline;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Tests.Influx.Support;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Influx;

/// <summary>The rollup tiers (5m, 1h, 1d) recomputed inside the real influxd 1.6.7 after ingests and by the rollup command.</summary>
[Collection(InfluxCollection.Name)]
public sealed class RollupTests(InfluxFixture influx) : IDisposable
{
    private static readonly DateTimeOffset Day0 = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Day1 = Day0.AddDays(1);
    private static readonly DateTimeOffset Day2 = Day0.AddDays(2);
    private static readonly ParseOptions Utc = new() { TimeZone = TimeZoneInfo.Utc };

    private static readonly SeriesKey A = new(Direction.Inbound, ConnectorInfo.InboundInternet, TlsVersion.Tls12, "mx1");
    private static readonly SeriesKey B = new(Direction.Outbound, ConnectorInfo.OutboundInternet, TlsVersion.Tls10, "mx1");
    private static readonly SeriesKey C = new(Direction.Inbound, new ConnectorInfo("Backup MX", ConnectorType.Internet, false), TlsVersion.Tls12, "mx1");
    private static readonly PeerKey P = new(Direction.Outbound, ConnectorInfo.OutboundInternet, TlsVersion.Tls10, "mx1", "legacy.example");

    private readonly string _directory = Directory.CreateTempSubdirectory("mailflow-rollup-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private InfluxPointWriter Writer(string database, string? retentionPolicy = null) =>
        new(new InfluxOptions { Url = influx.Server.Url.ToString(), Database = database, RetentionPolicy = retentionPolicy, RetryFor = TimeSpan.FromMinutes(1) });

    private static DateTimeOffset At(int hour, int minute) => Day0.AddHours(hour).AddMinutes(minute);

    /// <summary>
    /// Hand-made minutes. Series A: 08:03 (2 messages, 3 recipients, 100 bytes), 08:04 (3, 3, 200), 08:07
    /// (4, 5, 300), 09:01 (5, 5, 400) and the next day 00:00 (6, 7, 500). Series B: 08:04 (1, 1, 10). Series C,
    /// A's tags but another connector (same connector type): 08:04 (7, 7, 70). Peer P:
    /// 08:03 (1, 1, 10), 08:07 (2, 2, 20), 09:01 (1, 1, 5).
    /// </summary>
    private static (SeriesPoint[] Series, PeerPoint[] Peers) HandPoints() =>
    (
        [
            new(At(8, 3), A, new Counts(2, 3, 100)),
            new(At(8, 4), A, new Counts(3, 3, 200)),
            new(At(8, 7), A, new Counts(4, 5, 300)),
            new(At(9, 1), A, new Counts(5, 5, 400)),
            new(Day1, A, new Counts(6, 7, 500)),
            new(At(8, 4), B, new Counts(1, 1, 10)),
            new(At(8, 4), C, new Counts(7, 7, 70)),
        ],
        [
            new(At(8, 3), P, new Counts(1, 1, 10)),
            new(At(8, 7), P, new Counts(2, 2, 20)),
            new(At(9, 1), P, new Counts(1, 1, 5)),
        ]);

    /// <summary>
    /// The buckets the hand points must give, summed by hand. A: 5m 08:00 = 08:03 + 08:04 = (5, 6, 300), 08:05 =
    /// (4, 5, 300), 09:00 = (5, 5, 400), next day 00:00 = (6, 7, 500); 1h 08:00 = (9, 11, 600), 09:00 = (5, 5, 400),
    /// next day (6, 7, 500); 1d day 0 = (14, 16, 1000), day 1 = (6, 7, 500). B: (1, 1, 10) in its bucket of every
    /// tier, and C (7, 7, 70). mailflow_tls sums A and C (no connector tag): 5m 08:00 = (12, 13, 370), 1h 08:00 =
    /// (16, 18, 670), 1d day 0 = (21, 23, 1070), and per minute A's minutes with C added at 08:04 (10, 10, 270); B
    /// alone in its own series. P: 5m 08:00 = (1, 1, 10) last seen 08:03, 08:05 = (2, 2, 20) last seen 08:07, 09:00 = (1, 1, 5) last
    /// seen 09:01; 1h 08:00 = (3, 3, 30) last seen 08:07, 09:00 = (1, 1, 5) last seen 09:01; 1d = (4, 4, 35) last seen 09:01.
    /// </summary>
    private void AssertHandTiers(string database, string prefix = "")
    {
        string Series(string measurement, string filter) => $"SELECT messages, recipients, bytes FROM {prefix}{measurement} WHERE {filter} ORDER BY time";
        List<long[]> Rows(string query) => influx.Rows(query, database).Select(r => r.Skip(1).Select(v => v.GetInt64()).ToArray()).ToList();
        List<string> Times(string query) => influx.Rows(query, database).Select(r => r[0].GetString()!).ToList();

        var a = "tls = 'TLS1.2' AND connector = 'From the internet without a connector'";
        Assert.Equal([[5, 6, 300], [4, 5, 300], [5, 5, 400], [6, 7, 500]], Rows(Series("mailflow_messages_5m", a)));
        Assert.Equal(["2026-11-25T08:00:00Z", "2026-11-25T08:05:00Z", "2026-11-25T09:00:00Z", "2026-11-26T00:00:00Z"], Times(Series("mailflow_messages_5m", a)));
        Assert.Equal([[9, 11, 600], [5, 5, 400], [6, 7, 500]], Rows(Series("mailflow_messages_1h", a)));
        Assert.Equal(["2026-11-25T08:00:00Z", "2026-11-25T09:00:00Z", "2026-11-26T00:00:00Z"], Times(Series("mailflow_messages_1h", a)));
        Assert.Equal([[14, 16, 1000], [6, 7, 500]], Rows(Series("mailflow_messages_1d", a)));
        Assert.Equal(["2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"], Times(Series("mailflow_messages_1d", a)));
        foreach (var (tier, time) in new[] { ("5m", "2026-11-25T08:00:00Z"), ("1h", "2026-11-25T08:00:00Z"), ("1d", "2026-11-25T00:00:00Z") })
        {
            var b = Series("mailflow_messages_" + tier, "tls = 'TLS1.0' AND direction = 'outbound' AND connector_type = 'Internet' AND source = 'mx1'");
            Assert.Equal([[1, 1, 10]], Rows(b));
            Assert.Equal([time], Times(b));
        }

        var c = "connector = 'Backup MX'";
        Assert.Equal([[7, 7, 70]], Rows(Series("mailflow_messages_5m", c)));
        Assert.Equal([[7, 7, 70]], Rows(Series("mailflow_messages_1d", c)));
        var tls12 = "tls = 'TLS1.2' AND direction = 'inbound' AND connector_type = 'Internet' AND source = 'mx1'";
        Assert.Equal([[2, 3, 100], [10, 10, 270], [4, 5, 300], [5, 5, 400], [6, 7, 500]], Rows(Series("mailflow_tls", tls12))); // 08:04 = A + C
        Assert.Equal([[12, 13, 370], [4, 5, 300], [5, 5, 400], [6, 7, 500]], Rows(Series("mailflow_tls_5m", tls12)));
        Assert.Equal([[16, 18, 670], [5, 5, 400], [6, 7, 500]], Rows(Series("mailflow_tls_1h", tls12)));
        Assert.Equal([[21, 23, 1070], [6, 7, 500]], Rows(Series("mailflow_tls_1d", tls12)));
        Assert.Equal([[1, 1, 10]], Rows(Series("mailflow_tls_1d", "tls = 'TLS1.0'")));
        Assert.DoesNotContain(influx.Rows($"SHOW TAG KEYS FROM {prefix}mailflow_tls_1d", database), r => r[0].GetString() is "connector" or "peer");

        string Peers(string tier) => $"SELECT messages, recipients, bytes, last_seen FROM {prefix}mailflow_peers_{tier} WHERE peer = 'legacy.example' AND tls = 'TLS1.0' ORDER BY time";
        long Unix(int hour, int minute) => At(hour, minute).ToUnixTimeSeconds();
        Assert.Equal([[1, 1, 10, Unix(8, 3)], [2, 2, 20, Unix(8, 7)], [1, 1, 5, Unix(9, 1)]], Rows(Peers("5m")));
        Assert.Equal([[3, 3, 30, Unix(8, 7)], [1, 1, 5, Unix(9, 1)]], Rows(Peers("1h")));
        Assert.Equal([[4, 4, 35, Unix(9, 1)]], Rows(Peers("1d")));
    }

    [Fact]
    public async Task WriteRollupsAsync_HandMadeMinutes_TiersHoldTheSumsAndNewestLastSeen()
    {
        var database = influx.NewDatabase("rollup_hand");
        var (series, peers) = HandPoints();
        using var writer = Writer(database);
        await writer.WriteAsync(series, peers, CancellationToken.None);

        var written = await writer.WriteRollupsAsync(series.Select(p => p.Minute).Concat(peers.Select(p => p.Minute)), ["mx1"], CancellationToken.None);
        var again = await writer.WriteRollupsAsync(series.Select(p => p.Minute), ["mx1"], CancellationToken.None);

        AssertHandTiers(database);
        // Points by hand: messages 5m 4 (A) + 1 (B) + 1 (C), 1h 3 + 1 + 1, 1d 2 + 1 + 1; peers 5m 3, 1h 2, 1d 1;
        // tls minutes 5 (A with C: 08:03, 08:04, 08:07, 09:01, next day) + 1 (B), 5m 4 + 1, 1h 3 + 1, 1d 2 + 1:
        // 15 + 6 + 18 = 39.
        Assert.Equal(39, written);
        Assert.Equal(39, again); // The same buckets again (both measurements of them): the same points, overwritten.
        // Integer types survive the aggregation (the query engine and Grafana expect integers).
        var types = influx.Rows("SHOW FIELD KEYS FROM mailflow_peers_1d", database).ToDictionary(r => r[0].GetString()!, r => r[1].GetString());
        Assert.Equal(new Dictionary<string, string?> { ["bytes"] = "integer", ["last_seen"] = "integer", ["messages"] = "integer", ["recipients"] = "integer" }, types);
        TierCheck.AssertTiersMatchMinutes(influx, database, Day0, Day2);
    }

    [Fact]
    public async Task WriteRollupsAsync_TwoSourcesInOneBucket_EachRecomputesOnlyItsOwnSeries()
    {
        var database = influx.NewDatabase("rollup_sources");
        var mx2 = A with { Source = "mx2" };
        using var writer = Writer(database);
        await writer.WriteAsync([new(At(8, 3), A, new Counts(2, 2, 20)), new(At(8, 4), mx2, new Counts(5, 5, 50))], [], CancellationToken.None);
        await writer.WriteRollupsAsync([At(8, 3), At(8, 4)], ["mx1", "mx2"], CancellationToken.None);

        // mx2's 5-minute bucket is overwritten with a marker, as if mx2's exporter were in the middle of its own
        // recomputation: mx1's next rollup of the same buckets must leave mx2's series alone, in every tier.
        var mx2Series = Assert.Single(influx.Rows("SHOW SERIES FROM mailflow_messages_5m WHERE source = 'mx2'", database))[0].GetString()!;
        influx.Server.Write(database, $"{mx2Series} messages=999i,recipients=999i,bytes=999i {At(8, 0).ToUnixTimeSeconds()}");
        await writer.WriteAsync([new(At(8, 2), A, new Counts(1, 1, 10))], [], CancellationToken.None);
        await writer.WriteRollupsAsync([At(8, 2)], ["mx1"], CancellationToken.None);

        long Messages(string measurement, string source) => influx.Scalar($"SELECT sum(messages) FROM {measurement} WHERE source = '{source}'", database);
        Assert.Equal(999, Messages("mailflow_messages_5m", "mx2")); // Untouched marker.
        Assert.Equal(5, Messages("mailflow_messages_1h", "mx2")); // Not recomputed from the marker.
        Assert.Equal(5, Messages("mailflow_tls_1d", "mx2"));
        Assert.Equal(3, Messages("mailflow_messages_5m", "mx1")); // 08:02 + 08:03.
        Assert.Equal(3, Messages("mailflow_messages_1d", "mx1"));
        Assert.Equal(3, Messages("mailflow_tls_1h", "mx1"));
    }

    private string LogFile(string name, FlowLog log, int sessions)
    {
        var path = Path.Combine(_directory, name);
        FlowLog.Append(path, log.Sessions(sessions));
        return path;
    }

    private async Task<IngestSummary> IngestAsync(string database, params string[] paths)
    {
        using var writer = Writer(database);
        var job = new IngestJob(() => new TestAggregator(), writer);
        return await job.RunAsync([.. paths.Select(p => new InputSource(p))], Utc, SessionTestFormat.Instance, CancellationToken.None);
    }

    [Fact]
    public async Task Ingest_TwoFilesTwice_EveryTierEqualsTheMinutesAndTheLog()
    {
        var database = influx.NewDatabase("rollup_ingest");
        // 700 sessions 7 s apart from 22:50: 81 minutes across midnight, so every tier has two buckets or more.
        var log = new FlowLog(Day0.AddHours(22).AddMinutes(50));
        var first = LogFile("mail.log.1", log, 400);
        var second = LogFile("mail.log", log, 300);

        var summary = await IngestAsync(database, first, second);
        await IngestAsync(database, first, second);

        Assert.True(summary.RollupPoints > 0);
        TierCheck.AssertTiersMatchMinutes(influx, database, Day0, Day2);
        foreach (var tier in new[] { "5m", "1h", "1d" })
        {
            Assert.Equal(log.Messages, influx.Scalar($"SELECT sum(messages) FROM mailflow_messages_{tier}", database));
            Assert.Equal(log.Bytes, influx.Scalar($"SELECT sum(bytes) FROM mailflow_messages_{tier}", database));
        }

        // Two days: the day buckets split the log at midnight, and together hold all of it once.
        Assert.Equal(2, influx.Rows("SELECT sum(messages) FROM mailflow_messages_1d GROUP BY time(1d) fill(none)", database).Count);
    }

    [Fact]
    public async Task Ingest_LogrotateFilesIngestedSeparately_HourAndDayHoldBothFiles()
    {
        var database = influx.NewDatabase("rollup_logrotate");
        // logrotate at 06:25: mail.log.1 ends at 06:23:54 (120 sessions 7 s apart from 06:10), mail.log starts at
        // 06:25:01. They share no minute but share the 06:00 hour and the day; each is ingested on its own (two
        // days' cron runs). The hour and day must hold both files, not the last ingest's totals.
        var before = new FlowLog(At(6, 10));
        var rotated = LogFile("mail.log.1", before, 120);
        var after = new FlowLog(At(6, 25));
        var live = LogFile("mail.log", after, 120);

        await IngestAsync(database, rotated);
        await IngestAsync(database, live);

        var both = before.Messages + after.Messages;
        Assert.Equal(both, influx.Scalar("SELECT sum(messages) FROM mailflow_messages_1h WHERE time = '2026-11-25T06:00:00Z'", database));
        Assert.Equal(both, influx.Scalar("SELECT sum(messages) FROM mailflow_messages_1d WHERE time = '2026-11-25T00:00:00Z'", database));
        Assert.Equal(before.Recipients + after.Recipients, influx.Scalar("SELECT sum(recipients) FROM mailflow_messages_1d", database));
        // The 06:25 five minutes are mail.log's alone: its first sessions, at 06:25:01 + 7 s steps up to 06:29:59, are 43 (0..42).
        var firstFive = new FlowLog(At(6, 25));
        firstFive.Sessions(43);
        Assert.Equal(firstFive.Messages, influx.Scalar("SELECT sum(messages) FROM mailflow_messages_5m WHERE time = '2026-11-25T06:25:00Z'", database));
        TierCheck.AssertTiersMatchMinutes(influx, database, Day0, Day1);

        // Peers: last_seen of every legacy peer is the newest minute it appeared in, over both files.
        before.AddTotals(after);
        foreach (var (peer, minute) in before.LegacyPeerLastMinute)
        {
            Assert.Equal(minute.ToUnixTimeSeconds(), influx.Scalar($"SELECT max(last_seen) FROM mailflow_peers_1d WHERE peer = '{peer}'", database));
            Assert.Equal(minute.ToUnixTimeSeconds(), influx.Scalar($"SELECT max(last_seen) FROM mailflow_peers_1h WHERE peer = '{peer}'", database));
        }

        Assert.Equal(2, before.LegacyPeerLastMinute.Count); // peer2 (TLS 1.0) and peer3 (plaintext): the check ran.
    }

    [Fact]
    public async Task RollupCommand_MinutesWrittenWithoutRollups_RebuildsWholeDays()
    {
        var database = influx.NewDatabase("rollup_command");
        var (series, peers) = HandPoints();
        using (var writer = Writer(database))
        {
            await writer.WriteAsync(series, peers, CancellationToken.None); // Minutes only, as an older exporter or another tool wrote them.
        }

        Assert.Equal(0, influx.Scalar("SELECT count(messages) FROM mailflow_messages_1d", database));

        // --from 08:30 is widened to the start of its day, so 08:03 is rolled up too; --to 00:00:01 to the next day's end.
        var result = ExporterProcess.Run(["rollup", "--from", "2026-11-25T08:30:00Z", "--to", "2026-11-26T00:00:01Z", "--influx-url", influx.Server.Url.ToString(), "--influx-database", database]);

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("rollup    2026-11-25 to 2026-11-27", result.StdOut, StringComparison.Ordinal);
        // Points per tier, all measurements: 5m A 4 + B 1 + C 1 + P 3 + tls 5, plus the tls minutes 6; 1h A 3 + B 1 +
        // C 1 + P 2 + tls 4; 1d A 2 + B 1 + C 1 + P 1 + tls 3.
        Assert.Contains("5m        20 points from 1m", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("1h        11 points from 5m", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("1d        8 points from 1h", result.StdOut, StringComparison.Ordinal);
        AssertHandTiers(database);
        TierCheck.AssertTiersMatchMinutes(influx, database, Day0, Day2);
    }

    [Fact]
    public async Task WriteRollupsAsync_RetentionPolicy_ReadsAndWritesThatPolicyOnly()
    {
        var database = influx.NewDatabase("rollup_rp");
        influx.Server.Query($"CREATE DATABASE {database}");
        influx.Server.Query($"CREATE RETENTION POLICY \"other rp\" ON {database} DURATION INF REPLICATION 1");
        var (series, peers) = HandPoints();
        using var writer = Writer(database, "other rp");
        await writer.WriteAsync(series, peers, CancellationToken.None);

        await writer.WriteRollupsAsync(series.Select(p => p.Minute), ["mx1"], CancellationToken.None);

        AssertHandTiers(database, $"\"{database}\".\"other rp\".");
        TierCheck.AssertTiersMatchMinutes(influx, database, Day0, Day2, $"\"{database}\".\"other rp\".");
        Assert.Equal(0, influx.Scalar("SELECT count(messages) FROM mailflow_messages_1d", database)); // Nothing in the default policy.
    }

    [Fact]
    public async Task RollupCommand_Source_RebuildsThatServersSeriesOnly()
    {
        var database = influx.NewDatabase("rollup_cli_source");
        using (var writer = Writer(database))
        {
            await writer.WriteAsync([new(At(8, 3), A, new Counts(2, 2, 20)), new(At(8, 4), A with { Source = "mx2" }, new Counts(5, 5, 50))], [], CancellationToken.None);
        }

        var result = ExporterProcess.Run(["rollup", "--from", "2026-11-25", "--source", "mx2", "--influx-url", influx.Server.Url.ToString(), "--influx-database", database]);

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("source mx2", result.StdOut, StringComparison.Ordinal);
        Assert.Equal(5, influx.Scalar("SELECT sum(messages) FROM mailflow_messages_1d WHERE source = 'mx2'", database));
        Assert.Equal(0, influx.Scalar("SELECT count(messages) FROM mailflow_messages_1d WHERE source = 'mx1'", database));
    }

    [Fact]
    public void RollupCommand_BadOptions_ClearErrorsAndExitCode2()
    {
        var missing = ExporterProcess.Run(["rollup"]);
        var reversed = ExporterProcess.Run(["rollup", "--from", "2026-11-20", "--to", "2026-11-19"]);
        var garbage = ExporterProcess.Run(["rollup", "--from", "yesterday"]);

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--from is required", missing.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, reversed.ExitCode);
        Assert.Contains("must be before --to", reversed.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, garbage.ExitCode);
        Assert.Contains("--from 'yesterday' is not a date", garbage.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", missing.StdErr + reversed.StdErr + garbage.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteRollupsAsync_TierFieldOfAnotherType_FailsWithoutRetryingAndNamesTheCause()
    {
        var database = influx.NewDatabase("rollup_conflict");
        influx.Server.Query($"CREATE DATABASE {database}");
        // Another writer stored the 5m tier's messages as a float: InfluxDB refuses the integer sums into it.
        using (var http = new HttpClient())
        {
            using var body = new StringContent("mailflow_messages_5m,tls=TLS1.2 messages=1.5 1795593600");
            using var response = await http.PostAsync(new Uri(influx.Server.Url, $"/write?db={database}&precision=s"), body);
            Assert.True(response.IsSuccessStatusCode);
        }

        var (series, peers) = HandPoints();
        using var writer = Writer(database);
        await writer.WriteAsync(series, peers, CancellationToken.None);

        var failure = await Assert.ThrowsAsync<InfluxWriteException>(() => writer.WriteRollupsAsync(series.Select(p => p.Minute), ["mx1"], CancellationToken.None));

        Assert.False(failure.Retryable);
        Assert.Equal(0, writer.RetryCount);
        Assert.Contains("recomputing the 5m rollups failed", failure.Message, StringComparison.Ordinal);
        Assert.Contains("field type conflict", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IngestWithRollupsOffThenRollupCommand_PostfixCorpus_TiersAppearOnlyAfterTheCommand()
    {
        var database = influx.NewDatabase("rollup_off");
        string[] target = ["--influx-url", influx.Server.Url.ToString(), "--influx-database", database];

        var ingest = ExporterProcess.Run(["ingest", MailFlow.Testing.RepoPaths.PostfixCorpus, "--influx-rollups", "false", .. target]);

        Assert.True(ingest.ExitCode == 0, ingest.StdErr);
        Assert.Contains("rollups   0 points", ingest.StdOut, StringComparison.Ordinal);
        Assert.Equal(178, influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database)); // See ExporterInfluxCliTests.
        Assert.Equal(0, influx.Scalar("SELECT count(messages) FROM mailflow_messages_5m", database));

        var rollup = ExporterProcess.Run(["rollup", "--from", "2023-03-01", "--to", "2023-04-01", .. target]);

        Assert.True(rollup.ExitCode == 0, rollup.StdErr);
        Assert.Equal(178, influx.Scalar("SELECT sum(messages) FROM mailflow_messages_1d", database));
        Assert.Equal(18, influx.Scalar("SELECT sum(messages) FROM mailflow_peers_1d", database)); // The plaintext inbound messages.
        TierCheck.AssertTiersMatchMinutes(influx, database, new DateTimeOffset(2023, 3, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2023, 4, 1, 0, 0, 0, TimeSpan.Zero));
    }
}
