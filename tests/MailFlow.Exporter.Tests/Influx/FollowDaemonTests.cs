using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Tailing;
using MailFlow.Exporter.Tests.Influx.Support;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Influx;

/// <summary>The run daemon against a real influxd and real files: appends, rotations, outages, crashes.</summary>
[Collection(InfluxCollection.Name)]
public sealed class FollowDaemonTests(InfluxFixture influx) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mailflow-follow-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string FilePath(string name) => Path.Combine(_directory, name);

    private string Checkpoint => FilePath("state/checkpoint.json");

    private InfluxOptions Influx(string database) => new() { Url = influx.Server.Url.ToString(), Database = database };

    private static FlowLog NewLog() => new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero)) { Step = 3 };

    /// <summary>Waits until InfluxDB holds the log's message total, then checks every total of the log.</summary>
    private async Task AssertTotalsAsync(string database, FlowLog log, Task? daemon = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        long messages = -1;
        while (DateTime.UtcNow < deadline)
        {
            if (daemon is { IsFaulted: true })
            {
                await daemon; // Surface the daemon's failure.
            }

            messages = influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database);
            if (messages == log.Messages)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(log.Messages, messages);
        Assert.Equal(log.Recipients, influx.Scalar("SELECT sum(recipients) FROM mailflow_messages", database));
        Assert.Equal(log.Bytes, influx.Scalar("SELECT sum(bytes) FROM mailflow_messages", database));
        foreach (var (tls, count) in log.MessagesByTls)
        {
            Assert.Equal(count, influx.Scalar($"SELECT sum(messages) FROM mailflow_messages WHERE tls = '{tls.ToWire()}'", database));
        }

        // A session split by a restart or a chunk boundary still knows its TLS version.
        Assert.Equal(0, influx.Scalar("SELECT sum(messages) FROM mailflow_messages WHERE tls = 'unknown'", database));

        // The rollup tiers follow every flush (recomputed before the checkpoint is saved), over the log's whole days.
        var from = new DateTimeOffset(log.Minutes.Min().UtcDateTime.Date, TimeSpan.Zero);
        var to = new DateTimeOffset(log.Minutes.Max().UtcDateTime.Date, TimeSpan.Zero).AddDays(1);
        await TierCheck.AssertTiersMatchMinutesSoonAsync(influx, database, from, to);
        Assert.Equal(log.Messages, influx.Scalar("SELECT sum(messages) FROM mailflow_messages_1d", database));
    }

    [Fact]
    public async Task Run_LinesAppendedOverTime_ReachInfluxDbWithExactTotals()
    {
        var database = influx.NewDatabase("follow");
        var log = NewLog();
        var path = FilePath("mail.log");
        FlowLog.Append(path, log.Sessions(100));
        await using var daemon = new DaemonHarness(DaemonHarness.Options(Checkpoint, path), Influx(database));
        await AssertTotalsAsync(database, log, daemon.Run);

        for (var i = 0; i < 5; i++)
        {
            var lines = log.Sessions(150);
            FlowLog.Append(path, lines.Take(lines.Count / 2 + 1)); // Sessions cut in the middle...
            await Task.Delay(150);
            FlowLog.Append(path, lines.Skip(lines.Count / 2 + 1)); // ...and completed later.
        }

        await AssertTotalsAsync(database, log, daemon.Run);
        await daemon.StopAsync();
        var saved = Tailing.Checkpoint.Load(Checkpoint);
        Assert.Equal(new FileInfo(path).Length, Assert.Single(saved.Files.Values).Offset);
    }

    [Fact]
    public async Task Run_CrashNulsBetweenSessions_EverySessionCountsAndEachDamagedLineIsNamed()
    {
        // NULs only between sessions (FlowLog writes whole sessions): every message's lines stay whole, so the
        // totals are the log's own; each damaged line is one problem, named with its file line.
        var database = influx.NewDatabase("nuls");
        var log = NewLog();
        var path = FilePath("mail.log");
        FlowLog.Append(path, log.Sessions(100));
        var nulOnlyLine = File.ReadLines(path).Count() + 1;
        File.AppendAllText(path, "\0\0\0\0\n"); // An unwritten block between two complete lines.
        FlowLog.Append(path, log.Sessions(50));
        var bigBlockLine = File.ReadLines(path).Count() + 1;
        // 100 KiB of NULs glued to the next session's first line: longer than the follower's 70 KiB chunk.
        File.AppendAllText(path, new string('\0', 100 * 1024));
        FlowLog.Append(path, log.Sessions(50));
        using var logs = new CapturingLoggerProvider();
        await using var daemon = new DaemonHarness(DaemonHarness.Options(Checkpoint, path), Influx(database), logs);
        await AssertTotalsAsync(database, log, daemon.Run);

        // Written while the daemon follows the file: a block after a crash, the lines after it.
        var liveLine = File.ReadLines(path).Count() + 1;
        File.AppendAllText(path, new string('\0', 512));
        FlowLog.Append(path, log.Sessions(40));
        await AssertTotalsAsync(database, log, daemon.Run);

        Assert.Equal(3, daemon.Pipeline.Followers[0].Problems);
        Assert.Contains($"{path} line {nulOnlyLine}: {Input.LineChecks.NulReason}: 4 NUL bytes; no text after them", logs.AllText, StringComparison.Ordinal);
        Assert.Contains($"{path} line {bigBlockLine}: {Input.LineChecks.NulReason}: 102,400 NUL bytes; the text after them was read", logs.AllText, StringComparison.Ordinal);
        Assert.Contains($"{path} line {liveLine}: {Input.LineChecks.NulReason}: 512 NUL bytes; the text after them was read", logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_CorpusBehindOtherDaemonsLines_DetectedAsPostfixAndCounted()
    {
        // The real corpus behind 5,000 cron/kernel/systemd lines (Support/DamagedLogs.cs), followed without
        // --format: detection looks past the other daemons, and the corpus's 178 messages arrive
        // (PostfixCorpusTests.cs: inbound 159, submission 16, outbound 3).
        var database = influx.NewDatabase("combined");
        var path = DamagedLogs.WriteCombinedSyslog(_directory, 5_000);
        var options = DaemonHarness.Options(Checkpoint, path);
        options.ChunkBytes = 1024 * 1024;
        await using var daemon = new DaemonHarness(options, Influx(database), detectFormat: true);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        long messages = -1;
        while (DateTime.UtcNow < deadline && (messages = influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database)) != 178)
        {
            Assert.False(daemon.Run.IsFaulted);
            await Task.Delay(200);
        }

        Assert.Equal(178, messages);
        Assert.Equal(159, influx.Scalar("SELECT sum(messages) FROM mailflow_messages WHERE direction = 'inbound'", database));
        Assert.Equal(3, influx.Scalar("SELECT sum(messages) FROM mailflow_messages WHERE direction = 'outbound'", database));
        await daemon.StopAsync();
        Assert.Equal(0, daemon.Pipeline.Followers[0].Problems);
        Assert.Equal(5_000 + DamagedLogs.CorpusOtherProgramLines, daemon.Pipeline.Followers[0].OtherProgramLines);
    }

    [Fact]
    public async Task Run_SyslogWithoutMailLinesYet_WaitsForTheFirstMailLine()
    {
        // 300 cron/kernel/systemd lines: syslog, but no mail server's line yet. The daemon must not give up on the
        // file (a combined syslog on a quiet mail server); once the corpus is appended, its 178 messages arrive.
        var database = influx.NewDatabase("waiting");
        var path = DamagedLogs.WriteCombinedSyslog(_directory, 300, withCorpus: false);
        var options = DaemonHarness.Options(Checkpoint, path);
        options.ChunkBytes = 1024 * 1024;
        await using var daemon = new DaemonHarness(options, Influx(database), detectFormat: true);
        await Task.Delay(1000); // Many polls of the file as it is.
        Assert.Equal(0, daemon.Pipeline.Followers[0].LinesRead);

        using (var append = new FileStream(path, FileMode.Append))
        using (var corpus = File.OpenRead(MailFlow.Testing.RepoPaths.PostfixCorpus))
        {
            corpus.CopyTo(append);
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        long messages = -1;
        while (DateTime.UtcNow < deadline && (messages = influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database)) != 178)
        {
            Assert.False(daemon.Run.IsFaulted);
            await Task.Delay(200);
        }

        Assert.Equal(178, messages);
    }

    [Fact]
    public async Task Run_RotationByRenameThenCreate_ReadsTheOldFileToItsEndAndTheNewOne()
    {
        var database = influx.NewDatabase("rename");
        var log = NewLog();
        var live = FilePath("mail.log");
        FlowLog.Append(live, log.Sessions(200));
        // The old file must still be open when this daemon stops (it follows mail.log only: once closed, mail.log.1
        // leaves its checkpoint, and the next daemon's glob would take it for a new file): a grace longer than the
        // checks below, whatever the machine's load.
        var options = DaemonHarness.Options(Checkpoint, live);
        options.RotationGrace = TimeSpan.FromSeconds(20);
        await using var daemon = new DaemonHarness(options, Influx(database));
        await AssertTotalsAsync(database, log, daemon.Run);

        File.Move(live, FilePath("mail.log.1"));
        FlowLog.Append(FilePath("mail.log.1"), log.Sessions(50)); // The MTA writes on until it reopens its log.
        FlowLog.Append(live, log.Sessions(120));
        await AssertTotalsAsync(database, log, daemon.Run);

        // Rotated again, with a glob that now matches the rotated names too: nothing is read twice.
        await daemon.StopAsync();
        await using var second = new DaemonHarness(DaemonHarness.Options(Checkpoint, live + "*"), Influx(database));
        File.Move(FilePath("mail.log.1"), FilePath("mail.log.2"));
        File.Move(live, FilePath("mail.log.1"));
        FlowLog.Append(live, log.Sessions(80));
        await AssertTotalsAsync(database, log, second.Run);
        await Task.Delay(1000); // Past the rotation grace: the old files are closed, totals unchanged.
        await AssertTotalsAsync(database, log, second.Run);
    }

    [Fact]
    public async Task Run_CopyTruncate_ReadsTheTruncatedFileFromItsStart()
    {
        var database = influx.NewDatabase("copytruncate");
        var log = NewLog();
        var live = FilePath("mail.log");
        FlowLog.Append(live, log.Sessions(300));
        await using var daemon = new DaemonHarness(DaemonHarness.Options(Checkpoint, live), Influx(database));
        await AssertTotalsAsync(database, log, daemon.Run);

        File.Copy(live, FilePath("mail.log.1"));
        using (var truncate = new FileStream(live, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            truncate.SetLength(0);
        }

        FlowLog.Append(live, log.Sessions(60));
        await AssertTotalsAsync(database, log, daemon.Run);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(40)]
    [InlineData(400)]
    public async Task Run_CopyTruncateWithAGlobMatchingTheCopy_ReadsNothingTwiceAndRecoversTheTail(int delayBeforeRotationMs)
    {
        var database = influx.NewDatabase("copyglob");
        var log = NewLog();
        var live = FilePath("mail.log");
        FlowLog.Append(live, log.Sessions(300));
        await using var daemon = new DaemonHarness(DaemonHarness.Options(Checkpoint, live + "*"), Influx(database));
        await AssertTotalsAsync(database, log, daemon.Run);

        // logrotate's copytruncate: lines arrive, the file is copied to mail.log.1 (which the glob matches), then
        // truncated; whether or not the daemon read the last lines before the copy, each is counted once.
        FlowLog.Append(live, log.Sessions(40));
        await Task.Delay(delayBeforeRotationMs);
        File.Copy(live, FilePath("mail.log.1"));
        using (var truncate = new FileStream(live, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            truncate.SetLength(0);
        }

        FlowLog.Append(live, log.Sessions(30));
        await AssertTotalsAsync(database, log, daemon.Run);
        await Task.Delay(800); // Past the rotation grace: a late double count would show now.
        await AssertTotalsAsync(database, log, daemon.Run);
    }

    [Fact]
    public async Task Run_NewFileMatchingTheGlob_IsPickedUp()
    {
        var database = influx.NewDatabase("newfile");
        var log = NewLog();
        FlowLog.Append(FilePath("mail-20261127.log"), log.Sessions(100));
        await using var daemon = new DaemonHarness(DaemonHarness.Options(Checkpoint, FilePath("mail-*.log")), Influx(database));
        await AssertTotalsAsync(database, log, daemon.Run);

        FlowLog.Append(FilePath("mail-20261128.log"), log.Sessions(100));
        FlowLog.Append(FilePath("mail-20261128.log.gz"), ["not read: compressed rotations are skipped"]);
        await AssertTotalsAsync(database, log, daemon.Run);
    }

    [Fact]
    public async Task Run_InfluxDbDownWhileLinesArrive_WritesTheBacklogWhenItReturns()
    {
        var database = influx.NewDatabase("outage");
        var log = NewLog();
        var path = FilePath("mail.log");
        FlowLog.Append(path, log.Sessions(100));
        await using var daemon = new DaemonHarness(DaemonHarness.Options(Checkpoint, path), Influx(database));
        await AssertTotalsAsync(database, log, daemon.Run);

        influx.Server.Stop();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                FlowLog.Append(path, log.Sessions(200));
                await Task.Delay(400);
            }
        }
        finally
        {
            influx.Server.Start();
        }

        await AssertTotalsAsync(database, log, daemon.Run);
        Assert.True(daemon.Pipeline.Writer.RetryCount > 0);
    }

    [Theory]
    [InlineData("after-write", 1)]
    [InlineData("after-write", 2)]
    [InlineData("after-rollup", 1)]
    [InlineData("after-rollup", 2)]
    [InlineData("after-checkpoint", 1)]
    [InlineData("after-checkpoint", 2)]
    public async Task Run_CrashedAtAnyPointAndRestarted_EndsWithExactTotals(string point, int occurrence)
    {
        var database = influx.NewDatabase("crash");
        var log = NewLog();
        var path = FilePath("mail.log");
        // Several crashes in a row at the same kind of point, sessions cut across each of them.
        for (var round = 0; round < 4; round++)
        {
            await using var daemon = new DaemonHarness(DaemonHarness.Options(Checkpoint, path), Influx(database), crashAt: (point, occurrence));
            // Three appends 300 ms apart (the flush interval is 200 ms): at least three flushes per round.
            var lines = log.Sessions(240);
            var third = lines.Count / 3;
            FlowLog.Append(path, lines.Take(third + 1));
            await Task.Delay(300);
            FlowLog.Append(path, lines.Skip(third + 1).Take(third));
            await Task.Delay(300);
            FlowLog.Append(path, lines.Skip((2 * third) + 1));
            var crashed = await Assert.ThrowsAsync<SimulatedCrashException>(() => daemon.Run.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(point, crashed.Message, StringComparison.Ordinal);
        }

        await using var last = new DaemonHarness(DaemonHarness.Options(Checkpoint, path), Influx(database));
        await AssertTotalsAsync(database, log, last.Run);
    }

    [Fact]
    public async Task Run_EveryCheckpoint_TiersAlreadyEqualTheStoredMinutes()
    {
        var database = influx.NewDatabase("tiers_at_checkpoint");
        var log = NewLog();
        var path = FilePath("mail.log");
        File.WriteAllText(path, "");
        var day = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        await using var daemon = new DaemonHarness(DaemonHarness.Options(Checkpoint, path), Influx(database));
        var checks = 0;
        string? mismatch = null;
        // Right after each checkpoint is saved (on the writer's own thread, nothing else runs meanwhile), the
        // tiers must already hold what the minutes hold: the rollups of a write come before its checkpoint.
        daemon.Pipeline.Coordinator.CrashPoint = point =>
        {
            if (point == "after-checkpoint" && mismatch is null && influx.Scalar("SELECT count(messages) FROM mailflow_peers", database) > 0)
            {
                checks++;
                mismatch = TierCheck.Mismatch(influx, database, day, day.AddDays(1), "");
            }
        };

        for (var i = 0; i < 4; i++)
        {
            FlowLog.Append(path, log.Sessions(100));
            await Task.Delay(400); // Two flush intervals: one flush per append at least.
        }

        await AssertTotalsAsync(database, log, daemon.Run);
        Assert.Null(mismatch);
        Assert.True(checks >= 2, $"{checks} checkpoints checked");
    }

    [Fact]
    public async Task Run_ThreeDaemonsOfDifferentSourcesIntoOneDatabase_EveryTierEqualsItsMinutesPerSourceAndInTotal()
    {
        // One exporter per mail server, all writing the same minutes (same start, same step) into one database,
        // each rolling up after every flush while the others write: no rollup may overwrite another's bucket.
        var database = influx.NewDatabase("three_sources");
        var sources = new[] { "mx1", "mx2", "mx3" };
        var logs = sources.Select(_ => NewLog()).ToArray();
        var paths = sources.Select(s => FilePath(s + ".log")).ToArray();
        foreach (var path in paths)
        {
            File.WriteAllText(path, "");
        }

        var daemons = sources.Select((s, i) => new DaemonHarness(DaemonHarness.Options(FilePath($"state-{s}/checkpoint.json"), paths[i]), Influx(database), source: s)).ToArray();
        try
        {
            for (var round = 0; round < 6; round++)
            {
                for (var i = 0; i < sources.Length; i++)
                {
                    FlowLog.Append(paths[i], logs[i].Sessions(60));
                }

                await Task.Delay(250); // About one flush interval: the daemons flush and roll up concurrently.
            }

            var expected = logs.Sum(l => l.Messages);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline && influx.Scalar("SELECT sum(messages) FROM mailflow_messages", database) != expected)
            {
                Assert.All(daemons, d => Assert.False(d.Run.IsFaulted, d.Run.Exception?.ToString()));
                await Task.Delay(100);
            }

            for (var i = 0; i < sources.Length; i++)
            {
                Assert.Equal(logs[i].Messages, influx.Scalar($"SELECT sum(messages) FROM mailflow_messages WHERE source = '{sources[i]}'", database));
            }

            // Per source (every series carries its source tag) and in total: each tier is its stored minutes.
            var day = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
            await TierCheck.AssertTiersMatchMinutesSoonAsync(influx, database, day, day.AddDays(1));
            Assert.Equal(expected, influx.Scalar("SELECT sum(messages) FROM mailflow_messages_1d", database));
            Assert.Equal(expected, influx.Scalar("SELECT sum(messages) FROM mailflow_tls_1h", database));
            Assert.Equal(sources.Length, influx.Rows("SHOW TAG VALUES FROM mailflow_messages_1d WITH KEY = source", database).Count);
        }
        finally
        {
            foreach (var daemon in daemons)
            {
                await daemon.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Run_RestartedAfterGracefulStop_ContinuesWhereItStopped()
    {
        var database = influx.NewDatabase("restart");
        var log = NewLog();
        var path = FilePath("mail.log");
        FlowLog.Append(path, log.Sessions(100));
        await using (var first = new DaemonHarness(DaemonHarness.Options(Checkpoint, path), Influx(database)))
        {
            await AssertTotalsAsync(database, log, first.Run);
        }

        FlowLog.Append(path, log.Sessions(100)); // Written while the daemon was stopped.
        await using var second = new DaemonHarness(DaemonHarness.Options(Checkpoint, path), Influx(database));
        await AssertTotalsAsync(database, log, second.Run);
    }

    [Fact]
    public async Task Run_StartAtEndWithoutCheckpoint_SkipsExistingLines()
    {
        var database = influx.NewDatabase("startend");
        var old = NewLog();
        var path = FilePath("mail.log");
        FlowLog.Append(path, old.Sessions(100));
        var options = DaemonHarness.Options(Checkpoint, path);
        options.StartAt = StartPosition.End;
        await using var daemon = new DaemonHarness(options, Influx(database));
        await Task.Delay(500);

        var log = new FlowLog(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));
        FlowLog.Append(path, log.Sessions(50));
        await AssertTotalsAsync(database, log, daemon.Run);
    }

    [Fact]
    public async Task Run_TwoGlobsHoursApart_CountsBothExactly()
    {
        var database = influx.NewDatabase("twoglobs");
        // Glob A: many sessions from 08:00; glob B: a few from 11:00, three hours later. With a 15-minute
        // window, B must not close A's minutes while A is still being read.
        var early = NewLog();
        var late = new FlowLog(new DateTimeOffset(2026, 11, 27, 11, 0, 0, TimeSpan.Zero));
        Directory.CreateDirectory(FilePath("a"));
        Directory.CreateDirectory(FilePath("b"));
        FlowLog.Append(FilePath("a/mail.log"), early.Sessions(3000));
        FlowLog.Append(FilePath("b/mail.log"), late.Sessions(20));
        await using var daemon = new DaemonHarness(DaemonHarness.Options(Checkpoint, FilePath("b/mail.log"), FilePath("a/mail.log")), Influx(database));

        await AssertTotalsAsync(database, Combined(early, late), daemon.Run);
        Assert.Equal(0, daemon.Pipeline.Coordinator.LateRecords);
    }

    private static FlowLog Combined(FlowLog a, FlowLog b)
    {
        var combined = new FlowLog(a.Time);
        combined.AddTotals(a);
        combined.AddTotals(b);
        return combined;
    }
}
