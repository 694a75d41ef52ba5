using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MailFlow.Api.V1;
using MailFlow.Backend.Query;
using MailFlow.Questions;

namespace MailFlow.Backend.Api;

/// <summary>The SMTP TLS report methods (RFC 8460): the questions of <see cref="TlsReportQuestions"/>, as the plugin asks them.</summary>
public sealed partial class MailFlowInsightsService
{
    /// <inheritdoc />
    public override Task<GetTlsReportPoliciesResponse> GetTlsReportPolicies(GetTlsReportPoliciesRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var shares = await engine.AskTlsReportsAsync("tlsrpt_policies", ApiMapping.ToFilter(request.Filter, time), static (totals, ct) => TlsReportQuestions.FailedShareByPolicyAsync(totals, ct), context.CancellationToken).ConfigureAwait(false);
            var response = new GetTlsReportPoliciesResponse();
            response.Policies.AddRange(shares.Select(s => new TlsReportPolicy { PolicyDomain = s.PolicyDomain, MxHost = s.MxHost, Sessions = Sessions(s.Sessions) }));
            return response;
        });

    /// <inheritdoc />
    public override Task<GetTlsReportFailureTypesResponse> GetTlsReportFailureTypes(GetTlsReportFailureTypesRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var types = await engine.AskTlsReportsAsync("tlsrpt_failure_types", ApiMapping.ToFilter(request.Filter, time), static (totals, ct) => TlsReportQuestions.FailuresByResultTypeAsync(totals, ct), context.CancellationToken).ConfigureAwait(false);
            var response = new GetTlsReportFailureTypesResponse();
            response.FailureTypes.AddRange(types.Select(t => new TlsReportFailureType { ResultType = t.ResultType, Sessions = t.Sessions }));
            return response;
        });

    /// <inheritdoc />
    public override Task<GetTlsReportOrganizationsResponse> GetTlsReportOrganizations(GetTlsReportOrganizationsRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var organizations = await engine.AskTlsReportsAsync("tlsrpt_organizations", ApiMapping.ToFilter(request.Filter, time), static (totals, ct) => TlsReportQuestions.FailuresByOrganizationAsync(totals, ct), context.CancellationToken).ConfigureAwait(false);
            var response = new GetTlsReportOrganizationsResponse();
            response.Organizations.AddRange(organizations.Select(o => new TlsReportOrganization { Organization = o.Organization, Sessions = Sessions(o.Sessions) }));
            return response;
        });

    /// <inheritdoc />
    public override Task<GetTlsReportDaysResponse> GetTlsReportDays(GetTlsReportDaysRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var days = await engine.AskTlsReportsAsync("tlsrpt_days", ApiMapping.ToFilter(request.Filter, time), static (totals, ct) => TlsReportQuestions.FailuresPerDayAsync(totals, ct), context.CancellationToken).ConfigureAwait(false);
            var response = new GetTlsReportDaysResponse();
            response.Days.AddRange(days.Select(d => new MailFlow.Api.V1.TlsReportDay { Day = Timestamp.FromDateTimeOffset(TlsReportQuestions.Start(d.Day)), Sessions = Sessions(d.Sessions) }));
            return response;
        });

    /// <inheritdoc />
    public override Task<GetTlsReportInsightsResponse> GetTlsReportInsights(GetTlsReportInsightsRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var thresholds = new TlsReportThresholds(
                request.HasFailedSharePercent ? request.FailedSharePercent : QuestionDefaults.TlsReportFailedSharePercent,
                request.HasMinSessions ? request.MinSessions : QuestionDefaults.TlsReportMinSessions);
            if (thresholds.Problem() is { } problem)
            {
                throw new MailFlowQueryException(QueryErrorKind.InvalidArgument, problem);
            }

            var insights = await engine.AskTlsReportsAsync("tlsrpt_insights", ApiMapping.ToFilter(request.Filter, time), (totals, ct) => TlsReportQuestions.InsightsAsync(totals, thresholds, ct), context.CancellationToken).ConfigureAwait(false);
            var response = new GetTlsReportInsightsResponse();
            response.Insights.AddRange(insights.Select(i => new MailFlow.Api.V1.TlsReportInsight
            {
                Id = i.Id,
                Title = i.Title,
                PolicyDomain = i.PolicyDomain,
                MxHost = i.MxHost,
                Sessions = new TlsReportSessions { Successful = i.TotalSessions - i.FailedSessions, Failed = i.FailedSessions, FailedPercent = i.FailedPercent },
                ThresholdPercent = i.ThresholdPercent,
                Advice = i.Advice,
            }));
            return response;
        });

    private static TlsReportSessions Sessions(SessionCounts counts) => new() { Successful = counts.Successful, Failed = counts.Failed, FailedPercent = counts.FailedPercent };
}
