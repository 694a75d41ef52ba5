using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Questions;

/// <summary>
/// The one set of defaults of the questions. The report's options (<c>--insight-tls10-percent</c>,
/// <c>--insight-min-messages</c>, <c>--max-peers</c>), the engine, the public API and the plugin's data source
/// settings all start from these; the README and docs/grafana-plugin.md state them.
/// </summary>
public static partial class QuestionDefaults
{
    /// <summary>5 % of a Partner or OnPremises connector's messages over TLS 1.0 (with SSLv3) is "significant".</summary>
    public const double LegacySharePercent = 5.0;

    /// <summary>Below 10 messages in the range, a connector's share is noise: no TLS 1.0 insight.</summary>
    public const long MinMessages = 10;

    /// <summary>One plaintext message on a connector that requires TLS is already a policy breach.</summary>
    public const long PlaintextOnForcedTlsMinMessages = 1;

    /// <summary>Legacy peers listed at most (busiest first, after merging their mail servers).</summary>
    public const int PeerLimit = 50;
}

/// <summary>When insights become active.</summary>
public sealed record InsightThresholds
{
    /// <summary>The defaults (<see cref="QuestionDefaults"/>).</summary>
    public static InsightThresholds Default { get; } = new();

    /// <summary>
    /// A Partner or OnPremises connector whose share of TLS 1.0 (and SSLv3) messages reaches this percentage in the
    /// range raises "... connector seeing significant TLS1.0 mail flow". Default <see cref="QuestionDefaults.LegacySharePercent"/>.
    /// </summary>
    public double LegacySharePercent { get; init; } = QuestionDefaults.LegacySharePercent;

    /// <summary>A connector needs at least this many messages in the range for a legacy insight. Default <see cref="QuestionDefaults.MinMessages"/>.</summary>
    public long MinMessages { get; init; } = QuestionDefaults.MinMessages;

    /// <summary>A connector that forces TLS raises a critical insight from this many plaintext messages. Default <see cref="QuestionDefaults.PlaintextOnForcedTlsMinMessages"/>.</summary>
    public long PlaintextOnForcedTlsMinMessages { get; init; } = QuestionDefaults.PlaintextOnForcedTlsMinMessages;

    /// <summary>Why these thresholds cannot be used, or null when they can.</summary>
    public string? Problem() =>
        !(LegacySharePercent is >= 0 and <= 100) || MinMessages < 0 || PlaintextOnForcedTlsMinMessages < 1
            ? "thresholds: the legacy share must be 0..100 %, minimum messages >= 0, plaintext-on-forced-TLS minimum >= 1"
            : null;
}

/// <summary>
/// The insights Microsoft's Connector report raises, plus plaintext on a connector that requires TLS: one rule set,
/// one set of ids and wording for the report, the API and Grafana.
/// </summary>
public static partial class InsightRules
{
    /// <summary>The plaintext insight's id suffix: <c>InboundPlaintextOnForcedTlsConnector</c>, <c>OutboundPlaintextOnForcedTlsConnector</c>, <c>SubmissionPlaintextOnForcedTlsConnector</c>.</summary>
    public const string PlaintextOnForcedTlsIdSuffix = "PlaintextOnForcedTlsConnector";

    /// <summary>The legacy insight's id suffix: <c>InboundPartnerTls10</c>, <c>OutboundOnPremisesTls10</c>, ...</summary>
    public const string LegacyTlsIdSuffix = "Tls10";

    private const string PlaintextAdvice = "The connector is declared as Forced TLS: check the MTA's TLS enforcement for this peer (Postfix smtpd_tls_security_level / smtp_tls_policy_maps, Exchange RequireTLS).";
    private const string InboundLegacyAdvice = "Ask the partner's mail administrators to enable TLS 1.2 or later on their sending servers (see the legacy peers).";
    private const string OutboundLegacyAdvice = "The receiving servers offer only TLS 1.0: ask them to enable TLS 1.2, or require it on this connector.";

    /// <summary>The stable id of an insight: the direction, then the connector type for the legacy insight, then the kind.</summary>
    public static string Id(InsightKind kind, Direction direction, ConnectorType type) => kind switch
    {
        InsightKind.PlaintextOnForcedTls => Capitalised(direction) + PlaintextOnForcedTlsIdSuffix,
        _ => Capitalised(direction) + type.ToWire() + LegacyTlsIdSuffix,
    };

    /// <summary>
    /// The active insights of connector totals over a range, most urgent first (critical before warning, then the
    /// larger share, then the connector name). <paramref name="only"/> (the filter's TLS version) keeps the
    /// insights about that version: none for plaintext, TLS 1.0 or SSLv3 for the legacy insight.
    /// </summary>
    public static List<Insight> Evaluate(IEnumerable<ConnectorReportRow> rows, InsightThresholds thresholds, TlsVersion? only = null)
    {
        var insights = new List<Insight>();
        foreach (var row in rows)
        {
            var counts = row.Messages;
            var total = counts.Total;
            var direction = Capitalised(row.Direction);
            if (row.ForcedTls && counts.None >= thresholds.PlaintextOnForcedTlsMinMessages && only is null or TlsVersion.None)
            {
                insights.Add(new Insight(
                    Id(InsightKind.PlaintextOnForcedTls, row.Direction, row.ConnectorType),
                    $"{direction} {row.ConnectorType.ToWire()} connector requires TLS but carried plaintext mail",
                    InsightKind.PlaintextOnForcedTls,
                    InsightSeverity.Critical,
                    row.Direction,
                    row.Connector,
                    row.ConnectorType,
                    TlsVersion.None,
                    counts.Percent(TlsVersion.None),
                    counts.None,
                    total,
                    0,
                    PlaintextAdvice));
            }

            if (row.ConnectorType is not (ConnectorType.Partner or ConnectorType.OnPremises) || total < thresholds.MinMessages || only is not (null or TlsVersion.Tls10 or TlsVersion.Ssl3))
            {
                continue;
            }

            var legacy = counts.Legacy;
            var share = total == 0 ? 0 : 100.0 * legacy / total;
            if (legacy > 0 && share >= thresholds.LegacySharePercent)
            {
                insights.Add(new Insight(
                    Id(InsightKind.LegacyTls, row.Direction, row.ConnectorType),
                    $"{direction} {row.ConnectorType.ToWire()} connector seeing significant TLS1.0 mail flow",
                    InsightKind.LegacyTls,
                    InsightSeverity.Warning,
                    row.Direction,
                    row.Connector,
                    row.ConnectorType,
                    TlsVersion.Tls10,
                    share,
                    legacy,
                    total,
                    thresholds.LegacySharePercent,
                    row.Direction == Direction.Inbound ? InboundLegacyAdvice : OutboundLegacyAdvice));
            }
        }

        return insights
            .OrderByDescending(i => i.Severity)
            .ThenByDescending(i => i.SharePercent)
            .ThenBy(i => i.Connector, StringComparer.Ordinal)
            .ThenBy(i => i.Direction)
            .ToList();
    }

    private static string Capitalised(Direction direction)
    {
        var wire = direction.ToWire();
        return char.ToUpperInvariant(wire[0]) + wire[1..];
    }
}
