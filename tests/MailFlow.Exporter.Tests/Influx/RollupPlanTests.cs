using MailFlow.Exporter.Rollups;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Tests.Influx.Support;

namespace MailFlow.Exporter.Tests.Influx;

/// <summary>Which buckets are recomputed, and the statements sent for them (their effect is tested against influxd in RollupTests).</summary>
public sealed class RollupPlanTests
{
    private static DateTimeOffset T(int day, int hour, int minute) => new(2026, 11, day, hour, minute, 0, TimeSpan.Zero);

    private static RollupSpan S(DateTimeOffset from, DateTimeOffset to) => new(from, to);

    [Fact]
    public void ForMinutes_ScatteredMinutes_AlignedSpansNoLongerThanAChunkPerTier()
    {
        // 08:03 and 08:04 share the 08:00 five minutes; 08:07 is in 08:05; 09:01 in 09:00; the next midnight in
        // its own; two days later 10:00 cannot join a 5m span started on the 25th (more than a day).
        DateTimeOffset[] minutes = [T(25, 8, 4), T(25, 8, 3), T(25, 8, 7), T(25, 9, 1), T(26, 0, 0), T(27, 10, 0)];

        var plan = RollupPlan.ForMinutes(minutes, ["mx1"]);

        Assert.Equal(["_5m", "_1h", "_1d"], plan.Select(s => s.Tier.Suffix));
        Assert.Equal(["", "_5m", "_1h"], plan.Select(s => s.SourceSuffix));
        Assert.Equal([S(T(25, 8, 0), T(26, 0, 5)), S(T(27, 10, 0), T(27, 10, 5))], plan[0].Spans);
        Assert.Equal([S(T(25, 8, 0), T(27, 11, 0))], plan[1].Spans);
        Assert.Equal([S(T(25, 0, 0), T(28, 0, 0))], plan[2].Spans);
    }

    [Fact]
    public void ForMinutes_TwoAndAHalfDaysOfMinutes_FiveMinuteTierCutIntoDays()
    {
        var minutes = Enumerable.Range(0, (int)TimeSpan.FromHours(60).TotalMinutes).Select(m => T(25, 0, 0).AddMinutes(m));

        var plan = RollupPlan.ForMinutes(minutes, ["mx1"]);

        Assert.Equal([S(T(25, 0, 0), T(26, 0, 0)), S(T(26, 0, 0), T(27, 0, 0)), S(T(27, 0, 0), T(27, 12, 0))], plan[0].Spans);
        Assert.Equal([S(T(25, 0, 0), T(27, 12, 0))], plan[1].Spans);
        Assert.Equal([S(T(25, 0, 0), T(28, 0, 0))], plan[2].Spans);
    }

    [Theory]
    [InlineData("2026-11-20T08:07:00Z", "2026-11-22T00:01:00Z", "2026-11-23T00:00:00Z")]
    [InlineData("2026-11-20T00:00:00Z", "2026-11-22T00:00:00Z", "2026-11-22T00:00:00Z")]
    [InlineData("2026-11-20T23:00:00-02:00", "2026-11-21T05:00:00Z", "2026-11-22T00:00:00Z")] // 23:00-02:00 is the 21st at 01:00 UTC.
    public void ForRange_AnyBounds_EveryTierWidenedToWholeUtcDays(string from, string to, string expectedEnd)
    {
        var start = DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture);
        var end = DateTimeOffset.Parse(expectedEnd, System.Globalization.CultureInfo.InvariantCulture);
        var expectedStart = new DateTimeOffset(start.UtcDateTime.Date, TimeSpan.Zero);

        var plan = RollupPlan.ForRange(start, DateTimeOffset.Parse(to, System.Globalization.CultureInfo.InvariantCulture));

        foreach (var step in plan)
        {
            Assert.Equal(expectedStart, step.Spans[0].From);
            Assert.Equal(end, step.Spans[^1].To);
            // Contiguous, no longer than a chunk each.
            Assert.All(step.Spans.Zip(step.Spans.Skip(1)), pair => Assert.Equal(pair.First.To, pair.Second.From));
            Assert.All(step.Spans, s => Assert.True(s.To - s.From <= RollupPlan.MaxChunk(step.Tier)));
        }

