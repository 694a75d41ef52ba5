using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Backend.Query;

/// <summary>
/// Turns connector totals into Microsoft-style insights. Same rules, wording and defaults as the exporter's
/// <c>report</c> (MailFlow.Exporter.Report.Insights), so that the terminal, the API and the dashboards agree.
/// </summary>
internal static class Insights
{
    public static List<Insight> Evaluate(IEnumerable<ConnectorReportRow> rows, InsightThresholds thresholds, TlsVersion? only)
    {
        var insights = new List<Insight>();
        foreach (var row in rows)
        {
            var total = row.Messages.Total;
            var direction = Capitalised(row.Direction);
            if (row.ForcedTls && row.Messages.None >= thresholds.PlaintextOnForcedTlsMinMessages && only is null or TlsVersion.None)
            {
                insights.Add(new Insight(
                    $"{direction} {row.ConnectorType.ToWire()} connector requires TLS but carried plaintext mail",
                    InsightKind.PlaintextOnForcedTls,
                    InsightSeverity.Critical,
                    row.Direction,
                    row.Connector,
                    row.ConnectorType,
                    TlsVersion.None,
                    row.Messages.Percent(TlsVersion.None),
                    row.Messages.None,
                    total,
                    0)
                {
                    Id = direction + "PlaintextOnForcedTlsConnector",
                    Advice = "The connector is declared as Forced TLS: check the MTA's TLS enforcement for this peer (Postfix smtpd_tls_security_level / smtp_tls_policy_maps, Exchange RequireTLS).",
                });
            }

            if (row.ConnectorType is not (ConnectorType.Partner or ConnectorType.OnPremises) || total < thresholds.MinMessages || only is not (null or TlsVersion.Tls10 or TlsVersion.Ssl3))
            {
                continue;
            }

            // SSLv3 is older still than TLS 1.0: it counts towards the same retirement goal.
            var legacy = row.Messages.Tls10 + row.Messages.Ssl3;
            var share = total == 0 ? 0 : 100.0 * legacy / total;
            if (legacy > 0 && share >= thresholds.LegacySharePercent)
            {
                insights.Add(new Insight(
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
                    thresholds.LegacySharePercent)
                {
                    Id = direction + row.ConnectorType.ToWire() + "Tls10",
                    Advice = row.Direction == Direction.Inbound
                        ? "Ask the partner's mail administrators to enable TLS 1.2 or later on their sending servers (see the legacy peers)."
                        : "The receiving servers offer only TLS 1.0: ask them to enable TLS 1.2, or require it on this connector.",
                });
            }
        }

        return insights
            .OrderByDescending(i => i.Severity)
            .ThenByDescending(i => i.SharePercent)
            .ThenBy(i => i.Connector, StringComparer.Ordinal)
            .ToList();
    }

    private static string Capitalised(Direction direction)
    {
        var wire = direction.ToWire();
        return char.ToUpperInvariant(wire[0]) + wire[1..];
    }
}
