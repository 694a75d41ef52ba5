using System.Globalization;
using MailFlow.Backend.Tests.Support;
using MailFlow.Contracts.Schema;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>
/// The transit-security rules (transit-security.yaml) and the TLS report rule (tls-reports.yaml) through the packaged
/// plugin under the Grafana-like host: each rule's data source query as Grafana sends it (the last 24 hours), then its
/// condition (<c>$B &gt; 0</c> on each value) as Grafana evaluates it, on a small database of their own (<see cref="Lines"/>).
/// </summary>
public sealed class InsightAlertRulesThroughPluginTests(MailFlowInflux influx) : IClassFixture<MailFlowInflux>
{
    private const string Database = "insight_alerts";

    private static readonly Lock Loading = new();
    private static bool _loaded;

    [Fact]
    public void PartnerUnverifiedRule_FiresForTheConnectorAtOrAboveFivePercentOfTenMessages()
    {
        // Contoso out: 3 untrusted of 40 = 7.5 % >= 5 %. Fabrikam out: 4 anonymous of 100 = 4 % < 5 %. Tiny partner:
        // 5 of 5 untrusted but under 10 messages. Old partner: 20 of 20 untrusted, 3 days ago (outside the 24 hours).
        var fired = Evaluate("mailflow-outbound-partner-unverified");

        Assert.Equal(["Contoso out"], fired.Keys);
        Assert.Equal(7.5, fired["Contoso out"].Share, 6);
        Assert.Equal(("OutboundPartnerUnverifiedCertificates", "outbound", "Partner"), (fired["Contoso out"].Labels["insight"], fired["Contoso out"].Labels["direction"], fired["Contoso out"].Labels["connector_type"]));
    }

    [Fact]
    public void ForcedTlsRule_FiresOnOneUnverifiedMessage()
    {
        // Bank forced (OnPremises, forced TLS): 1 untrusted of 200 = 0.5 %, one message is enough. The forced Partner
        // connector "Old partner" is outside the window; the unforced connectors never raise it.
        var fired = Evaluate("mailflow-forced-tls-unverified");

        Assert.Equal(["Bank forced"], fired.Keys);
        Assert.Equal(0.5, fired["Bank forced"].Share, 6);
        Assert.Equal("OutboundForcedTlsUnverifiedPeers", fired["Bank forced"].Labels["insight"]);
    }

    [Fact]
    public void WeakCipherRule_FiresForTheInboundOnPremisesConnectorAtTwoPercent()
    {
        // Relay in (OnPremises, inbound): 1 weak of 50 = 2 % >= 1 %. Tiny partner's 5 weak messages are under 10 messages.
        var fired = Evaluate("mailflow-weak-ciphers");

        Assert.Equal(["Relay in"], fired.Keys);
        Assert.Equal(2.0, fired["Relay in"].Share, 6);
        Assert.Equal(("InboundOnPremisesWeakCiphers", "inbound"), (fired["Relay in"].Labels["insight"], fired["Relay in"].Labels["direction"]));
    }

    [Fact]
    public void TlsReportRule_FiresForTheMxAtTwoPercentOfAHundredSessions()
    {
        // Today's reports: mx1.example.com 10 failed of 500 = 2 % >= 2 %; mx.example.org 5 of 1,000 = 0.5 %;
        // mx.small.example 10 of 60 (16.7 %) under 100 sessions. example.net's report is 5 days old.
        var fired = Evaluate("mailflow-tlsrpt-failures", "mx_host");

        Assert.Equal(["mx1.example.com"], fired.Keys);
        Assert.Equal(2.0, fired["mx1.example.com"].Share, 6);
        Assert.Equal("example.com", fired["mx1.example.com"].Labels["policy_domain"]);
    }