        Assert.Equal((int)(end - expectedStart).TotalDays, plan[0].Spans.Count); // 5m: one statement per day.
    }

    [Fact]
    public async Task WriteRollupsAsync_NoMinutes_DoesNothingNotEvenConnect()
    {
        // Nothing listens on port 1: connecting would fail after retries.
        using var writer = new InfluxPointWriter(new InfluxOptions { Url = "http://127.0.0.1:1", RetryFor = TimeSpan.Zero });

        Assert.Equal(0, await writer.WriteRollupsAsync(Array.Empty<DateTimeOffset>(), Array.Empty<string>(), CancellationToken.None));
        Assert.Null(writer.Target);
    }

    [Fact]
    public void InfluxQl_RetentionPolicy_QualifiedSourceAndTargetPerMeasurementTlsFromTheMessages()
    {
        // 2026-11-27T08:00Z is 1795766400 s since the epoch; nanoseconds in InfluxQL.
        var step = RollupPlan.ForMinutes([T(27, 8, 3)], [])[0]; // No sources named: every source.

        var text = string.Join("; ", RollupQueries.InfluxQlStatements(step, step.Spans, "mail\"db", "weekly"));

        Assert.Equal(
            "SELECT SUM(\"messages\") AS \"messages\", SUM(\"recipients\") AS \"recipients\", SUM(\"bytes\") AS \"bytes\" INTO \"mail\\\"db\".\"weekly\".\"mailflow_messages_5m\" FROM \"mail\\\"db\".\"weekly\".\"mailflow_messages\" WHERE time >= 1795766400000000000 AND time < 1795766700000000000 GROUP BY time(5m), * fill(none); "
            + "SELECT SUM(\"messages\") AS \"messages\", SUM(\"recipients\") AS \"recipients\", SUM(\"bytes\") AS \"bytes\", MAX(\"last_seen\") AS \"last_seen\" INTO \"mail\\\"db\".\"weekly\".\"mailflow_peers_5m\" FROM \"mail\\\"db\".\"weekly\".\"mailflow_peers\" WHERE time >= 1795766400000000000 AND time < 1795766700000000000 GROUP BY time(5m), * fill(none); "
            + "SELECT SUM(\"messages\") AS \"messages\", SUM(\"recipients\") AS \"recipients\", SUM(\"bytes\") AS \"bytes\" INTO \"mail\\\"db\".\"weekly\".\"mailflow_tls\" FROM \"mail\\\"db\".\"weekly\".\"mailflow_messages\" WHERE time >= 1795766400000000000 AND time < 1795766700000000000 GROUP BY time(1m), \"direction\", \"connector_type\", \"tls\", \"source\" fill(none); "
            + "SELECT SUM(\"messages\") AS \"messages\", SUM(\"recipients\") AS \"recipients\", SUM(\"bytes\") AS \"bytes\" INTO \"mail\\\"db\".\"weekly\".\"mailflow_tls_5m\" FROM \"mail\\\"db\".\"weekly\".\"mailflow_messages\" WHERE time >= 1795766400000000000 AND time < 1795766700000000000 GROUP BY time(5m), \"direction\", \"connector_type\", \"tls\", \"source\" fill(none); "
            + "SELECT SUM(\"messages\") AS \"messages\", SUM(\"recipients\") AS \"recipients\", SUM(\"bytes\") AS \"bytes\" INTO \"mail\\\"db\".\"weekly\".\"mailflow_security_5m\" FROM \"mail\\\"db\".\"weekly\".\"mailflow_security\" WHERE time >= 1795766400000000000 AND time < 1795766700000000000 GROUP BY time(5m), * fill(none); "
            + "SELECT SUM(\"messages\") AS \"messages\", SUM(\"recipients\") AS \"recipients\", SUM(\"bytes\") AS \"bytes\", MAX(\"last_seen\") AS \"last_seen\" INTO \"mail\\\"db\".\"weekly\".\"mailflow_blocked_5m\" FROM \"mail\\\"db\".\"weekly\".\"mailflow_blocked\" WHERE time >= 1795766400000000000 AND time < 1795766700000000000 GROUP BY time(5m), * fill(none); "
            + "SELECT SUM(\"messages\") AS \"messages\", SUM(\"recipients\") AS \"recipients\", SUM(\"bytes\") AS \"bytes\", MAX(\"last_seen\") AS \"last_seen\" INTO \"mail\\\"db\".\"weekly\".\"mailflow_security_peers_5m\" FROM \"mail\\\"db\".\"weekly\".\"mailflow_security_peers\" WHERE time >= 1795766400000000000 AND time < 1795766700000000000 GROUP BY time(5m), * fill(none); "
            + "SELECT SUM(\"messages\") AS \"messages\", SUM(\"recipients\") AS \"recipients\", SUM(\"bytes\") AS \"bytes\" INTO \"mail\\\"db\".\"weekly\".\"mailflow_security_narrow\" FROM \"mail\\\"db\".\"weekly\".\"mailflow_security\" WHERE time >= 1795766400000000000 AND time < 1795766700000000000 GROUP BY time(1m), \"direction\", \"connector_type\", \"auth\", \"cipher\", \"source\" fill(none); "
            + "SELECT SUM(\"messages\") AS \"messages\", SUM(\"recipients\") AS \"recipients\", SUM(\"bytes\") AS \"bytes\" INTO \"mail\\\"db\".\"weekly\".\"mailflow_security_narrow_5m\" FROM \"mail\\\"db\".\"weekly\".\"mailflow_security\" WHERE time >= 1795766400000000000 AND time < 1795766700000000000 GROUP BY time(5m), \"direction\", \"connector_type\", \"auth\", \"cipher\", \"source\" fill(none)",
            text);
    }

    [Fact]
    public void InfluxQl_Sources_EveryStatementReadsOnlyThoseSourcesWithQuotesEscaped()
    {
        // Two exporters share a database: each recomputes only its own series. "" is a source-less series,
        // which InfluxQL matches with = ''.
        var step = RollupPlan.ForMinutes([T(27, 8, 3), T(27, 8, 4)], ["mx2", "o'brien\\mx", "mx2", ""])[0];

        var statements = RollupQueries.InfluxQlStatements(step, step.Spans, "mail", null);

        Assert.Equal(["", "mx2", "o'brien\\mx"], step.Sources); // Distinct, ordered.
        Assert.Equal(9, statements.Count); // messages, peers, tls minutes, tls 5m, security, blocked, security peers, security narrow minutes and 5m.
        Assert.All(statements, statement => Assert.Contains(
            "WHERE (\"source\" = '' OR \"source\" = 'mx2' OR \"source\" = 'o\\'brien\\\\mx') AND time >= 1795766400000000000 AND time < 1795766700000000000 GROUP BY",
            statement,
            StringComparison.Ordinal));
    }

    [Fact]
    public void Flux_Sources_EveryPipelineFiltersThoseSources()
    {
        var step = RollupPlan.ForMinutes([T(27, 8, 3)], ["mx2", ""])[0];

        var flux = RollupQueries.Flux(step, step.Spans, "mail", "org");

        var filters = flux.Split('\n').Where(line => line.Contains("|> filter(fn: (r) => r._measurement", StringComparison.Ordinal)).ToList();
        Assert.Equal(12, filters.Count); // messages, peers (sum and max), tls minutes, tls 5m, security, blocked (sum and max), security peers (sum and max), security narrow minutes and 5m.
        Assert.All(filters, line => Assert.EndsWith(" and (not exists r.source or r.source == \"mx2\"))", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WriteRollupsAsync_V1QueryAnswers503Twice_RetriedThenCounted()
    {
        // influxd overloaded: 503 twice, then the documented answer of SELECT ... INTO (one result per statement).
        var calls = 0;
        const string Written = "{\"results\":[{\"statement_id\":0,\"series\":[{\"name\":\"result\",\"columns\":[\"time\",\"written\"],\"values\":[[\"1970-01-01T00:00:00Z\",4]]}]},"
            + "{\"statement_id\":1,\"series\":[{\"name\":\"result\",\"columns\":[\"time\",\"written\"],\"values\":[[\"1970-01-01T00:00:00Z\",1]]}]}]}";
        using var server = new RecordingHttpServer(request => request.Path == "/query" && Interlocked.Increment(ref calls) <= 2
            ? (503, new Dictionary<string, string>(), "{\"error\":\"overloaded\"}")
            : (200, new Dictionary<string, string>(), Written));
        using var writer = new InfluxPointWriter(new InfluxOptions { Url = server.Url, Api = InfluxApi.V1, Database = "mail", CreateDatabase = false }) { RetryBaseDelay = TimeSpan.FromMilliseconds(10) };

        var written = await writer.WriteRollupsAsync([T(27, 8, 3)], ["mx1"], CancellationToken.None);

        Assert.Equal(2, writer.RetryCount);
        Assert.Equal(3 * 5, written); // Three tiers, 4 + 1 points each in this answer (a third statement result is not needed to count).
        var queries = server.Requests.Where(r => r.Path == "/query").ToList();
        Assert.Equal(5, queries.Count); // 2 refused + one per tier.
        Assert.All(queries, q => Assert.Contains("db=mail", q.Body, StringComparison.Ordinal));
        Assert.Contains("INTO+%22mailflow_messages_1d%22+FROM+%22mailflow_messages_1h%22", queries[^1].Body, StringComparison.Ordinal);
    }
}
