using Grpc.Core;
using MailFlow.Backend.Query;
using MailFlow.Api.V1;

using MailFlow.Questions;

namespace MailFlow.Backend.Api;

/// <summary>
/// The public gRPC service: a thin translation of <see cref="IMailFlowQueries"/>. Engine failures become status
/// codes whose messages tell the caller what to do (see <see cref="ToStatus"/>).
/// </summary>
public sealed partial class MailFlowInsightsService(IMailFlowQueries engine, TimeProvider time) : MailFlowInsights.MailFlowInsightsBase
{
    /// <summary>Rows returned when the caller leaves <c>limit</c> at 0.</summary>
    public const int DefaultPeerLimit = QuestionDefaults.PeerLimit;

    /// <summary>Buckets returned when the caller leaves <c>max_points</c> at 0.</summary>
    public const int DefaultMaxPoints = 1000;

    /// <inheritdoc />
    public override Task<GetTlsSummaryResponse> GetTlsSummary(GetTlsSummaryRequest request, ServerCallContext context) =>
        Run(async () => ApiMapping.ToApi(await engine.GetTlsSummaryAsync(ApiMapping.ToFilter(request.Filter, time), context.CancellationToken).ConfigureAwait(false)));

    /// <inheritdoc />
    public override Task<GetTlsTimeSeriesResponse> GetTlsTimeSeries(GetTlsTimeSeriesRequest request, ServerCallContext context) =>
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

            var engineRequest = new TlsTimeSeriesRequest(ApiMapping.ToFilter(request.Filter, time), interval, request.MaxPoints == 0 ? DefaultMaxPoints : request.MaxPoints);
            return ApiMapping.ToApi(await engine.GetTlsTimeSeriesAsync(engineRequest, context.CancellationToken).ConfigureAwait(false));
        });

    /// <inheritdoc />
    public override Task<GetConnectorReportResponse> GetConnectorReport(GetConnectorReportRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var rows = await engine.GetConnectorReportAsync(new ConnectorReportRequest(ApiMapping.ToFilter(request.Filter, time), PerDay: !request.WholeRange), context.CancellationToken).ConfigureAwait(false);
            var response = new GetConnectorReportResponse();
            response.Rows.AddRange(rows.Select(ApiMapping.ToApi));
            return response;
        });

    /// <inheritdoc />
    public override Task<GetInsightsResponse> GetInsights(GetInsightsRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var thresholds = new InsightThresholds
            {
                LegacySharePercent = request.HasLegacySharePercent ? request.LegacySharePercent : QuestionDefaults.LegacySharePercent,
                MinMessages = request.HasMinMessages ? request.MinMessages : QuestionDefaults.MinMessages,
                PlaintextOnForcedTlsMinMessages = request.HasPlaintextOnForcedTlsMinMessages ? request.PlaintextOnForcedTlsMinMessages : QuestionDefaults.PlaintextOnForcedTlsMinMessages,
            };
            var insights = await engine.GetInsightsAsync(new InsightsRequest(ApiMapping.ToFilter(request.Filter, time), thresholds), context.CancellationToken).ConfigureAwait(false);
            var response = new GetInsightsResponse();
            response.Insights.AddRange(insights.Select(ApiMapping.ToApi));
            return response;
        });

    /// <inheritdoc />
    public override Task<GetLegacyPeersResponse> GetLegacyPeers(GetLegacyPeersRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var peers = await engine.GetLegacyPeersAsync(new LegacyPeersRequest(ApiMapping.ToFilter(request.Filter, time), request.Limit == 0 ? DefaultPeerLimit : request.Limit), context.CancellationToken).ConfigureAwait(false);
            var response = new GetLegacyPeersResponse();
            response.Peers.AddRange(peers.Select(ApiMapping.ToApi));
            return response;
        });

    /// <inheritdoc />
    public override Task<GetConnectorTlsSharesResponse> GetConnectorTlsShares(GetConnectorTlsSharesRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var shares = await engine.GetConnectorTlsSharesAsync(new ConnectorTlsShareRequest(ApiMapping.ToFilter(request.Filter, time), request.MinMessages == 0 ? 1 : request.MinMessages), context.CancellationToken).ConfigureAwait(false);
            var response = new GetConnectorTlsSharesResponse();
            response.Shares.AddRange(shares.Select(ApiMapping.ToApi));
            return response;
        });

    /// <inheritdoc />
    public override Task<ListConnectorsResponse> ListConnectors(ListConnectorsRequest request, ServerCallContext context) =>
        Run(async () =>
        {
            var connectors = await engine.GetConnectorsAsync(ApiMapping.ToFilter(request.Filter, time), context.CancellationToken).ConfigureAwait(false);
            var response = new ListConnectorsResponse();
            response.Connectors.AddRange(connectors.Select(ApiMapping.ToApi));
            return response;
        });

    /// <summary>The status code for each engine failure; messages are the engine's, which carry no secrets.</summary>
    public static StatusCode ToStatus(QueryErrorKind kind) => kind switch
    {
        QueryErrorKind.InvalidArgument => StatusCode.InvalidArgument,
        QueryErrorKind.Unavailable => StatusCode.Unavailable,
        QueryErrorKind.Timeout => StatusCode.DeadlineExceeded,

        // Both are the server's configuration, not the caller's credentials: the caller cannot fix them by retrying.
        QueryErrorKind.DatabaseMissing => StatusCode.FailedPrecondition,
        QueryErrorKind.AuthRefused => StatusCode.FailedPrecondition,
        _ => StatusCode.Internal,
    };

    private static async Task<T> Run<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (MailFlowQueryException e)
        {
            throw new RpcException(new Status(ToStatus(e.Kind), e.Message));
        }
    }
}
