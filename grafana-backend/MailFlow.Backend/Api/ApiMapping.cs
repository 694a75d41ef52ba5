using Google.Protobuf.WellKnownTypes;
using MailFlow.Backend.Query;
using V1 = MailFlow.Api.V1;
using Vocabulary = MailFlow.Contracts.Vocabulary;

using MailFlow.Questions;

namespace MailFlow.Backend.Api;

/// <summary>
/// Translations between the public contract (<c>mailflow.v1</c>) and the engine's records. The API enums are the
/// vocabulary enums shifted by one (0 is "unspecified" in protobuf); a test checks every value both ways.
/// </summary>
internal static class ApiMapping
{
    /// <summary>Default range when the caller leaves <c>from</c> unset.</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(24);

    public static QueryFilter ToFilter(V1.Filter? filter, TimeProvider time)
    {
        filter ??= new V1.Filter();
        var to = filter.To is null ? time.GetUtcNow() : ToInstant(filter.To, "filter.to");
        var from = filter.From is null ? to - DefaultRange : ToInstant(filter.From, "filter.from");
        return new QueryFilter
        {
            From = from,
            To = to,
            Direction = filter.Direction == V1.Direction.Unspecified ? null : ToDirection(filter.Direction),
            Connectors = filter.Connectors.ToList(),
            ConnectorType = filter.ConnectorType == V1.ConnectorType.Unspecified ? null : ToConnectorType(filter.ConnectorType),
            Source = string.IsNullOrEmpty(filter.Source) ? null : filter.Source,
            Tls = filter.Tls == V1.TlsVersion.Unspecified ? null : ToTls(filter.Tls),
        };
    }

    public static Vocabulary.Direction ToDirection(V1.Direction direction) =>
        direction is > V1.Direction.Unspecified and <= V1.Direction.Submission
            ? (Vocabulary.Direction)((int)direction - 1)
            : throw Invalid($"unknown direction {(int)direction}");

    public static Vocabulary.ConnectorType ToConnectorType(V1.ConnectorType type) =>
        type is > V1.ConnectorType.Unspecified and <= V1.ConnectorType.Submission
            ? (Vocabulary.ConnectorType)((int)type - 1)
            : throw Invalid($"unknown connector type {(int)type}");

    public static Vocabulary.TlsVersion ToTls(V1.TlsVersion tls) =>
        tls is > V1.TlsVersion.Unspecified and <= V1.TlsVersion.Unknown
            ? (Vocabulary.TlsVersion)((int)tls - 1)
            : throw Invalid($"unknown TLS version {(int)tls}");

    public static V1.Direction ToApi(Vocabulary.Direction direction) => (V1.Direction)((int)direction + 1);

    public static V1.ConnectorType ToApi(Vocabulary.ConnectorType type) => (V1.ConnectorType)((int)type + 1);

    public static V1.TlsVersion ToApi(Vocabulary.TlsVersion tls) => (V1.TlsVersion)((int)tls + 1);

    public static V1.TlsCounts ToApi(TlsCounts counts) => new()
    {
        None = counts.None,
        Ssl3 = counts.Ssl3,
        Tls10 = counts.Tls10,
        Tls11 = counts.Tls11,
        Tls12 = counts.Tls12,
        Tls13 = counts.Tls13,
        Unknown = counts.Unknown,
        Total = counts.Total,
    };

    public static V1.GetTlsSummaryResponse ToApi(TlsSummary summary)
    {
        var response = new V1.GetTlsSummaryResponse();
        foreach (var direction in summary.Directions)
        {
            var item = new V1.DirectionSummary { Direction = ToApi(direction.Direction), Messages = direction.Messages.Total };
            foreach (var version in Vocabulary.TlsVersions.All)
            {
                item.Tls.Add(new V1.TlsShare { Tls = ToApi(version), Messages = direction.Messages[version], Percent = direction.Messages.Percent(version) });
            }

            response.Directions.Add(item);
        }

        return response;
    }

    public static V1.GetTlsTimeSeriesResponse ToApi(TlsTimeSeries series)
    {
        var response = new V1.GetTlsTimeSeriesResponse { Interval = Duration.FromTimeSpan(series.Interval) };
        foreach (var item in series.Series)
        {
            var apiSeries = new V1.TlsSeries { Direction = ToApi(item.Direction), Tls = ToApi(item.Tls) };
            foreach (var point in item.Points)
            {
                apiSeries.Points.Add(new V1.TimeSeriesPoint { Time = Timestamp.FromDateTimeOffset(point.Time), Messages = point.Messages, Percent = point.Percent });
            }

            response.Series.Add(apiSeries);
        }

        return response;
    }

