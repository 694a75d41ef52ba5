using System.Globalization;

namespace MailFlow.Questions;

/// <summary>
/// The totals of SMTP TLS reports (RFC 8460) over one range, per report day (00:00 UTC). A report counts by its
/// day: a day the range touches counts whole (the report's <c>report --tlsrpt</c> window and the engine alike).
/// Rows may repeat keys (several reports of one organisation and day): the questions add them up.
/// </summary>
public interface ITlsReportTotals
{
    /// <summary>Start of the range, inclusive.</summary>
    DateTimeOffset From { get; }

    /// <summary>End of the range, exclusive.</summary>
    DateTimeOffset To { get; }

    /// <summary>Sessions per report day, organisation and policy series (<c>tlsrpt_sessions</c>).</summary>
    Task<IReadOnlyList<TlsSessionsTotal>> TlsSessionsAsync(CancellationToken cancellationToken);

    /// <summary>Failed sessions per report day, organisation, policy, result type and receiving MX (<c>tlsrpt_failures</c>).</summary>
    Task<IReadOnlyList<TlsFailuresTotal>> TlsFailuresAsync(CancellationToken cancellationToken);
}

/// <summary>Sessions of one day, organisation and policy series.</summary>
/// <param name="MxHost">The policy's mx-host entries, sorted and comma-separated ("" when the policy names none).</param>
public readonly record struct TlsSessionsTotal(DateTimeOffset Day, string Organization, string PolicyType, string PolicyDomain, string MxHost, long Successful, long Failed);

/// <summary>Failed sessions of one day, organisation, policy series, result type and receiving MX.</summary>
public readonly record struct TlsFailuresTotal(DateTimeOffset Day, string Organization, string PolicyType, string PolicyDomain, string ResultType, string ReceivingMx, long Sessions);

/// <summary>Successful and failed sessions of one slice, with the failed share.</summary>
public readonly record struct SessionCounts(long Successful, long Failed)
{
    /// <summary>All sessions.</summary>
    public long Total => Successful + Failed;

    /// <summary>Failed sessions in percent of all (0..100; 0 without sessions).</summary>
    public double FailedPercent => Total == 0 ? 0 : 100.0 * Failed / Total;

    /// <summary>The sum of two slices.</summary>
    public SessionCounts Add(long successful, long failed) => new(Successful + successful, Failed + failed);
}

/// <summary>Sessions of one policy domain and MX host over the range, as the sending organisations reported them.</summary>
public sealed record TlsPolicyShare(string PolicyDomain, string MxHost, SessionCounts Sessions);

/// <summary>Failed sessions of one result type over the range.</summary>
public sealed record TlsFailureTypeCount(string ResultType, long Sessions);

/// <summary>Sessions one reporting organisation saw over the range.</summary>
public sealed record TlsOrganizationCount(string Organization, SessionCounts Sessions);

/// <summary>Sessions of one UTC report day (every day of the range, zeros included).</summary>
public sealed record TlsReportDay(DateOnly Day, SessionCounts Sessions);

/// <summary>
/// The questions about SMTP TLS reports, written once over <see cref="ITlsReportTotals"/>: <c>report --tlsrpt</c>
/// asks them of the reports in memory, the query engine (public API, Grafana) of InfluxDB.
/// </summary>
public static class TlsReportQuestions
{
    /// <summary>Failed share per policy domain and MX host, ordered by policy domain then MX host.</summary>
    public static async Task<IReadOnlyList<TlsPolicyShare>> FailedShareByPolicyAsync(ITlsReportTotals totals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(totals);
        var shares = new Dictionary<(string Domain, string Mx), SessionCounts>();
        foreach (var row in await totals.TlsSessionsAsync(cancellationToken).ConfigureAwait(false))
        {
            var key = (row.PolicyDomain, row.MxHost);
            shares[key] = shares.GetValueOrDefault(key).Add(row.Successful, row.Failed);
        }

        return shares
            .Where(s => s.Value.Total > 0)
            .OrderBy(s => s.Key.Domain, StringComparer.Ordinal).ThenBy(s => s.Key.Mx, StringComparer.Ordinal)
            .Select(s => new TlsPolicyShare(s.Key.Domain, s.Key.Mx, s.Value))
            .ToList();
    }

    /// <summary>Failed sessions per result type, most first (then by name).</summary>
    public static async Task<IReadOnlyList<TlsFailureTypeCount>> FailuresByResultTypeAsync(ITlsReportTotals totals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(totals);
        var types = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var row in await totals.TlsFailuresAsync(cancellationToken).ConfigureAwait(false))
        {
            types[row.ResultType] = types.GetValueOrDefault(row.ResultType) + row.Sessions;
        }

