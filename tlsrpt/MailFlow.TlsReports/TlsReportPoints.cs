using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MailFlow.Contracts.Schema;

namespace MailFlow.TlsReports;

/// <summary>One point of <see cref="InfluxSchema.TlsReportSessionsMeasurement"/>: a report's sessions for one policy series.</summary>
public sealed record TlsSessionsPoint(string Organization, string PolicyType, string PolicyDomain, string MxHost, long Successful, long Failed);

/// <summary>One point of <see cref="InfluxSchema.TlsReportFailuresMeasurement"/>: a report's failed sessions of one result type at one MX.</summary>
public sealed record TlsFailuresPoint(string Organization, string PolicyType, string PolicyDomain, string ResultType, string ReceivingMx, long Sessions);

/// <summary>
/// The InfluxDB points of one report, a pure function of the report: the same report gives the same points (same
/// tags, same timestamp), so writing it again overwrites it, while another report of the same day has another
/// timestamp and adds up. Policies of one report with the same tags are summed (a report may list a domain's policy
/// twice when it changed during the day), as are failure details of one result type and MX (one per sending IP).
/// </summary>
public sealed class TlsReportPoints
{
    private TlsReportPoints(TlsReport report, DateTimeOffset time, IReadOnlyList<TlsSessionsPoint> sessions, IReadOnlyList<TlsFailuresPoint> failures)
    {
        Report = report;
        Time = time;
        Sessions = sessions;
        Failures = failures;
    }

    /// <summary>The report.</summary>
    public TlsReport Report { get; }

    /// <summary>The points' timestamp: the report's day (00:00 UTC) plus <see cref="SlotSeconds"/> of it.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>Per policy series.</summary>
    public IReadOnlyList<TlsSessionsPoint> Sessions { get; }

    /// <summary>Per policy series, result type and receiving MX.</summary>
    public IReadOnlyList<TlsFailuresPoint> Failures { get; }

    /// <summary>Lines of line protocol <see cref="ToLineProtocol"/> gives.</summary>
    public int LineCount => Sessions.Count + Failures.Count;

    /// <summary>The points of <paramref name="report"/>.</summary>
    public static TlsReportPoints For(TlsReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var organization = report.OrganizationName;
        var sessions = report.Policies
            .GroupBy(p => (p.PolicyType, p.PolicyDomain, Mx: MxHostTag(p)))
            .Select(g => new TlsSessionsPoint(organization, g.Key.PolicyType, g.Key.PolicyDomain, g.Key.Mx, g.Sum(p => p.SuccessfulSessions), g.Sum(p => p.FailedSessions)))
            .OrderBy(p => p.PolicyType, StringComparer.Ordinal).ThenBy(p => p.PolicyDomain, StringComparer.Ordinal).ThenBy(p => p.MxHost, StringComparer.Ordinal)
            .ToList();
        var failures = report.Policies
            .SelectMany(p => p.FailureDetails.Select(d => (p.PolicyType, p.PolicyDomain, d.ResultType, d.ReceivingMx, d.FailedSessionCount)))
            .GroupBy(f => (f.PolicyType, f.PolicyDomain, f.ResultType, f.ReceivingMx))
            .Select(g => new TlsFailuresPoint(organization, g.Key.PolicyType, g.Key.PolicyDomain, g.Key.ResultType, g.Key.ReceivingMx, g.Sum(f => f.FailedSessionCount)))
            .OrderBy(p => p.PolicyType, StringComparer.Ordinal).ThenBy(p => p.PolicyDomain, StringComparer.Ordinal).ThenBy(p => p.ResultType, StringComparer.Ordinal).ThenBy(p => p.ReceivingMx, StringComparer.Ordinal)
            .ToList();
        var day = new DateTimeOffset(report.Day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return new TlsReportPoints(report, day.AddSeconds(SlotSeconds(report.OrganizationName, report.ReportId)), sessions, failures);
    }

    /// <summary>
    /// The report's second within its day: the first 8 bytes of SHA-256(organisation, newline, report-id) modulo
    /// 86,400. Two reports of one organisation, day and policy series share a second with probability 1/86,400
    /// (then the later written replaces the other: documented in docs/influxdb-export.md).
    /// </summary>
    public static int SlotSeconds(string organization, string reportId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(organization + "\n" + reportId));
        return (int)(BitConverter.ToUInt64(hash, 0) % 86_400UL);
    }

    /// <summary>The <see cref="InfluxSchema.TlsReportTags.MxHost"/> of a policy: its mx-host entries, sorted, comma-separated.</summary>
    public static string MxHostTag(TlsReportPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return string.Join(",", policy.MxHosts.Where(h => h.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
    }

    /// <summary>The points as line protocol, precision seconds, each line ending with <c>\n</c>.</summary>
    public string ToLineProtocol()
    {
        var builder = new StringBuilder();
        var seconds = Time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var reportId = StringField(Report.ReportId);
        foreach (var point in Sessions)
        {
            // Tags in key order (what InfluxDB sorts to anyway); empty values left out.
            builder.Append(InfluxSchema.TlsReportSessionsMeasurement);
            Tag(builder, InfluxSchema.TlsReportTags.MxHost, point.MxHost);
            Tag(builder, InfluxSchema.TlsReportTags.Organization, point.Organization);
            Tag(builder, InfluxSchema.TlsReportTags.PolicyDomain, point.PolicyDomain);
            Tag(builder, InfluxSchema.TlsReportTags.PolicyType, point.PolicyType);
            builder.Append(CultureInfo.InvariantCulture, $" {InfluxSchema.TlsReportFields.Failed}={point.Failed}i,{InfluxSchema.TlsReportFields.ReportId}={reportId},{InfluxSchema.TlsReportFields.Successful}={point.Successful}i {seconds}\n");
        }

        foreach (var point in Failures)
        {
            builder.Append(InfluxSchema.TlsReportFailuresMeasurement);
            Tag(builder, InfluxSchema.TlsReportTags.Organization, point.Organization);
            Tag(builder, InfluxSchema.TlsReportTags.PolicyDomain, point.PolicyDomain);
            Tag(builder, InfluxSchema.TlsReportTags.PolicyType, point.PolicyType);
            Tag(builder, InfluxSchema.TlsReportTags.ReceivingMx, point.ReceivingMx);
            Tag(builder, InfluxSchema.TlsReportTags.ResultType, point.ResultType);
            builder.Append(CultureInfo.InvariantCulture, $" {InfluxSchema.TlsReportFields.ReportId}={reportId},{InfluxSchema.TlsReportFields.Sessions}={point.Sessions}i {seconds}\n");
        }

        return builder.ToString();
    }

    /// <summary>
    /// A tag value as it is stored: control characters become spaces and backslashes <c>/</c> (the exporter's
    /// LineProtocolWriter.NormalizeTagValue rules, stricter for backslashes), at most 256 characters; the query side
    /// filters on values passed through the same function.
    /// </summary>
    public static string NormalizeTagValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(Math.Min(value.Length, 256));
        foreach (var c in value.Length > 256 ? value[..256] : value)
        {
            builder.Append(char.IsControl(c) ? ' ' : c == '\\' ? '/' : c);
        }

        return builder.ToString().Trim();
    }

    private static void Tag(StringBuilder builder, string key, string value)
    {
        var normalized = NormalizeTagValue(value);
        if (normalized.Length == 0)
        {
            return;
        }

        builder.Append(',').Append(key).Append('=');
        foreach (var c in normalized)
        {
            if (c is ',' or '=' or ' ')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }
    }

    private static string StringField(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.Append('"').ToString();
    }
}