    public static V1.ConnectorReportRow ToApi(ConnectorReportRow row) => new()
    {
        Date = Timestamp.FromDateTimeOffset(row.Date),
        Direction = ToApi(row.Direction),
        Connector = row.Connector,
        ConnectorType = ToApi(row.ConnectorType),
        ForcedTls = row.ForcedTls,
        NonePercent = row.Messages.Percent(Vocabulary.TlsVersion.None),
        Ssl3Percent = row.Messages.Percent(Vocabulary.TlsVersion.Ssl3),
        Tls10Percent = row.Messages.Percent(Vocabulary.TlsVersion.Tls10),
        Tls11Percent = row.Messages.Percent(Vocabulary.TlsVersion.Tls11),
        Tls12Percent = row.Messages.Percent(Vocabulary.TlsVersion.Tls12),
        Tls13Percent = row.Messages.Percent(Vocabulary.TlsVersion.Tls13),
        UnknownPercent = row.Messages.Percent(Vocabulary.TlsVersion.Unknown),
        Messages = row.Messages.Total,
        Counts = ToApi(row.Messages),
    };

    public static V1.Insight ToApi(Insight insight) => new()
    {
        Title = insight.Title,
        Kind = insight.Kind == InsightKind.LegacyTls ? V1.InsightKind.LegacyTls : V1.InsightKind.PlaintextOnForcedTls,
        Severity = insight.Severity == InsightSeverity.Warning ? V1.InsightSeverity.Warning : V1.InsightSeverity.Critical,
        Direction = ToApi(insight.Direction),
        Connector = insight.Connector,
        ConnectorType = ToApi(insight.ConnectorType),
        Tls = ToApi(insight.Tls),
        SharePercent = insight.SharePercent,
        Messages = insight.Messages,
        TotalMessages = insight.TotalMessages,
        ThresholdPercent = insight.ThresholdPercent,
        Id = insight.Id,
        Advice = insight.Advice,
    };

    public static V1.SecurityInsight ToApi(SecurityInsight insight) => new()
    {
        Id = insight.Id,
        Title = insight.Title,
        Kind = ToApi(insight.Kind),
        Severity = insight.Severity == InsightSeverity.Warning ? V1.InsightSeverity.Warning : V1.InsightSeverity.Critical,
        Direction = ToApi(insight.Direction),
        Connector = insight.Connector,
        ConnectorType = ToApi(insight.ConnectorType),
        SharePercent = insight.SharePercent,
        Messages = insight.Messages,
        TotalMessages = insight.TotalMessages,
        ThresholdPercent = insight.ThresholdPercent,
        Advice = insight.Advice,
    };

    public static V1.SecurityInsightKind ToApi(SecurityInsightKind kind) => kind switch
    {
        SecurityInsightKind.PartnerUnverifiedCertificates => V1.SecurityInsightKind.PartnerUnverifiedCertificates,
        SecurityInsightKind.ForcedTlsUnverifiedPeers => V1.SecurityInsightKind.ForcedTlsUnverifiedPeers,
        SecurityInsightKind.WeakCiphers => V1.SecurityInsightKind.WeakCiphers,
        _ => V1.SecurityInsightKind.Unspecified,
    };

    public static V1.LegacyPeer ToApi(LegacyPeer peer) => new()
    {
        Peer = peer.Peer,
        Direction = ToApi(peer.Direction),
        Connector = peer.Connector,
        Tls = ToApi(peer.Tls),
        Messages = peer.Messages,
        LastSeen = Timestamp.FromDateTimeOffset(peer.LastSeen),
        Sources = { peer.Sources },
    };

    public static V1.ConnectorTlsShare ToApi(ConnectorTlsShare share) => new()
    {
        Connector = share.Connector,
        ConnectorType = ToApi(share.ConnectorType),
        Direction = ToApi(share.Direction),
        ForcedTls = share.ForcedTls,
        Tls = ToApi(share.Tls),
        SharePercent = share.SharePercent,
        Messages = share.Messages,
        TotalMessages = share.TotalMessages,
    };

    public static V1.Connector ToApi(KnownConnector connector) => new()
    {
        Name = connector.Name,
        Type = ToApi(connector.Type),
        Direction = ToApi(connector.Direction),
        ForcedTls = connector.ForcedTls,
        Messages = connector.Messages,
    };

    public static V1.SecurityPeer ToApi(SecurityPeer peer) => new()
    {
        Concern = Vocabulary.SecurityConcerns.ToWire(peer.Concern),
        Peer = peer.Peer,
        Direction = ToApi(peer.Direction),
        Connector = peer.Connector,
        ConnectorType = ToApi(peer.ConnectorType),
        Auth = Vocabulary.TransitSecurity.ToWire(peer.Auth),
        Cipher = Vocabulary.TransitSecurity.ToWire(peer.Cipher),
        Messages = peer.Messages,
        LastSeen = Timestamp.FromDateTimeOffset(peer.LastSeen),
        Sources = { peer.Sources },
    };

    private static DateTimeOffset ToInstant(Timestamp timestamp, string field)
    {
        try
        {
            return timestamp.ToDateTimeOffset();
        }
        catch (InvalidOperationException e)
        {
            throw new MailFlowQueryException(QueryErrorKind.InvalidArgument, $"{field} is not a valid timestamp ({e.Message})", e);
        }
    }

    private static MailFlowQueryException Invalid(string message) => new(QueryErrorKind.InvalidArgument, message);
}
