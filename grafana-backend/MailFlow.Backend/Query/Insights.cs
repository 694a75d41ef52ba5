using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Backend.Query;

/// <summary>Turns connector totals into Microsoft-style insights.</summary>
internal static class Insights
{
    /// <summary>Legacy versions, in the order insights are listed for one connector.</summary>
    private static readonly TlsVersion[] Legacy = [TlsVersion.None, TlsVersion.Ssl3, TlsVersion.Tls10, TlsVersion.Tls11];

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
                    $"{direction} {row.ConnectorType.ToWire()} connector requiring TLS seeing plaintext mail flow",
                    InsightKind.PlaintextOnForcedTls,
                    InsightSeverity.Critical,
                    row.Direction,
                    row.Connector,
                    row.ConnectorType,
                    TlsVersion.None,
                    row.Messages.Percent(TlsVersion.None),
                    row.Messages.None,
                    total,
                    0));
            }

            if (row.ConnectorType is not (ConnectorType.Partner or ConnectorType.OnPremises) || total < thresholds.MinMessages)
            {
                continue;
            }

            foreach (var version in Legacy)
            {
                var share = row.Messages.Percent(version);
                if (row.Messages[version] == 0 || share < thresholds.LegacySharePercent || (only is { } wanted && wanted != version))
                {
                    continue;
                }

                // Plaintext on a forced-TLS connector is already reported as critical above.
                if (version == TlsVersion.None && row.ForcedTls && row.Messages.None >= thresholds.PlaintextOnForcedTlsMinMessages)
                {
                    continue;
                }

                var what = version == TlsVersion.None ? "plaintext" : version.ToWire();
                insights.Add(new Insight(
                    $"{direction} {row.ConnectorType.ToWire()} connector seeing significant {what} mail flow",
                    InsightKind.LegacyTls,
                    InsightSeverity.Warning,
                    row.Direction,
                    row.Connector,
                    row.ConnectorType,
                    version,
                    share,
                    row.Messages[version],
                    total,
                    thresholds.LegacySharePercent));
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
