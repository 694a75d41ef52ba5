using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Questions;

/// <summary>Thresholds and minimum volumes of the transit-security insights (<see cref="SecurityInsightRules"/>).</summary>
public static class SecurityQuestionDefaults
{
    /// <summary>
    /// "Outbound Partner connector delivering to unverified certificates": 5 % of the connector's messages delivered
    /// to an <c>untrusted</c> or <c>anonymous</c> peer (unknown is never counted: not logged is not unverified).
    /// </summary>
    public const double UnverifiedSharePercent = 5.0;

    /// <summary>Below 10 messages in the range a Partner connector's share is noise (as <see cref="QuestionDefaults.MinMessages"/>).</summary>
    public const long UnverifiedMinMessages = QuestionDefaults.MinMessages;

    /// <summary>
    /// "Forced TLS connector with unverified peers": one outbound message on a Forced TLS connector to an untrusted or
    /// anonymous peer already defeats the point of forcing TLS (an interceptor can present any certificate).
    /// </summary>
    public const long ForcedTlsUnverifiedMinMessages = 1;

    /// <summary>"Weak ciphers on a Partner or OnPremises connector": 1 % of the connector's messages with a weak cipher...</summary>
    public const double WeakCipherSharePercent = 1.0;

    /// <summary>... of at least 10 messages in the range.</summary>
    public const long WeakCipherMinMessages = QuestionDefaults.MinMessages;
}

/// <summary>Which transit-security insight.</summary>
public enum SecurityInsightKind
{
    /// <summary>An outbound Partner connector delivering to unverified certificates.</summary>
    PartnerUnverifiedCertificates = 0,

    /// <summary>An outbound Forced TLS connector with unverified peers.</summary>
    ForcedTlsUnverifiedPeers = 1,

    /// <summary>Weak ciphers on a Partner or OnPremises connector.</summary>
    WeakCiphers = 2,
}

/// <summary>An active transit-security insight on one connector and direction over the range.</summary>
/// <param name="Id">Stable identifier: <c>OutboundPartnerUnverifiedCertificates</c>, <c>OutboundForcedTlsUnverifiedPeers</c>, <c>{Direction}{Type}WeakCiphers</c>.</param>
/// <param name="Messages">The messages that raised it (untrusted + anonymous, or weak).</param>
/// <param name="ThresholdPercent">The share threshold reached (0 for the Forced TLS insight, which counts messages).</param>
public sealed record SecurityInsight(
    string Id,
    string Title,
    SecurityInsightKind Kind,
    InsightSeverity Severity,
    Direction Direction,
    string Connector,
    ConnectorType ConnectorType,
    double SharePercent,
    long Messages,
    long TotalMessages,
    double ThresholdPercent,
    string Advice)
{
    /// <summary>"critical" or "warning".</summary>
    public string SeverityWire => Severity == InsightSeverity.Critical ? "critical" : "warning";
}

/// <summary>
/// The transit-security insights over the per-connector breakdown (<see cref="TransitSecurityQuestions.BreakdownAsync"/>),
/// with the thresholds of <see cref="SecurityQuestionDefaults"/>: critical first, then the larger share.
/// </summary>
public static class SecurityInsightRules
{
    private const string UnverifiedAdvice = "Deliveries to this partner are not authenticated: require a verified certificate (Postfix smtp_tls_policy_maps 'secure' or 'dane-only', MTA-STS, Exchange TlsAuthLevel DomainValidation) once the partner's certificate is fixed.";
    private const string ForcedUnverifiedAdvice = "The connector forces TLS but accepts any certificate: an interceptor can present its own. Raise it to verify (Postfix 'verify'/'secure', Exchange TlsAuthLevel CertificateValidation or DomainValidation).";
    private const string WeakAdvice = "Disable RC4, 3DES, EXPORT and NULL suites on this connector (Postfix smtp(d)_tls_exclude_ciphers / tls_medium_cipherlist, Exchange/Schannel cipher order) and ask the peer to do the same.";

    /// <summary>The active transit-security insights.</summary>
    public static List<SecurityInsight> Evaluate(IEnumerable<ConnectorSecurity> connectors)
    {
        var insights = new List<SecurityInsight>();
        foreach (var row in connectors)
        {
            var counts = row.Messages;
            var total = counts.Messages;
            var unverified = counts[TransitAuth.Untrusted] + counts[TransitAuth.Anonymous];
            var unverifiedShare = total == 0 ? 0 : 100.0 * unverified / total;
            if (row.Direction == Direction.Outbound && row.ConnectorType == ConnectorType.Partner && total >= SecurityQuestionDefaults.UnverifiedMinMessages
                && unverified > 0 && unverifiedShare >= SecurityQuestionDefaults.UnverifiedSharePercent)
            {
                insights.Add(new SecurityInsight(
                    "OutboundPartnerUnverifiedCertificates", "Outbound Partner connector delivering to unverified certificates", SecurityInsightKind.PartnerUnverifiedCertificates,
                    InsightSeverity.Warning, row.Direction, row.Connector, row.ConnectorType, unverifiedShare, unverified, total, SecurityQuestionDefaults.UnverifiedSharePercent, UnverifiedAdvice));
            }

            // Outbound only: inbound clients rarely present a certificate, so "anonymous" is normal there.
            if (row.Direction == Direction.Outbound && row.ForcedTls && unverified >= SecurityQuestionDefaults.ForcedTlsUnverifiedMinMessages)
            {
                insights.Add(new SecurityInsight(
                    "OutboundForcedTlsUnverifiedPeers", "Forced TLS connector with unverified peers", SecurityInsightKind.ForcedTlsUnverifiedPeers,
                    InsightSeverity.Critical, row.Direction, row.Connector, row.ConnectorType, unverifiedShare, unverified, total, 0, ForcedUnverifiedAdvice));
            }

            var weak = counts[CipherClass.Weak];
            var weakShare = total == 0 ? 0 : 100.0 * weak / total;
            if (row.ConnectorType is ConnectorType.Partner or ConnectorType.OnPremises && total >= SecurityQuestionDefaults.WeakCipherMinMessages
                && weak > 0 && weakShare >= SecurityQuestionDefaults.WeakCipherSharePercent)
            {
                var direction = row.Direction.ToWire();
                insights.Add(new SecurityInsight(
                    char.ToUpperInvariant(direction[0]) + direction[1..] + row.ConnectorType.ToWire() + "WeakCiphers", $"Weak ciphers on a {row.ConnectorType.ToWire()} connector",
                    SecurityInsightKind.WeakCiphers, InsightSeverity.Warning, row.Direction, row.Connector, row.ConnectorType, weakShare, weak, total, SecurityQuestionDefaults.WeakCipherSharePercent, WeakAdvice));
            }
        }

        return insights
            .OrderByDescending(i => i.Severity)
            .ThenByDescending(i => i.SharePercent)
            .ThenBy(i => i.Connector, StringComparer.Ordinal)
            .ThenBy(i => i.Direction)
            .ToList();
    }
}
