using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MailFlow.Backend.Query;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;
using V1 = MailFlow.Api.V1;

namespace MailFlow.Backend.Api;

/// <summary>The transit-security methods (issue 13): <see cref="TransitSecurityQueries"/> in the public contract.</summary>
public sealed partial class MailFlowInsightsService
{
    /// <inheritdoc />
    public override Task<V1.GetTransitSecurityResponse> GetTransitSecurity(V1.GetTransitSecurityRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var answer = await engine.GetTransitSecurityAsync(ApiMapping.ToFilter(request.Filter, time), context.CancellationToken).ConfigureAwait(false);
            var response = new V1.GetTransitSecurityResponse();
            response.Directions.AddRange(answer.Directions.Select(d => new V1.DirectionSecurity { Direction = ApiMapping.ToApi(d.Direction), Breakdown = ToApi(d.Messages) }));
            response.Connectors.AddRange(answer.Connectors.Select(c => new V1.ConnectorSecurity
            {
                Connector = c.Connector,
                ConnectorType = ApiMapping.ToApi(c.ConnectorType),
                Direction = ApiMapping.ToApi(c.Direction),
                ForcedTls = c.ForcedTls,
                Breakdown = ToApi(c.Messages),
            }));
            return response;
        });

    /// <inheritdoc />
    public override Task<V1.GetTransitSecurityTimeSeriesResponse> GetTransitSecurityTimeSeries(V1.GetTransitSecurityTimeSeriesRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            TimeSpan? interval = null;
            if (request.Interval is { } wished)
            {
                if (wished.Seconds < 0 || wished.Nanos < 0 || wished.Seconds > (long)QueryLimits.MaxRange.TotalSeconds || wished.Nanos > 999_999_999)
                {
                    throw new MailFlowQueryException(QueryErrorKind.InvalidArgument, $"interval must be between 0 and {QueryLimits.MaxRange.TotalDays} days");
                }

                interval = wished.ToTimeSpan();
            }

            var dimension = request.Dimension switch
            {
                V1.SecurityDimension.Auth => SecurityDimension.Auth,
                V1.SecurityDimension.Cipher => SecurityDimension.Cipher,
                _ => throw new MailFlowQueryException(QueryErrorKind.InvalidArgument, $"unknown dimension {(int)request.Dimension}: use SECURITY_DIMENSION_AUTH or SECURITY_DIMENSION_CIPHER"),
            };
            var engineRequest = new SecurityTimeSeriesRequest(ApiMapping.ToFilter(request.Filter, time), dimension, interval, request.MaxPoints == 0 ? DefaultMaxPoints : request.MaxPoints);
            var answer = await engine.GetSecurityTimeSeriesAsync(engineRequest, context.CancellationToken).ConfigureAwait(false);
            var response = new V1.GetTransitSecurityTimeSeriesResponse { Interval = Duration.FromTimeSpan(answer.Interval) };
            foreach (var series in answer.Series)
            {
                var item = new V1.SecuritySeries { Direction = ApiMapping.ToApi(series.Direction), Level = series.Class };
                item.Points.AddRange(series.Points.Select(p => new V1.TimeSeriesPoint { Time = Timestamp.FromDateTimeOffset(p.Time), Messages = p.Messages, Percent = p.Percent }));
                response.Series.Add(item);
            }

            return response;
        });

    /// <inheritdoc />
    public override Task<V1.GetBlockedDeliveriesResponse> GetBlockedDeliveries(V1.GetBlockedDeliveriesRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var rows = await engine.GetBlockedAsync(ApiMapping.ToFilter(request.Filter, time), request.Limit == 0 ? DefaultPeerLimit : request.Limit, context.CancellationToken).ConfigureAwait(false);
            var response = new V1.GetBlockedDeliveriesResponse();
            response.Blocked.AddRange(rows.Select(b => new V1.BlockedDelivery
            {
                RecipientDomain = b.Domain,
                Reason = b.Reason.ToWire(),
                Connector = b.Connector,
                Deliveries = b.Deliveries,
                LastSeen = Timestamp.FromDateTimeOffset(b.LastSeen),
                Sources = { b.Sources },
            }));
            return response;
        });

    /// <inheritdoc />
    public override Task<V1.GetPlaintextDomainsResponse> GetPlaintextDomains(V1.GetPlaintextDomainsRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var rows = await engine.GetPlaintextDomainsAsync(ApiMapping.ToFilter(request.Filter, time), request.Limit == 0 ? DefaultPeerLimit : request.Limit, context.CancellationToken).ConfigureAwait(false);
            var response = new V1.GetPlaintextDomainsResponse();
            response.Domains.AddRange(rows.Select(d => new V1.PlaintextDomain
            {
                RecipientDomain = d.Domain,
                Messages = d.Messages,
                LastSeen = Timestamp.FromDateTimeOffset(d.LastSeen),
                Sources = { d.Sources },
            }));
            return response;
        });

    /// <inheritdoc />
    public override Task<V1.GetSecurityInsightsResponse> GetSecurityInsights(V1.GetSecurityInsightsRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var insights = await engine.GetSecurityInsightsAsync(ApiMapping.ToFilter(request.Filter, time), context.CancellationToken).ConfigureAwait(false);
            var response = new V1.GetSecurityInsightsResponse();
            response.Insights.AddRange(insights.Select(ApiMapping.ToApi));
            return response;
        });

    /// <inheritdoc />
    public override Task<V1.GetSecurityPeersResponse> GetSecurityPeers(V1.GetSecurityPeersRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var rows = await engine.GetSecurityPeersAsync(ApiMapping.ToFilter(request.Filter, time), request.Limit == 0 ? DefaultPeerLimit : request.Limit, context.CancellationToken).ConfigureAwait(false);
            var response = new V1.GetSecurityPeersResponse();
            response.Peers.AddRange(rows.Select(ApiMapping.ToApi));
            return response;
        });

    private static V1.SecurityBreakdown ToApi(SecurityCounts counts)
    {
        var breakdown = new V1.SecurityBreakdown { Messages = counts.Messages };
        breakdown.Auth.AddRange(TransitSecurity.AuthLevels.Select(a => new V1.SecurityShare { Level = a.ToWire(), Messages = counts[a], Percent = counts.Percent(a) }));
        breakdown.Cipher.AddRange(TransitSecurity.CipherClasses.Select(c => new V1.SecurityShare { Level = c.ToWire(), Messages = counts[c], Percent = counts.Percent(c) }));
        return breakdown;
    }
}