        return types
            .Where(t => t.Value > 0)
            .OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => new TlsFailureTypeCount(t.Key, t.Value))
            .ToList();
    }

    /// <summary>Sessions per reporting organisation, most failed first (then by name).</summary>
    public static async Task<IReadOnlyList<TlsOrganizationCount>> FailuresByOrganizationAsync(ITlsReportTotals totals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(totals);
        var organizations = new Dictionary<string, SessionCounts>(StringComparer.Ordinal);
        foreach (var row in await totals.TlsSessionsAsync(cancellationToken).ConfigureAwait(false))
        {
            organizations[row.Organization] = organizations.GetValueOrDefault(row.Organization).Add(row.Successful, row.Failed);
        }

        return organizations
            .Where(o => o.Value.Total > 0)
            .OrderByDescending(o => o.Value.Failed).ThenBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => new TlsOrganizationCount(o.Key, o.Value))
            .ToList();
    }

    /// <summary>Sessions per UTC report day: every day the range touches, days without reports as zeros.</summary>
    public static async Task<IReadOnlyList<TlsReportDay>> FailuresPerDayAsync(ITlsReportTotals totals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(totals);
        var days = new SortedDictionary<DateOnly, SessionCounts>();
        foreach (var row in await totals.TlsSessionsAsync(cancellationToken).ConfigureAwait(false))
        {
            var day = DateOnly.FromDateTime(row.Day.UtcDateTime);
            days[day] = days.GetValueOrDefault(day).Add(row.Successful, row.Failed);
        }

        var (first, end) = Days(totals.From, totals.To);
        for (var day = first; day < end; day = day.AddDays(1))
        {
            days.TryAdd(day, default);
        }

        return days.Select(d => new TlsReportDay(d.Key, d.Value)).ToList();
    }

    /// <summary>The report days of a range: the first day it touches, and the day after the last (exclusive).</summary>
    public static (DateOnly First, DateOnly End) Days(DateTimeOffset from, DateTimeOffset to)
    {
        var first = DateOnly.FromDateTime(from.UtcDateTime);
        var last = to.UtcDateTime;
        var end = DateOnly.FromDateTime(last);
        if (last.TimeOfDay != TimeSpan.Zero)
        {
            end = end.AddDays(1);
        }

        return (first, end < first ? first : end);
    }

    /// <summary>"Senders report TLS failures reaching &lt;MX&gt;" over the range (<see cref="InsightRules.EvaluateTlsReports"/>).</summary>
    public static async Task<IReadOnlyList<TlsReportInsight>> InsightsAsync(ITlsReportTotals totals, TlsReportThresholds thresholds, CancellationToken cancellationToken = default) =>
        InsightRules.EvaluateTlsReports(await FailedShareByPolicyAsync(totals, cancellationToken).ConfigureAwait(false), thresholds);

    /// <summary>The start of a report day as a UTC instant.</summary>
    public static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    /// <summary>A day as the report prints it (yyyy-MM-dd).</summary>
    public static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>The TLS report insight's defaults (docs/tls-reports.md states them).</summary>
public static partial class QuestionDefaults
{
    /// <summary>2 % failed sessions at a policy domain and MX host, as the senders report them, raises the insight (a healthy MX sees next to none).</summary>
    public const double TlsReportFailedSharePercent = 2.0;

    /// <summary>Below 100 reported sessions in the range a policy domain and MX host's share is noise: no insight.</summary>
    public const long TlsReportMinSessions = 100;
}

/// <summary>When "Senders report TLS failures reaching &lt;MX&gt;" becomes active.</summary>
/// <param name="FailedSharePercent">Failed share of the reported sessions (0..100) that raises it.</param>
/// <param name="MinSessions">Reported sessions (successful + failed) needed in the range.</param>
public sealed record TlsReportThresholds(
    double FailedSharePercent = QuestionDefaults.TlsReportFailedSharePercent,
    long MinSessions = QuestionDefaults.TlsReportMinSessions)
{
    /// <summary>The defaults (<see cref="QuestionDefaults"/>).</summary>
    public static TlsReportThresholds Default { get; } = new();

    /// <summary>Why these thresholds cannot be used, or null when they can.</summary>
    public string? Problem() =>
        !(FailedSharePercent is >= 0 and <= 100) || MinSessions < 1
            ? "TLS report thresholds: the failed share must be 0..100 %, minimum sessions >= 1"
            : null;
}

/// <summary>An active "Senders report TLS failures reaching &lt;MX&gt;".</summary>
/// <param name="Id">Always <see cref="InsightRules.TlsReportFailuresId"/>.</param>
/// <param name="Title">"Senders report TLS failures reaching mx1.example.com" (the policy domain when the policy names no MX).</param>
/// <param name="MxHost">The policy's mx-host entries ("" when none).</param>
/// <param name="FailedPercent">Failed share of the reported sessions, 0..100.</param>
/// <param name="ThresholdPercent">The threshold that was reached.</param>
public sealed record TlsReportInsight(string Id, string Title, string PolicyDomain, string MxHost, double FailedPercent, long FailedSessions, long TotalSessions, double ThresholdPercent, string Advice);

public static partial class InsightRules
{
    /// <summary>The id of the TLS report insight.</summary>
    public const string TlsReportFailuresId = "SendersReportTlsFailures";

    private const string TlsReportAdvice = "Sending organisations could not deliver over TLS to this MX: check its certificate (expiry, names), STARTTLS and the MTA-STS policy or TLSA records (see the failures by type).";

    /// <summary>
    /// The policy domains and MX hosts whose failed share reaches the threshold with at least the minimum sessions,
    /// largest share first (then policy domain, MX host).
    /// </summary>
    public static List<TlsReportInsight> EvaluateTlsReports(IEnumerable<TlsPolicyShare> shares, TlsReportThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentNullException.ThrowIfNull(thresholds);
        return shares
            .Where(s => s.Sessions.Total >= thresholds.MinSessions && s.Sessions.Failed > 0 && s.Sessions.FailedPercent >= thresholds.FailedSharePercent)
            .OrderByDescending(s => s.Sessions.FailedPercent).ThenBy(s => s.PolicyDomain, StringComparer.Ordinal).ThenBy(s => s.MxHost, StringComparer.Ordinal)
            .Select(s => new TlsReportInsight(
                TlsReportFailuresId,
                "Senders report TLS failures reaching " + (s.MxHost.Length > 0 ? s.MxHost : s.PolicyDomain),
                s.PolicyDomain,
                s.MxHost,
                s.Sessions.FailedPercent,
                s.Sessions.Failed,
                s.Sessions.Total,
                thresholds.FailedSharePercent,
                TlsReportAdvice))
            .ToList();
    }
}

