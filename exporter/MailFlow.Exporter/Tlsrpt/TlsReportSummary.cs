using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MailFlow.Exporter.Report;
using MailFlow.Questions;

namespace MailFlow.Exporter.Tlsrpt;

/// <summary>Sessions of one day, organisation and policy series, summed over that organisation's reports of the day.</summary>
public sealed record TlsSessionsRow(string Date, string Organization, string PolicyType, string PolicyDomain, string MxHost, long Successful, long Failed, double FailedPercent, int Reports);

/// <summary>Failed sessions of one day, organisation, policy, result type and receiving MX.</summary>
public sealed record TlsFailuresRow(string Date, string Organization, string PolicyType, string PolicyDomain, string ResultType, string ReceivingMx, long Sessions);

/// <summary>Totals of one policy domain over the window.</summary>
public sealed record TlsDomainRow(string PolicyDomain, long Successful, long Failed, double FailedPercent);

/// <summary>Failed sessions of one result type over the window.</summary>
public sealed record TlsResultTypeRow(string ResultType, long Sessions);

/// <summary>Sessions of one policy domain and MX host over the window (<see cref="TlsReportQuestions.FailedShareByPolicyAsync"/>).</summary>
public sealed record TlsPolicyRow(string PolicyDomain, string MxHost, long Successful, long Failed, double FailedPercent);

/// <summary>Sessions one reporting organisation saw over the window.</summary>
public sealed record TlsOrganizationRow(string Organization, long Successful, long Failed, double FailedPercent);

/// <summary>Sessions of one report day of the window (days without reports included).</summary>
public sealed record TlsDayRow(string Date, long Successful, long Failed, double FailedPercent);

/// <summary>An active "Senders report TLS failures reaching &lt;MX&gt;".</summary>
public sealed record TlsInsightRow(string Id, string Title, string PolicyDomain, string MxHost, double FailedPercent, long FailedSessions, long TotalSessions, double ThresholdPercent, string Advice);

/// <summary>What was read.</summary>
public sealed record TlsInputSummary(int Files, int Messages, int MessagesWithoutReport, int Reports, int Duplicates, IReadOnlyList<string> Problems, IReadOnlyList<string> Notes);

