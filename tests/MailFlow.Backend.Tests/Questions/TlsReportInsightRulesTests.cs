using MailFlow.Questions;

namespace MailFlow.Backend.Tests.Questions;

/// <summary>"Senders report TLS failures reaching &lt;MX&gt;": the threshold and minimum sessions, the title, the order.</summary>
public sealed class TlsReportInsightRulesTests
{
    private static TlsPolicyShare Share(string domain, string mx, long successful, long failed) => new(domain, mx, new SessionCounts(successful, failed));

    [Fact]
    public void Defaults_AreTwoPercentOfAtLeastAHundredSessions()
    {
        Assert.Equal((2.0, 100L), (TlsReportThresholds.Default.FailedSharePercent, TlsReportThresholds.Default.MinSessions));
    }

    [Fact]
    public void Evaluate_AtTheThresholdWithTheMinimum_Raises_BelowEither_DoesNot()
    {
        TlsPolicyShare[] shares =
        [
            Share("example.com", "mx1.example.com", 98, 2),      // 100 sessions, exactly 2 %: raised
            Share("example.net", "mx.example.net", 99, 2),       // 101 sessions, 1.98 %: below the share
            Share("example.org", "mx.example.org", 80, 19),      // 99 sessions, 19.2 %: too few sessions
            Share("example.info", "", 500, 0),                   // no failures at all
        ];

        var insight = Assert.Single(InsightRules.EvaluateTlsReports(shares, TlsReportThresholds.Default));

        Assert.Equal(("SendersReportTlsFailures", "Senders report TLS failures reaching mx1.example.com", 2L, 100L, 2.0), (insight.Id, insight.Title, insight.FailedSessions, insight.TotalSessions, insight.ThresholdPercent));
        Assert.Equal(2.0, insight.FailedPercent, 9);
    }

    [Fact]
    public void Evaluate_PolicyWithoutMx_IsNamedByItsDomain_AndTheLargerShareComesFirst()
    {
        TlsPolicyShare[] shares = [Share("example.com", "mx1.example.com", 95, 5), Share("example.org", "", 90, 10)];

        var insights = InsightRules.EvaluateTlsReports(shares, TlsReportThresholds.Default);

        Assert.Equal(["Senders report TLS failures reaching example.org", "Senders report TLS failures reaching mx1.example.com"], insights.Select(i => i.Title));
    }

    [Fact]
    public void Thresholds_OutOfRange_AreNamed()
    {
        Assert.Null(TlsReportThresholds.Default.Problem());
        Assert.NotNull(new TlsReportThresholds(101, 100).Problem());
        Assert.NotNull(new TlsReportThresholds(2, 0).Problem());
    }
}
