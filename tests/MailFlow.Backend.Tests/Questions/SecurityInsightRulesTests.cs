using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;

namespace MailFlow.Backend.Tests.Questions;

/// <summary>The transit-security insights: which connectors raise them, at which threshold and minimum volume, in which order.</summary>
public sealed class SecurityInsightRulesTests
{
    private static ConnectorSecurity Row(Direction direction, string connector, ConnectorType type, bool forced, params (TransitAuth Auth, CipherClass Cipher, long Messages)[] parts)
    {
        var counts = new SecurityCounts();
        foreach (var (auth, cipher, messages) in parts)
        {
            counts.Add(auth, cipher, messages);
        }

        return new ConnectorSecurity(direction, connector, type, forced, counts);
    }

    [Fact]
    public void Evaluate_OutboundPartner_UnverifiedFromFivePercentOfTenMessages()
    {
        // 1 untrusted of 20 = 5 %: reached; 1 of 21 = 4.76 %: not; 1 untrusted of 9 = 11 % but under 10 messages: not.
        var atThreshold = Row(Direction.Outbound, "Fabrikam", ConnectorType.Partner, false, (TransitAuth.Untrusted, CipherClass.Strong, 1), (TransitAuth.Verified, CipherClass.Strong, 19));
        var below = Row(Direction.Outbound, "Contoso", ConnectorType.Partner, false, (TransitAuth.Untrusted, CipherClass.Strong, 1), (TransitAuth.Verified, CipherClass.Strong, 20));
        var tooFew = Row(Direction.Outbound, "Tailspin", ConnectorType.Partner, false, (TransitAuth.Untrusted, CipherClass.Strong, 1), (TransitAuth.Verified, CipherClass.Strong, 8));

        var insight = Assert.Single(SecurityInsightRules.Evaluate([atThreshold, below, tooFew]));

        Assert.Equal(("OutboundPartnerUnverifiedCertificates", "Fabrikam", 1L, 20L), (insight.Id, insight.Connector, insight.Messages, insight.TotalMessages));
        Assert.Equal(5.0, insight.SharePercent, 9);
    }

    [Fact]
    public void Evaluate_UnknownAuth_IsNeverCountedAsUnverified()
    {
        // 20 messages whose auth was not logged, on a Forced TLS Partner connector: nothing to report.
        var row = Row(Direction.Outbound, "Fabrikam", ConnectorType.Partner, true, (TransitAuth.Unknown, CipherClass.Unknown, 20));

        Assert.Empty(SecurityInsightRules.Evaluate([row]));
    }

    [Fact]
    public void Evaluate_ForcedTls_OneUnverifiedOutboundMessageIsCritical_InboundAnonymousIsNormal()
    {
        var outbound = Row(Direction.Outbound, "To Relay", ConnectorType.Internet, true, (TransitAuth.Anonymous, CipherClass.Strong, 1), (TransitAuth.Verified, CipherClass.Strong, 99));
        var inbound = Row(Direction.Inbound, "From Relay", ConnectorType.Internet, true, (TransitAuth.Anonymous, CipherClass.Strong, 50));

        var insight = Assert.Single(SecurityInsightRules.Evaluate([outbound, inbound]));

        Assert.Equal(("OutboundForcedTlsUnverifiedPeers", InsightSeverity.Critical, "To Relay", 1L), (insight.Id, insight.Severity, insight.Connector, insight.Messages));
    }

    [Fact]
    public void Evaluate_WeakCiphers_OnPartnerOrOnPremisesOnly_CriticalFirst()
    {
        // Weak 2 of 100 = 2 % on OnPremises (inbound) and on the internet (ignored); a Forced TLS partner with 1
        // untrusted of 10 raises both its insights: critical (forced) first, then the larger share (10 % > 2 %).
        var onPremises = Row(Direction.Inbound, "Old relay", ConnectorType.OnPremises, false, (TransitAuth.Anonymous, CipherClass.Weak, 2), (TransitAuth.Anonymous, CipherClass.Strong, 98));
        var internet = Row(Direction.Inbound, "Internet", ConnectorType.Internet, false, (TransitAuth.Anonymous, CipherClass.Weak, 2), (TransitAuth.Anonymous, CipherClass.Strong, 98));
        var partner = Row(Direction.Outbound, "Fabrikam", ConnectorType.Partner, true, (TransitAuth.Untrusted, CipherClass.Strong, 1), (TransitAuth.Verified, CipherClass.Strong, 9));

        var insights = SecurityInsightRules.Evaluate([onPremises, internet, partner]);

        Assert.Equal(["OutboundForcedTlsUnverifiedPeers", "OutboundPartnerUnverifiedCertificates", "InboundOnPremisesWeakCiphers"], insights.Select(i => i.Id));
        Assert.Equal(2.0, insights[2].SharePercent, 9);
    }
}