/// <summary>The TLS reports in the window, as <c>report --tlsrpt</c> prints them (JSON: docs/report-json.md).</summary>
public sealed record TlsReportSummary(
    string? From,
    string? To,
    IReadOnlyList<TlsSessionsRow> Sessions,
    IReadOnlyList<TlsFailuresRow> Failures,
    IReadOnlyList<TlsDomainRow> Domains,
    IReadOnlyList<TlsResultTypeRow> ResultTypes,
    TlsInputSummary Input,
    IReadOnlyList<TlsPolicyRow> Policies,
    IReadOnlyList<TlsOrganizationRow> Organizations,
    IReadOnlyList<TlsDayRow> Days,
    IReadOnlyList<TlsInsightRow> Insights)
{
    /// <summary>Sums the batch's reports whose day is in [from, to).</summary>
    public static TlsReportSummary Build(TlsReportBatch batch, DateTimeOffset? from, DateTimeOffset? to)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var reports = batch.Reports.Where(r =>
        {
            var day = new DateTimeOffset(r.Report.Day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return (from is null || day >= from.Value.UtcDateTime.Date) && (to is null || day < to);
        }).ToList();
        var sessions = reports
            .SelectMany(r => r.Points.Sessions.Select(p => (Date: Date(r), Point: p, r.Report.ReportId)))
            .GroupBy(x => (x.Date, x.Point.Organization, x.Point.PolicyType, x.Point.PolicyDomain, x.Point.MxHost))
            .Select(g =>
            {
                var ok = g.Sum(x => x.Point.Successful);
                var failed = g.Sum(x => x.Point.Failed);
                return new TlsSessionsRow(g.Key.Date, g.Key.Organization, g.Key.PolicyType, g.Key.PolicyDomain, g.Key.MxHost, ok, failed, Percent(failed, ok + failed), g.Select(x => x.ReportId).Distinct().Count());
            })
            .OrderBy(r => r.Date, StringComparer.Ordinal).ThenBy(r => r.PolicyDomain, StringComparer.Ordinal).ThenBy(r => r.Organization, StringComparer.Ordinal).ThenBy(r => r.PolicyType, StringComparer.Ordinal).ThenBy(r => r.MxHost, StringComparer.Ordinal)
            .ToList();
        var failures = reports
            .SelectMany(r => r.Points.Failures.Select(p => (Date: Date(r), Point: p)))
            .GroupBy(x => (x.Date, x.Point.Organization, x.Point.PolicyType, x.Point.PolicyDomain, x.Point.ResultType, x.Point.ReceivingMx))
            .Select(g => new TlsFailuresRow(g.Key.Date, g.Key.Organization, g.Key.PolicyType, g.Key.PolicyDomain, g.Key.ResultType, g.Key.ReceivingMx, g.Sum(x => x.Point.Sessions)))
            .OrderBy(r => r.Date, StringComparer.Ordinal).ThenBy(r => r.PolicyDomain, StringComparer.Ordinal).ThenBy(r => r.Organization, StringComparer.Ordinal).ThenBy(r => r.ResultType, StringComparer.Ordinal).ThenBy(r => r.ReceivingMx, StringComparer.Ordinal)
            .ToList();

        // The window's totals come from the shared questions (MailFlow.Questions), the ones the query engine asks of
        // InfluxDB for the API and Grafana: computed once, the same everywhere.
        var window = from is null || to is null ? Span(reports) : (From: from.Value, To: to.Value);
        var totals = new BatchTlsReportTotals(reports, from ?? window.From, to ?? window.To);
        var policies = Complete(TlsReportQuestions.FailedShareByPolicyAsync(totals))
            .Select(p => new TlsPolicyRow(p.PolicyDomain, p.MxHost, p.Sessions.Successful, p.Sessions.Failed, Round(p.Sessions.FailedPercent)))
            .ToList();
        var domains = policies.GroupBy(p => p.PolicyDomain)
            .Select(g => new TlsDomainRow(g.Key, g.Sum(p => p.Successful), g.Sum(p => p.Failed), Percent(g.Sum(p => p.Failed), g.Sum(p => p.Successful + p.Failed))))
            .OrderBy(d => d.PolicyDomain, StringComparer.Ordinal).ToList();
        var types = Complete(TlsReportQuestions.FailuresByResultTypeAsync(totals)).Select(t => new TlsResultTypeRow(t.ResultType, t.Sessions)).ToList();
        var organizations = Complete(TlsReportQuestions.FailuresByOrganizationAsync(totals))
            .Select(o => new TlsOrganizationRow(o.Organization, o.Sessions.Successful, o.Sessions.Failed, Round(o.Sessions.FailedPercent)))
            .ToList();
        var days = reports.Count == 0 ? [] : Complete(TlsReportQuestions.FailuresPerDayAsync(totals))
            .Select(d => new TlsDayRow(TlsReportQuestions.Text(d.Day), d.Sessions.Successful, d.Sessions.Failed, Round(d.Sessions.FailedPercent)))
            .ToList();
        var insights = Complete(TlsReportQuestions.InsightsAsync(totals, TlsReportThresholds.Default))
            .Select(i => new TlsInsightRow(i.Id, i.Title, i.PolicyDomain, i.MxHost, Round(i.FailedPercent), i.FailedSessions, i.TotalSessions, i.ThresholdPercent, i.Advice))
            .ToList();
        var input = new TlsInputSummary(batch.Files, batch.Messages, batch.MessagesWithoutReport, reports.Count, batch.Duplicates, batch.Problems, batch.Notes);
        return new TlsReportSummary(from?.ToString("O", CultureInfo.InvariantCulture), to?.ToString("O", CultureInfo.InvariantCulture), sessions, failures, domains, types, input, policies, organizations, days, insights);
    }

    /// <summary>The report days of the reports read, when the window is open: the first day to the day after the last.</summary>
    private static (DateTimeOffset From, DateTimeOffset To) Span(IReadOnlyList<ReadTlsReport> reports) => reports.Count == 0
        ? (DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch)
        : (TlsReportQuestions.Start(reports.Min(r => r.Report.Day)), TlsReportQuestions.Start(reports.Max(r => r.Report.Day).AddDays(1)));

    // The totals are in memory: the questions' tasks have completed when they return.
    private static T Complete<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static double Round(double percent) => Math.Round(percent, 2);

    private static string Date(ReadTlsReport report) => report.Report.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static double Percent(long part, long whole) => whole == 0 ? 0 : Math.Round(100.0 * part / whole, 2);

    /// <summary>Writes the summary as JSON (camelCase members, source-generated serializer).</summary>
    public void WriteJson(Stream output) => JsonSerializer.Serialize(output, this, TlsReportJsonContext.Default.TlsReportSummary);

    /// <summary>One tidy CSV table: <c>section,date,organization,policy_type,policy_domain,mx_host,result_type,receiving_mx,successful,failed,sessions,failed_percent</c>.</summary>
    public void WriteCsv(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var c = CultureInfo.InvariantCulture;
        output.WriteLine("section,date,organization,policy_type,policy_domain,mx_host,result_type,receiving_mx,successful,failed,sessions,failed_percent");
        foreach (var s in Sessions)
        {
            output.WriteLine(string.Join(",", "sessions", s.Date, Csv(s.Organization), s.PolicyType, Csv(s.PolicyDomain), Csv(s.MxHost), "", "", s.Successful.ToString(c), s.Failed.ToString(c), "", s.FailedPercent.ToString("0.##", c)));
        }

        foreach (var f in Failures)
        {
            output.WriteLine(string.Join(",", "failures", f.Date, Csv(f.Organization), f.PolicyType, Csv(f.PolicyDomain), "", Csv(f.ResultType), Csv(f.ReceivingMx), "", "", f.Sessions.ToString(c), ""));
        }
    }

    /// <summary>The terminal tables.</summary>
    public void WriteTable(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var c = CultureInfo.InvariantCulture;
        output.WriteLine("SMTP TLS reports (RFC 8460): what the sending organisations saw" + (From is null && To is null ? "" : $" ({From ?? "start"} to {To ?? "end"})"));
        output.WriteLine();
        output.WriteLine("Sessions per day, reporting organisation and policy");
        var sessions = new TextTable("Date", "Organization", "Policy", "Policy domain", "MX host", "Successful", "Failed", "Failed %");
        foreach (var s in Sessions)
        {
            sessions.Add(s.Date, s.Organization, s.PolicyType, s.PolicyDomain, s.MxHost.Length == 0 ? "-" : s.MxHost, s.Successful.ToString("N0", c), s.Failed.ToString("N0", c), s.FailedPercent.ToString("0.00", c) + "%");
        }

        Write(output, sessions);
        output.WriteLine("Failures by result type and receiving MX");
        var failures = new TextTable("Date", "Organization", "Policy", "Policy domain", "Result type", "Receiving MX", "Sessions");
        foreach (var f in Failures)
        {
            failures.Add(f.Date, f.Organization, f.PolicyType, f.PolicyDomain, f.ResultType, f.ReceivingMx.Length == 0 ? "-" : f.ReceivingMx, f.Sessions.ToString("N0", c));
        }

        Write(output, failures);
        output.WriteLine("Per policy domain");
        var domains = new TextTable("Policy domain", "Successful", "Failed", "Failed %");
        foreach (var d in Domains)
        {
            domains.Add(d.PolicyDomain, d.Successful.ToString("N0", c), d.Failed.ToString("N0", c), d.FailedPercent.ToString("0.00", c) + "%");
        }

        Write(output, domains);
        output.WriteLine("Failures per result type");
        var types = new TextTable("Result type", "Sessions");
        foreach (var t in ResultTypes)
        {
            types.Add(t.ResultType, t.Sessions.ToString("N0", c));
        }

        Write(output, types);
        output.WriteLine("Per policy domain and MX host");
        var policies = new TextTable("Policy domain", "MX host", "Successful", "Failed", "Failed %");
        foreach (var p in Policies)
        {
            policies.Add(p.PolicyDomain, p.MxHost.Length == 0 ? "-" : p.MxHost, p.Successful.ToString("N0", c), p.Failed.ToString("N0", c), p.FailedPercent.ToString("0.00", c) + "%");
        }

        Write(output, policies);
        output.WriteLine("Per reporting organisation");
        var organizations = new TextTable("Organization", "Successful", "Failed", "Failed %");
        foreach (var o in Organizations)
        {
            organizations.Add(o.Organization, o.Successful.ToString("N0", c), o.Failed.ToString("N0", c), o.FailedPercent.ToString("0.00", c) + "%");
        }

        Write(output, organizations);
        output.WriteLine("Per day");
        var days = new TextTable("Date", "Successful", "Failed", "Failed %");
        foreach (var d in Days)
        {
            days.Add(d.Date, d.Successful.ToString("N0", c), d.Failed.ToString("N0", c), d.FailedPercent.ToString("0.00", c) + "%");
        }

        Write(output, days);
        output.WriteLine("Insights");
        var insights = new TextTable("Insight", "Failed %", "Failed", "Sessions", "Threshold %");
        foreach (var i in Insights)
        {
            insights.Add(i.Title, i.FailedPercent.ToString("0.00", c) + "%", i.FailedSessions.ToString("N0", c), i.TotalSessions.ToString("N0", c), i.ThresholdPercent.ToString("0.##", c) + "%");
        }

        Write(output, insights);
        output.WriteLine(string.Create(c, $"Input: {Input.Files:N0} files, {Input.Messages:N0} e-mail messages ({Input.MessagesWithoutReport:N0} without a report), {Input.Reports:N0} reports, {Input.Duplicates:N0} duplicates counted once, {Input.Problems.Count:N0} problems"));
        foreach (var problem in Input.Problems)
        {
            output.WriteLine("  problem: " + problem);
        }

        foreach (var note in Input.Notes)
        {
            output.WriteLine("  note: " + note);
        }
    }

    private static void Write(TextWriter output, TextTable table)
    {
        if (table.Count == 0)
        {
            output.WriteLine("  (none)");
        }
        else
        {
            table.WriteTo(output);
        }

        output.WriteLine();
    }

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

/// <summary>Source-generated JSON for <see cref="TlsReportSummary"/> (no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(TlsReportSummary))]
internal sealed partial class TlsReportJsonContext : JsonSerializerContext;