    /// <summary>The rule's data source query through the plugin, then C = "$B &gt; 0" on each value (B = A's last value).</summary>
    private Dictionary<string, (double Share, IReadOnlyDictionary<string, string> Labels)> Evaluate(string uid, string key = "connector")
    {
        EnsureData();
        var rule = GrafanaFiles.AlertRules().Single(r => (string?)r["uid"] == uid);
        Assert.Equal("$B > 0", (string?)rule["data"]!.AsArray().Single(d => (string?)d!["refId"] == (string?)rule["condition"])!["model"]!["expression"]);
        var item = Assert.Single(GrafanaFiles.AlertQueries(), q => q.Where.StartsWith($"alert rule {uid} ", StringComparison.Ordinal));
        var query = GrafanaQueries.ForAlert(item, influx.Now);
        var settings = influx.Settings.DeepClone().AsObject();
        settings["jsonData"]!["database"] = Database;

        var fired = new Dictionary<string, (double, IReadOnlyDictionary<string, string>)>(StringComparer.Ordinal);
        foreach (var frame in DecodedFrames.Of(DashboardPluginHost.Instance.Query(settings, [query]), query.RefId, uid))
        {
            var field = Assert.Single(frame["fields"]!.AsArray())!.AsObject();
            var value = DecodedFrames.Double(Assert.Single(field["values"]!.AsArray()));
            var labels = DecodedFrames.Labels(field);
            if (value > 0)
            {
                fired.Add(labels[key], (value, labels));
            }
        }

        return fired;
    }

    private void EnsureData()
    {
        lock (Loading)
        {
            if (!_loaded)
            {
                influx.Server.Query($"CREATE DATABASE {Database}");
                FixtureLoader.Write(influx.Server, Database, Lines(influx.Now));
                _loaded = true;
            }
        }
    }

    /// <summary>Messages and their security points two hours ago; TLS reports of today (UTC) and of 5 days ago.</summary>
    private static IEnumerable<string> Lines(DateTimeOffset now)
    {
        var recent = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddHours(-2);
        string At(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        string Fields(int messages, DateTimeOffset time) => $"messages={messages}i,recipients={messages}i,bytes=0i {At(time)}";

        IEnumerable<string> Connector(string name, string type, string direction, bool forced, DateTimeOffset time, params (string Auth, string Cipher, int Messages)[] security)
        {
            var tags = $"connector={name.Replace(" ", "\\ ", StringComparison.Ordinal)},connector_type={type},direction={direction},forced_tls={(forced ? "true" : "false")}";
            yield return $"{InfluxSchema.MessagesMeasurement},{tags},source=mx1,tls=TLS1.2 {Fields(security.Sum(s => s.Messages), time)}";
            foreach (var (auth, cipher, messages) in security)
            {
                yield return $"{InfluxSchema.SecurityMeasurement},{tags},auth={auth},cipher={cipher},source=mx1 {Fields(messages, time)}";
            }
        }

        var lines = new List<string>();
        lines.AddRange(Connector("Contoso out", "Partner", "outbound", false, recent, ("verified", "strong", 37), ("untrusted", "strong", 3)));
        lines.AddRange(Connector("Fabrikam out", "Partner", "outbound", false, recent, ("verified", "strong", 96), ("anonymous", "strong", 4)));
        lines.AddRange(Connector("Tiny partner", "Partner", "outbound", false, recent, ("untrusted", "weak", 5)));
        lines.AddRange(Connector("Bank forced", "OnPremises", "outbound", true, recent, ("verified", "strong", 199), ("untrusted", "strong", 1)));
        lines.AddRange(Connector("Relay in", "OnPremises", "inbound", false, recent, ("trusted", "strong", 49), ("trusted", "weak", 1)));
        lines.AddRange(Connector("Old partner", "Partner", "outbound", true, recent.AddDays(-3), ("untrusted", "weak", 20)));

        // TLS reports: a report counts by its UTC day; today's day is inside any 24-hour window ending now.
        var today = new DateTimeOffset(now.Year, now.Month, now.Day, 0, 0, 0, TimeSpan.Zero);
        string Report(string organization, string domain, string mx, int successful, int failed, DateTimeOffset day, int offset) =>
            $"{InfluxSchema.TlsReportSessionsMeasurement},organization={organization},policy_type=sts,policy_domain={domain},mx_host={mx} successful={successful}i,failed={failed}i,report_id=\"{organization}-{domain}\" {At(day.AddSeconds(offset))}";
        lines.Add(Report("google", "example.com", "mx1.example.com", 490, 10, today, 1));
        lines.Add(Report("google", "example.org", "mx.example.org", 995, 5, today, 2));
        lines.Add(Report("google", "small.example", "mx.small.example", 50, 10, today, 3));
        lines.Add(Report("google", "example.net", "mx.example.net", 0, 200, today.AddDays(-5), 4));
        return lines;
    }
}
