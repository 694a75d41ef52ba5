using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Pipeline;
using MailFlow.Questions;

namespace MailFlow.Exporter.Report;

/// <summary>Turns day-bucketed counts into the report: widget, details per day, connector report, insights, peers.</summary>
public static class ReportBuilder
{
    /// <summary>Days in the default window, ending with the last day that has data (Microsoft shows the last week).</summary>
    public const int DefaultDays = 7;

    /// <param name="batch">Counts bucketed per day (UTC).</param>
    /// <param name="from">Explicit window start, or null for the default window.</param>
    /// <param name="to">Explicit window end (exclusive), or null.</param>
    /// <param name="settings">Insight thresholds.</param>
    public static ReportModel Build(BatchResult batch, DateTimeOffset? from, DateTimeOffset? to, InsightSettings settings)
    {
        var aggregate = batch.Aggregate;
        var window = ChooseWindow(aggregate, from, to);
        var input = new InputSummary(batch.Inputs, aggregate.Records, aggregate.RecordsOutsideWindow, aggregate.Problems);
        if (window is null)
        {
            return new ReportModel(null, Directions.All.ToDictionary(d => d, _ => default(TlsCounts)), [], [], [], [], input, settings);
        }

        // The in-memory totals answer at once: the questions' tasks are complete when they return.
        var totals = new AggregateTotals(aggregate, window);
        var summary = MailFlowQuestions.SummaryAsync(totals).GetAwaiter().GetResult();
        var days = MailFlowQuestions.PerDayAsync(totals).GetAwaiter().GetResult();
        var wholeWindow = MailFlowQuestions.ConnectorReportAsync(totals, perDay: false).GetAwaiter().GetResult();
        var perDay = MailFlowQuestions.ConnectorReportAsync(totals, perDay: true).GetAwaiter().GetResult()
            .ToLookup(r => (r.Direction, r.Connector, r.ConnectorType));
        var insights = MailFlowQuestions.InsightsAsync(totals, settings.ToThresholds(), only: null).GetAwaiter().GetResult();
        var peers = MailFlowQuestions.LegacyPeersAsync(totals, settings.MaxPeers).GetAwaiter().GetResult();

        // The terminal's order: per direction, partners and on-premises before the internet, busiest first.
        var connectorRows = wholeWindow
            .Select(r => new ConnectorRow(r.Connector, r.ConnectorType, r.ForcedTls, r.Direction, r.Messages,
                perDay[(r.Direction, r.Connector, r.ConnectorType)].Select(d => (DateOnly.FromDateTime(d.Date.UtcDateTime), d.Messages)).ToList()))
            .OrderBy(r => r.Direction)
            .ThenBy(r => r.Type == ConnectorType.Internet || r.Type == ConnectorType.Submission ? 1 : 0)
            .ThenByDescending(r => r.Total.Total)
            .ThenBy(r => r.Name, StringComparer.Ordinal)
            .ToList();

        return new ReportModel(
            window,
            Directions.All.ToDictionary(d => d, summary.Of),
            days,
            connectorRows,
            insights,
            peers,
            input,
            settings)
        {
            TransitSecurity = TransitSecurityReport.Build(aggregate, window, settings.MaxPeers),
        };
    }

    private static ReportWindow? ChooseWindow(MailFlowAggregator aggregate, DateTimeOffset? from, DateTimeOffset? to)
    {
        if (aggregate.LastTimestamp is not { } last || aggregate.FirstTimestamp is not { } first)
        {
            return from is not null && to is not null ? new ReportWindow(from.Value, to.Value, true) : null;
        }

        if (from is not null || to is not null)
        {
            return new ReportWindow(from ?? first, to ?? last.AddTicks(1), true);
        }

        var end = last.AddTicks(1);
        var start = new DateTimeOffset(last.UtcDateTime.Date, TimeSpan.Zero).AddDays(-(DefaultDays - 1));
        return new ReportWindow(start > first ? start : new DateTimeOffset(first.UtcDateTime.Date, TimeSpan.Zero), end, false);
    }
}
