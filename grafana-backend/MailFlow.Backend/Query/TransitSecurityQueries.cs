using MailFlow.Questions;

namespace MailFlow.Backend.Query;

/// <summary>A transit-security time series request.</summary>
/// <param name="Filter">Range and filters (<see cref="QueryFilter.Tls"/> is ignored: the security measurement has no TLS version).</param>
/// <param name="Dimension">Series per auth level or per cipher class.</param>
/// <param name="Interval">Wished bucket width; null = chosen from <paramref name="MaxPoints"/> (<see cref="MailFlowQueryEngine.ChooseInterval"/>).</param>
/// <param name="MaxPoints">Most buckets per series (1..10,000).</param>
public sealed record SecurityTimeSeriesRequest(QueryFilter Filter, SecurityDimension Dimension, TimeSpan? Interval = null, int MaxPoints = 1000);

/// <summary>
/// The transit-security questions (<see cref="TransitSecurityQuestions"/>) asked of the engine through
/// <see cref="IMailFlowQueries.AskAsync"/>, with the requests validated as the engine's own: the API and the
/// plugin call these, so they ask the very same questions.
/// </summary>
public static class TransitSecurityQueries
{
    /// <summary>Per direction and connector: messages by auth level and by cipher class.</summary>
    public static Task<TransitSecurityAnswer> GetTransitSecurityAsync(this IMailFlowQueries engine, QueryFilter filter, CancellationToken cancellationToken = default) =>
        engine.AskAsync("transit_security", filter, static (totals, ct) => TransitSecurityQuestions.BreakdownAsync(totals, ct), cancellationToken);

    /// <summary>Per direction only: messages by auth level and by cipher class (no connector is read).</summary>
    public static Task<IReadOnlyList<DirectionSecurity>> GetSecurityDirectionsAsync(this IMailFlowQueries engine, QueryFilter filter, CancellationToken cancellationToken = default) =>
        engine.AskAsync("security_directions", filter, static (totals, ct) => TransitSecurityQuestions.DirectionsAsync(totals, ct), cancellationToken);

    /// <summary>Messages per direction and auth level (or cipher class) per bucket.</summary>
    public static Task<SecurityTimeSeries> GetSecurityTimeSeriesAsync(this IMailFlowQueries engine, SecurityTimeSeriesRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.MaxPoints is < 1 or > QueryLimits.MaxPoints)
        {
            throw Invalid($"max points must be between 1 and {QueryLimits.MaxPoints}, not {request.MaxPoints}");
        }

        if (request.Interval is { } wished && (wished < TimeSpan.Zero || wished > QueryLimits.MaxRange))
        {
            throw Invalid($"interval must be between 0 and {QueryLimits.MaxRange.TotalDays} days");
        }

        return engine.AskAsync("security_timeseries", request.Filter, (totals, ct) =>
        {
            var interval = MailFlowQueryEngine.ChooseInterval(totals.From, totals.To, request.Interval, request.MaxPoints);
            return TransitSecurityQuestions.TimeSeriesAsync(totals, interval, request.Dimension, ct);
        }, cancellationToken);
    }

    /// <summary>Deliveries a TLS policy stopped per recipient domain, reason and connector, busiest first.</summary>
    public static Task<IReadOnlyList<BlockedDomain>> GetBlockedAsync(this IMailFlowQueries engine, QueryFilter filter, int limit, CancellationToken cancellationToken = default)
    {
        CheckLimit(limit);
        return engine.AskAsync("blocked", filter, (totals, ct) => TransitSecurityQuestions.BlockedAsync(totals, limit, ct), cancellationToken);
    }

    /// <summary>Recipient domains that took outbound mail in plaintext, busiest first.</summary>
    public static Task<IReadOnlyList<PlaintextDomain>> GetPlaintextDomainsAsync(this IMailFlowQueries engine, QueryFilter filter, int limit, CancellationToken cancellationToken = default)
    {
        CheckLimit(limit);
        return engine.AskAsync("plaintext_domains", filter, (totals, ct) => TransitSecurityQuestions.PlaintextDomainsAsync(totals, limit, ct), cancellationToken);
    }

    /// <summary>Peers to contact (unverified certificates where they should be verified, weak ciphers), weak ciphers first, then busiest.</summary>
    public static Task<IReadOnlyList<SecurityPeer>> GetSecurityPeersAsync(this IMailFlowQueries engine, QueryFilter filter, int limit, CancellationToken cancellationToken = default)
    {
        CheckLimit(limit);
        return engine.AskAsync("security_peers", filter, (totals, ct) => TransitSecurityQuestions.SecurityPeersAsync(totals, limit, ct), cancellationToken);
    }

    /// <summary>The active transit-security insights (thresholds: <see cref="SecurityQuestionDefaults"/>).</summary>
    public static Task<IReadOnlyList<SecurityInsight>> GetSecurityInsightsAsync(this IMailFlowQueries engine, QueryFilter filter, CancellationToken cancellationToken = default) =>
        engine.AskAsync("security_insights", filter, static (totals, ct) => TransitSecurityQuestions.InsightsAsync(totals, ct), cancellationToken);

    private static void CheckLimit(int limit)
    {
        if (limit is < 1 or > QueryLimits.MaxPeers)
        {
            throw Invalid($"limit must be between 1 and {QueryLimits.MaxPeers}, not {limit}");
        }
    }

    private static MailFlowQueryException Invalid(string message) => new(QueryErrorKind.InvalidArgument, message);
}
