using MailFlow.Backend.Plugin;
using MailFlow.Backend.Plugin.Frames;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;

namespace MailFlow.Backend.Tests.Plugin;

/// <summary>
/// The columns of the insights and securityInsights tables, in process: names, types, units and order as
/// docs/grafana-plugin.md ("Frames") lists them, since panels address the columns by name and position.
/// </summary>
public sealed class InsightFramesTests
{
    private static readonly FieldConfig Percent = new(Unit: "percent", Decimals: 2, Min: 0, Max: 100);
    private static readonly FieldConfig Messages = new(Unit: "short", Decimals: 0);

    [Fact]
    public void Insights_OneRowPerInsight_TlsAfterTheConnectorType_IdLast()
    {
        var insight = new Insight("InboundPartnerTls10", "Inbound Partner connector seeing significant TLS1.0 mail flow", InsightKind.LegacyTls,
            InsightSeverity.Warning, Direction.Inbound, "Contoso", ConnectorType.Partner, TlsVersion.Tls10, 15, 15, 100, 5, "Move the partner to TLS 1.2.");

        var frame = QueryTypes.Insights([insight], "SELECT 1");

        Assert.Equal(("insights", FrameMeta.Table, "SELECT 1"), (frame.Name, frame.Meta.Type, frame.Meta.ExecutedQueryString));
        Assert.Equal(
            [
                ("insight", FieldKind.String, null), ("severity", FieldKind.String, null), ("direction", FieldKind.String, null),
                ("connector", FieldKind.String, null), ("connector_type", FieldKind.String, null), ("tls", FieldKind.String, null),
                ("share_pct", FieldKind.Float64, Percent), ("messages", FieldKind.Int64, Messages), ("threshold_pct", FieldKind.Float64, Percent),
                ("id", FieldKind.String, (FieldConfig?)null),
            ],
            Columns(frame));
        Assert.Equal(
            ["Inbound Partner connector seeing significant TLS1.0 mail flow", "warning", "inbound", "Contoso", "Partner", "TLS1.0", "15", "15", "5", "InboundPartnerTls10"],
            Row(frame));
    }

    [Fact]
    public void SecurityInsights_TheSameColumnsWithoutTls()
    {
        // The Forced TLS insight counts messages: its threshold is 0, its share is the unverified share (2 of 40 = 5 %).
        var insight = new SecurityInsight("OutboundForcedTlsUnverifiedPeers", "Forced TLS connector with unverified peers", SecurityInsightKind.ForcedTlsUnverifiedPeers,
            InsightSeverity.Critical, Direction.Outbound, "Fabrikam", ConnectorType.OnPremises, 5, 2, 40, 0, "Verify the peers.");

        var frame = QueryTypes.SecurityInsights([insight, insight], null);

        Assert.Equal(("securityInsights", FrameMeta.Table, (string?)null), (frame.Name, frame.Meta.Type, frame.Meta.ExecutedQueryString));
        Assert.Equal(
            [
                ("insight", FieldKind.String, null), ("severity", FieldKind.String, null), ("direction", FieldKind.String, null),
                ("connector", FieldKind.String, null), ("connector_type", FieldKind.String, null),
                ("share_pct", FieldKind.Float64, Percent), ("messages", FieldKind.Int64, Messages), ("threshold_pct", FieldKind.Float64, Percent),
                ("id", FieldKind.String, (FieldConfig?)null),
            ],
            Columns(frame));
        Assert.Equal(2, frame.RowCount);
        Assert.Equal(
            ["Forced TLS connector with unverified peers", "critical", "outbound", "Fabrikam", "OnPremises", "5", "2", "0", "OutboundForcedTlsUnverifiedPeers"],
            Row(frame));
    }

    [Fact]
    public void InsightTables_NoInsights_KeepTheirColumns()
    {
        Assert.Equal(10, QueryTypes.Insights([], null).Fields.Count);
        Assert.Equal(9, QueryTypes.SecurityInsights([], null).Fields.Count);
        Assert.Equal(0, QueryTypes.SecurityInsights([], null).RowCount);
    }

    /// <summary>Name, type and config of each column; table columns are never nullable nor labelled.</summary>
    private static List<(string Name, FieldKind Kind, FieldConfig? Config)> Columns(DataFrame frame)
    {
        Assert.All(frame.Fields, f => Assert.False(f.Nullable || f.Labels is not null, f.Name));
        return frame.Fields.Select(f => (f.Name, f.Kind, f.Config)).ToList();
    }

    /// <summary>The first row, every value as text (numbers in the invariant culture).</summary>
    private static List<string> Row(DataFrame frame) =>
        frame.Fields.Select(f => f.Kind switch
        {
            FieldKind.String => f.Strings[0]!,
            FieldKind.Int64 => f.Longs[0].ToString(System.Globalization.CultureInfo.InvariantCulture),
            FieldKind.Float64 => f.Doubles[0]!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException($"unexpected column {f.Name}"),
        }).ToList();
}
