using MailFlow.Questions;

namespace MailFlow.Backend.Query;

/// <summary>
/// The questions the dashboards, the alert rules and the public API ask about mail flow TLS. One engine answers
/// them all (<see cref="MailFlowQueryEngine"/>, InfluxQL over InfluxDB); the Grafana plugin and the gRPC service are
/// thin translations of these calls. Every method validates its request first and throws
/// <see cref="MailFlowQueryException"/> (with a <see cref="QueryErrorKind"/>) for any failure a caller can act on.
/// </summary>
public interface IMailFlowQueries
{
    /// <summary>Messages per direction and TLS version over the range (the "Outbound and inbound mail flow" widget).</summary>
    Task<TlsSummary> GetTlsSummaryAsync(QueryFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Messages and share per direction and TLS version, per interval (the widget's details chart).</summary>
    Task<TlsTimeSeries> GetTlsTimeSeriesAsync(TlsTimeSeriesRequest request, CancellationToken cancellationToken = default);

    /// <summary>Microsoft's Connector report: per day (or whole range) per connector and direction, TLS shares and volume.</summary>
    Task<IReadOnlyList<ConnectorReportRow>> GetConnectorReportAsync(ConnectorReportRequest request, CancellationToken cancellationToken = default);

    /// <summary>Active insights: significant TLS 1.0 on partner/on-premises connectors, plaintext on connectors that force TLS.</summary>
    Task<IReadOnlyList<Insight>> GetInsightsAsync(InsightsRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Remote peers still using plaintext or legacy TLS (none, SSLv3, TLS 1.0, TLS 1.1): one per peer, direction,
    /// connector and version with its mail servers merged, busiest first; the limit applies after merging.
    /// </summary>
    Task<IReadOnlyList<LegacyPeer>> GetLegacyPeersAsync(LegacyPeersRequest request, CancellationToken cancellationToken = default);

    /// <summary>Share of one TLS version (or each) per connector and direction over the range, for alert rules.</summary>
    Task<IReadOnlyList<ConnectorTlsShare>> GetConnectorTlsSharesAsync(ConnectorTlsShareRequest request, CancellationToken cancellationToken = default);

    /// <summary>The connectors seen in the range (name, type, direction, forced TLS, volume), for pickers and variables.</summary>
    Task<IReadOnlyList<KnownConnector>> GetConnectorsAsync(QueryFilter filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// Any question of <see cref="MailFlowQuestions"/> (or a new one) over the totals of <paramref name="filter"/>: the
    /// filter validated, the totals read from InfluxDB, failures translated, telemetry recorded under
    /// <paramref name="kind"/>. A new query type calls this from its entry in the plugin's table instead of adding a
    /// method here; the methods above are the public API's, each one such question.
    /// </summary>
    Task<T> AskAsync<T>(string kind, QueryFilter filter, Func<IMailFlowTotals, CancellationToken, Task<T>> question, CancellationToken cancellationToken = default);

    /// <summary>
    /// A question of <see cref="TlsReportQuestions"/> (SMTP TLS reports, RFC 8460) over the report totals of
    /// <paramref name="filter"/>'s range, validated, read and recorded as <see cref="AskAsync"/> does.
    /// </summary>
    Task<T> AskTlsReportsAsync<T>(string kind, QueryFilter filter, Func<ITlsReportTotals, CancellationToken, Task<T>> question, CancellationToken cancellationToken = default);

    /// <summary>Checks that InfluxDB answers and the database exists (Grafana's "Save &amp; test", gRPC health).</summary>
    Task<HealthReport> CheckHealthAsync(CancellationToken cancellationToken = default);
}
