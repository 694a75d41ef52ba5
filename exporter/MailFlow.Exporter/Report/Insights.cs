using System.Globalization;
using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Exporter.Report;

/// <summary>The insights Microsoft's Connector report raises, plus plaintext on a connector that requires TLS.</summary>
public static class Insights
{
    public static List<Insight> Evaluate(IEnumerable<ConnectorRow> connectors, InsightSettings settings)
    {
        var insights = new List<Insight>();
        foreach (var row in connectors)
        {
            var total = row.Total;
            if (row.ForcedTls && total[TlsVersion.None] > 0)
            {
                insights.Add(new Insight(
                    Id: row.Direction == Direction.Inbound ? "InboundPlaintextOnForcedTlsConnector" : "OutboundPlaintextOnForcedTlsConnector",
                    Title: $"{Capitalised(row.Direction)} {row.Type.ToWire()} connector requires TLS but carried plaintext mail",
                    Severity: "critical",
                    row.Direction,
                    row.Name,
                    row.Type,
                    TlsVersion.None,
                    total[TlsVersion.None],
                    total.Messages,
                    total.Percent(TlsVersion.None),
                    0,
                    "The connector is declared as Forced TLS: check the MTA's TLS enforcement for this peer (Postfix smtpd_tls_security_level / smtp_tls_policy_maps, Exchange RequireTLS)."));
            }

            if (row.Type is not (ConnectorType.Partner or ConnectorType.OnPremises) || total.Messages < settings.MinMessages)
            {
                continue;
            }

            // SSLv3 is older still than TLS 1.0: it counts towards the same retirement goal.
            var legacy = total[TlsVersion.Tls10] + total[TlsVersion.Ssl3];
            var share = 100.0 * legacy / total.Messages;
            if (legacy > 0 && share >= settings.Tls10Percent)
            {
                insights.Add(new Insight(
                    Id: $"{Capitalised(row.Direction)}{row.Type.ToWire()}Tls10",
                    Title: $"{Capitalised(row.Direction)} {row.Type.ToWire()} connector seeing significant TLS1.0 mail flow",
                    Severity: "warning",
                    row.Direction,
                    row.Name,
                    row.Type,
                    TlsVersion.Tls10,
                    legacy,
                    total.Messages,
                    share,
                    settings.Tls10Percent,
                    row.Direction == Direction.Inbound
                        ? "Ask the partner's mail administrators to enable TLS 1.2 or later on their sending servers (see the legacy peers)."
                        : "The receiving servers offer only TLS 1.0: ask them to enable TLS 1.2, or require it on this connector."));
            }
        }

        return insights;
    }

    private static string Capitalised(Direction direction)
    {
        var wire = direction.ToWire();
        return char.ToUpper(wire[0], CultureInfo.InvariantCulture) + wire[1..];
    }
}
