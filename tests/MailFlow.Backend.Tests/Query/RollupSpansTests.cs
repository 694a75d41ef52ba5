using MailFlow.Backend.Query;

namespace MailFlow.Backend.Tests.Query;

/// <summary>How a range is cut into rollup tiers and minutes, and how time-series intervals are rounded to fit them.</summary>
public sealed class RollupSpansTests
{
    private static readonly DateTimeOffset From = new(2026, 3, 2, 10, 7, 30, TimeSpan.Zero);
    private static readonly DateTimeOffset To = new(2026, 3, 5, 13, 42, 0, TimeSpan.Zero);

    [Fact]
    public void Plan_NoGrouping_CoarsestTierInsideMinutesAtTheEdges()
    {
        var spans = Plan(From, To, TimeSpan.Zero);

        // 10:07:30 is not on a 5-minute boundary: minutes up to 10:10, 5-minute blocks up to 11:00, hours up to
        // midnight, the two whole days 03-03 and 03-04, then the same ladder down to 13:42.
        Assert.Equal(
        [
            ("mailflow_messages", At(2, 10, 7, 30), At(2, 10, 10)),
            ("mailflow_messages_5m", At(2, 10, 10), At(2, 11, 0)),
            ("mailflow_messages_1h", At(2, 11, 0), At(3, 0, 0)),
            ("mailflow_messages_1d", At(3, 0, 0), At(5, 0, 0)),
            ("mailflow_messages_1h", At(5, 0, 0), At(5, 13, 0)),
            ("mailflow_messages_5m", At(5, 13, 0), At(5, 13, 40)),
            ("mailflow_messages", At(5, 13, 40), At(5, 13, 42)),
        ], spans);
    }

    [Fact]
    public void Plan_FifteenMinuteBuckets_OnlyTiersThatDivideThem()
    {
        // Hour and day points cannot be split into 15-minute buckets: only the 5-minute tier and minutes fit.
        var spans = Plan(From, To, TimeSpan.FromMinutes(15));

        Assert.Equal(
        [
            ("mailflow_messages", At(2, 10, 7, 30), At(2, 10, 10)),
            ("mailflow_messages_5m", At(2, 10, 10), At(5, 13, 40)),
            ("mailflow_messages", At(5, 13, 40), At(5, 13, 42)),
        ], spans);
    }

    [Fact]
    public void Plan_HourBuckets_NoDailyTier()
    {
        var spans = Plan(From, To, TimeSpan.FromHours(1));

        Assert.Equal(["mailflow_messages", "mailflow_messages_5m", "mailflow_messages_1h", "mailflow_messages_5m", "mailflow_messages"], spans.Select(s => s.Measurement));
        Assert.Equal((At(2, 11, 0), At(5, 13, 0)), (spans[2].From, spans[2].To));
    }

    [Fact]
    public void Plan_NarrowMeasurement_ItsTiersAndItsOwnMinutes()
    {
        var spans = RollupSpans.Plan("mailflow_messages", From.UtcTicks, To.UtcTicks, 0, useRollups: true, tiered: "mailflow_tls");

        Assert.Equal(
            ["mailflow_tls", "mailflow_tls_5m", "mailflow_tls_1h", "mailflow_tls_1d", "mailflow_tls_1h", "mailflow_tls_5m", "mailflow_tls"],
            spans.Select(s => s.Measurement));
    }

    [Fact]
    public void Plan_RollupsOff_OneMinuteSpan()
    {
        var spans = RollupSpans.Plan("mailflow_messages", From.UtcTicks, To.UtcTicks, 0, useRollups: false);

        Assert.Equal([new MeasurementSpan("mailflow_messages", From.UtcTicks, To.UtcTicks, TimeSpan.TicksPerMinute)], spans);
    }

