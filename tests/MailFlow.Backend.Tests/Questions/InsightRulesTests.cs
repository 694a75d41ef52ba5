using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;

namespace MailFlow.Backend.Tests.Questions;

/// <summary>The one rule set: ids per direction, the plaintext minimum, the order, the filter's TLS version.</summary>
public sealed class InsightRulesTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);

    private static ConnectorReportRow Row(Direction direction, string connector, ConnectorType type, bool forced, long none = 0, long tls10 = 0, long tls12 = 0) =>
        new(Start, direction, connector, type, forced, new TlsCounts { None = none, Tls10 = tls10, Tls12 = tls12 });

    [Theory]
    [InlineData(Direction.Inbound, "InboundPlaintextOnForcedTlsConnector")]
    [InlineData(Direction.Outbound, "OutboundPlaintextOnForcedTlsConnector")]
    // The report used to call this one "Outbound...": every face now names the submission direction.
    [InlineData(Direction.Submission, "SubmissionPlaintextOnForcedTlsConnector")]
    public void Evaluate_PlaintextOnForcedTls_IsNamedAfterItsDirection(Direction direction, string id)
    {
        var insight = Assert.Single(InsightRules.Evaluate([Row(direction, "Relay", ConnectorType.OnPremises, forced: true, none: 1, tls12: 99)], InsightThresholds.Default));

        Assert.Equal((id, InsightKind.PlaintextOnForcedTls, InsightSeverity.Critical, 1L, 100L), (insight.Id, insight.Kind, insight.Severity, insight.Messages, insight.TotalMessages));
        Assert.Equal(1.0, insight.SharePercent, 9);
    }

    [Fact]
    public void Evaluate_PlaintextMinimum_ComesFromTheThresholds()
    {
        ConnectorReportRow[] rows = [Row(Direction.Inbound, "Relay", ConnectorType.OnPremises, forced: true, none: 2, tls12: 98)];

        Assert.Single(InsightRules.Evaluate(rows, InsightThresholds.Default with { PlaintextOnForcedTlsMinMessages = 2 }));
        Assert.Empty(InsightRules.Evaluate(rows, InsightThresholds.Default with { PlaintextOnForcedTlsMinMessages = 3 }));
    }

    [Fact]
    public void Evaluate_SeveralInsights_CriticalFirstThenTheLargerShare()
    {
        ConnectorReportRow[] rows =
        [
            // 1 of 10 = 10 % TLS 1.0 (>= 5 %, 10 messages >= 10).
            Row(Direction.Inbound, "Contoso", ConnectorType.Partner, forced: false, tls10: 1, tls12: 9),
            // 5 of 20 = 25 % TLS 1.0.
            Row(Direction.Outbound, "Fabrikam", ConnectorType.Partner, forced: false, tls10: 5, tls12: 15),
            // 1 plaintext of 50 on a forced connector: critical, though its share is the smallest.
            Row(Direction.Inbound, "Relay", ConnectorType.OnPremises, forced: true, none: 1, tls12: 49),
            // 9 messages: under the minimum volume, however large the share.
            Row(Direction.Inbound, "Litware", ConnectorType.Partner, forced: false, tls10: 9),
        ];

        var insights = InsightRules.Evaluate(rows, InsightThresholds.Default);

        Assert.Equal(["InboundPlaintextOnForcedTlsConnector", "OutboundPartnerTls10", "InboundPartnerTls10"], insights.Select(i => i.Id));
        Assert.Equal([0, 5, 5], insights.Select(i => i.ThresholdPercent));
        Assert.Equal(["Inbound OnPremises connector requires TLS but carried plaintext mail", "Outbound Partner connector seeing significant TLS1.0 mail flow", "Inbound Partner connector seeing significant TLS1.0 mail flow"], insights.Select(i => i.Title));
    }

    [Fact]
    public void Evaluate_FilteredToOneTlsVersion_KeepsOnlyTheInsightsAboutIt()
    {
        ConnectorReportRow[] rows = [Row(Direction.Inbound, "Relay", ConnectorType.OnPremises, forced: true, none: 1, tls10: 5, tls12: 44)];

        Assert.Equal(2, InsightRules.Evaluate(rows, InsightThresholds.Default).Count);
        Assert.Equal(InsightKind.PlaintextOnForcedTls, Assert.Single(InsightRules.Evaluate(rows, InsightThresholds.Default, TlsVersion.None)).Kind);
        Assert.Equal(InsightKind.LegacyTls, Assert.Single(InsightRules.Evaluate(rows, InsightThresholds.Default, TlsVersion.Tls10)).Kind);
        Assert.Empty(InsightRules.Evaluate(rows, InsightThresholds.Default, TlsVersion.Tls12));
    }

    [Fact]
    public void Defaults_AreOneSet()
    {
        // What README, docs/api.md and the provisioned data source state.
        Assert.Equal((5.0, 10L, 1L, 50), (QuestionDefaults.LegacySharePercent, QuestionDefaults.MinMessages, QuestionDefaults.PlaintextOnForcedTlsMinMessages, QuestionDefaults.PeerLimit));
        Assert.Equal((5.0, 10L, 1L), (InsightThresholds.Default.LegacySharePercent, InsightThresholds.Default.MinMessages, InsightThresholds.Default.PlaintextOnForcedTlsMinMessages));
    }
}
