using MailFlow.Backend.Plugin.Frames;
using MailFlow.Backend.Query;
using MailFlow.Questions;

namespace MailFlow.Backend.Plugin;

/// <summary>The frames of the SMTP TLS report query types (RFC 8460; docs/grafana-plugin.md, docs/tls-reports.md).</summary>
internal static partial class QueryTypes
{
    /// <summary>tlsrptInsights: the query's thresholdPct and minMessages (minimum sessions) over the defaults, validated.</summary>
    private static TlsReportThresholds TlsReportQueryThresholds(PluginQuery query)
    {
        var thresholds = new TlsReportThresholds(
            query.ThresholdPercent ?? QuestionDefaults.TlsReportFailedSharePercent,
            query.MinMessages ?? QuestionDefaults.TlsReportMinSessions);
        return thresholds.Problem() is { } problem ? throw new MailFlowQueryException(QueryErrorKind.InvalidArgument, problem) : thresholds;
    }

    /// <summary>tlsrptPolicies: failed share per policy domain and MX host as the senders reported it.</summary>
    internal static DataFrame TlsReportPolicies(IReadOnlyList<TlsPolicyShare> shares, string? executed)
    {
        var domain = FrameField.String("policy_domain", new FieldConfig(DisplayName: "Policy domain"));
        var mx = FrameField.String("mx_host", new FieldConfig(DisplayName: "MX host"));
        var successful = FrameField.Int64("successful", FieldConfig.Messages with { DisplayName = "Successful sessions" });
        var failed = FrameField.Int64("failed", FieldConfig.Messages with { DisplayName = "Failed sessions" });
        var percent = FrameField.Float64("failed_pct", FieldConfig.Percent with { DisplayName = "Failed %" });
        foreach (var share in shares)
        {
            domain.Add(share.PolicyDomain);
            mx.Add(share.MxHost);
            successful.Add(share.Sessions.Successful);
            failed.Add(share.Sessions.Failed);
            percent.Add(share.Sessions.FailedPercent);
        }

        return new DataFrame("tlsrptPolicies", FrameMeta.ForTable(executed), domain, mx, successful, failed, percent);
    }

    /// <summary>tlsrptFailureTypes: failed sessions per result type, most first.</summary>
    internal static DataFrame TlsReportFailureTypes(IReadOnlyList<TlsFailureTypeCount> types, string? executed)
    {
        var type = FrameField.String("result_type", new FieldConfig(DisplayName: "Result type"));
        var sessions = FrameField.Int64("sessions", FieldConfig.Messages with { DisplayName = "Failed sessions" });
        foreach (var row in types)
        {
            type.Add(row.ResultType);
            sessions.Add(row.Sessions);
        }

        return new DataFrame("tlsrptFailureTypes", FrameMeta.ForTable(executed), type, sessions);
    }

    /// <summary>tlsrptOrganizations: sessions per reporting organisation, most failed first.</summary>
    internal static DataFrame TlsReportOrganizations(IReadOnlyList<TlsOrganizationCount> organizations, string? executed)
    {
        var organization = FrameField.String("organization", new FieldConfig(DisplayName: "Reporting organisation"));
        var successful = FrameField.Int64("successful", FieldConfig.Messages with { DisplayName = "Successful sessions" });
        var failed = FrameField.Int64("failed", FieldConfig.Messages with { DisplayName = "Failed sessions" });
        var percent = FrameField.Float64("failed_pct", FieldConfig.Percent with { DisplayName = "Failed %" });
        foreach (var row in organizations)
        {
            organization.Add(row.Organization);
            successful.Add(row.Sessions.Successful);
            failed.Add(row.Sessions.Failed);
            percent.Add(row.Sessions.FailedPercent);
        }

        return new DataFrame("tlsrptOrganizations", FrameMeta.ForTable(executed), organization, successful, failed, percent);
    }

    /// <summary>tlsrptDays: one wide time series, a point per UTC report day (days without reports as zeros).</summary>
    internal static DataFrame TlsReportDays(IReadOnlyList<TlsReportDay> days, string? executed)
    {
        var time = FrameField.Time("time");
        var successful = FrameField.Int64("successful", FieldConfig.Messages with { DisplayName = "Successful sessions" });
        var failed = FrameField.Int64("failed", FieldConfig.Messages with { DisplayName = "Failed sessions" });
        var percent = FrameField.Float64("failed_pct", FieldConfig.Percent with { DisplayName = "Failed %" });
        foreach (var day in days)
        {
            time.Add(TlsReportQuestions.Start(day.Day));
            successful.Add(day.Sessions.Successful);
            failed.Add(day.Sessions.Failed);
            percent.Add(day.Sessions.FailedPercent);
        }

        return new DataFrame("tlsrptDays", new FrameMeta("timeseries-wide", 0, 1, executed), time, successful, failed, percent);
    }

    /// <summary>tlsrptInsights: "Senders report TLS failures reaching &lt;MX&gt;", largest share first.</summary>
    internal static DataFrame TlsReportInsights(IReadOnlyList<TlsReportInsight> insights, string? executed)
    {
        var title = FrameField.String("insight");
        var domain = FrameField.String("policy_domain");
        var mx = FrameField.String("mx_host");
        var share = FrameField.Float64("failed_pct", FieldConfig.Percent);
        var failed = FrameField.Int64("failed", FieldConfig.Messages);
        var sessions = FrameField.Int64("sessions", FieldConfig.Messages);
        var threshold = FrameField.Float64("threshold_pct", FieldConfig.Percent);
        var id = FrameField.String("id");
        foreach (var insight in insights)
        {
            title.Add(insight.Title);
            domain.Add(insight.PolicyDomain);
            mx.Add(insight.MxHost);
            share.Add(insight.FailedPercent);
            failed.Add(insight.FailedSessions);
            sessions.Add(insight.TotalSessions);
            threshold.Add(insight.ThresholdPercent);
            id.Add(insight.Id);
        }

        return new DataFrame("tlsrptInsights", FrameMeta.ForTable(executed), title, domain, mx, share, failed, sessions, threshold, id);
    }

    /// <summary>
    /// tlsrptInsightShares: numeric-multi for alert rules, one frame per active "Senders report TLS failures reaching
    /// &lt;MX&gt;" insight, its failed share in percent labelled policy_domain and mx_host (thresholds as tlsrptInsights).
    /// </summary>
    internal static IReadOnlyList<DataFrame> TlsReportInsightShares(IReadOnlyList<TlsReportInsight> insights, string? executed)
    {
        var frames = new List<DataFrame>(insights.Count);
        foreach (var insight in insights)
        {
            var name = $"{insight.PolicyDomain} {insight.MxHost}";
            var share = FrameField.Float64("failed_pct", FieldConfig.Percent with { DisplayName = name })
                .WithLabels(("policy_domain", insight.PolicyDomain), ("mx_host", insight.MxHost));
            share.Add(insight.FailedPercent);
            frames.Add(new DataFrame(name, FrameMeta.ForNumericMulti(executed), share));
        }

        return frames;
    }
}