    [Fact]
    public void Plan_ShortRangeInsideOneBlock_MinutesOnly()
    {
        var spans = Plan(At(2, 10, 1), At(2, 10, 4), TimeSpan.Zero);

        Assert.Equal([("mailflow_messages", At(2, 10, 1), At(2, 10, 4))], spans);
    }

    [Theory]
    [InlineData(0, 7, 30, 23, 59, 0)]
    [InlineData(0, 0, 0, 0, 0, 0)]
    [InlineData(3, 23, 55, 4, 0, 5)]
    [InlineData(1, 12, 0, 40, 0, 0)]
    public void Plan_AnyRange_SpansTileItExactly(int fromDay, int fromHour, int fromMinute, int days, int hours, int minutes)
    {
        var from = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(fromDay).AddHours(fromHour).AddMinutes(fromMinute);
        var to = from.AddDays(days).AddHours(hours).AddMinutes(minutes + 1);
        foreach (var granularity in new[] { TimeSpan.Zero, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1), TimeSpan.FromHours(6), TimeSpan.FromDays(1) })
        {
            var spans = RollupSpans.Plan("m", from.UtcTicks, to.UtcTicks, granularity.Ticks, useRollups: true);

            Assert.Equal(from.UtcTicks, spans[0].From);
            Assert.Equal(to.UtcTicks, spans[^1].To);
            for (var i = 1; i < spans.Count; i++)
            {
                Assert.Equal(spans[i - 1].To, spans[i].From);
            }

            foreach (var span in spans.Where(s => s.Measurement != "m"))
            {
                // A tier span starts and ends on its tier's boundaries, and its width divides the grouping.
                var width = span.Measurement switch { "m_5m" => TimeSpan.FromMinutes(5), "m_1h" => TimeSpan.FromHours(1), _ => TimeSpan.FromDays(1) };
                Assert.Equal(0, (span.From - DateTimeOffset.UnixEpoch.UtcTicks) % width.Ticks);
                Assert.Equal(0, (span.To - DateTimeOffset.UnixEpoch.UtcTicks) % width.Ticks);
                Assert.Equal(0, granularity.Ticks % width.Ticks);
            }
        }
    }

    [Theory]
    [InlineData(605, 1000, 15)] // a 1000-pixel panel over 7 days: 10.08 min, next step 15 (672 points)
    [InlineData(600, 1000, 15)] // Grafana's 10 min gives 1,008 points: widened to the next step
    [InlineData(600, 2000, 10)] // ...which fits 2,000
    [InlineData(180, 5000, 5)] // 3 min is not a step: 5
    [InlineData(180, 1000, 15)] // 7 d / 999 = 10.1 min: 15
    [InlineData(420, 5000, 10)] // 7 min -> 10 min
    [InlineData(5_400, 1000, 120)] // 90 min -> 2 h
    [InlineData(90_000, 1000, 2_880)] // 25 h -> 2 days
    public void ChooseInterval_SevenDays_RoundedToTheNextStep(int wishedSeconds, int maxPoints, int expectedMinutes)
    {
        var from = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        var to = from.AddDays(7);

        var interval = MailFlowQueryEngine.ChooseInterval(from, to, TimeSpan.FromSeconds(wishedSeconds), maxPoints);

        Assert.Equal(TimeSpan.FromMinutes(expectedMinutes), interval);
    }

    private static List<(string Measurement, DateTimeOffset From, DateTimeOffset To)> Plan(DateTimeOffset from, DateTimeOffset to, TimeSpan granularity) =>
        RollupSpans.Plan("mailflow_messages", from.UtcTicks, to.UtcTicks, granularity.Ticks, useRollups: true)
            .Select(s => (s.Measurement, new DateTimeOffset(s.From, TimeSpan.Zero), new DateTimeOffset(s.To, TimeSpan.Zero)))
            .ToList();

    private static DateTimeOffset At(int day, int hour, int minute, int second = 0) => new(2026, 3, day, hour, minute, second, TimeSpan.Zero);
}
