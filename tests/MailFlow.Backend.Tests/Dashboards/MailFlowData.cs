using System.Globalization;
using System.Text;
using MailFlow.Contracts.Schema;
using MailFlow.Backend.Tests.Support;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>
/// A hand-written week of mail flow for a small organisation, written straight to a real InfluxDB in the exporter's
/// schema (InfluxSchema), with times relative to the start of the test so that the dashboards' relative ranges
/// (last 7 days, last 24 hours) see it. Every expected figure below is worked out by hand from these rows.
/// </summary>
/// <remarks>
/// Times: "recent" = one hour ago, "yesterday" = 30 hours ago (always another UTC day than "recent", and outside
/// the alert rules' 24-hour window), "old" = 10 days ago (outside every default range).
/// <code>
/// direction  connector                              type        forced  when       tls: messages
/// inbound    From the internet without a connector  Internet    false   recent     TLS1.2: 62, TLS1.3: 30, none: 10
/// inbound    Contoso                                Partner     true    yesterday  TLS1.2: 18
/// inbound    Contoso                                Partner     true    recent     TLS1.2: 18, TLS1.0: 4
/// inbound    Fabrikam                               Partner     false   recent     TLS1.2: 7, TLS1.0: 1
/// inbound    On-premises relay                      OnPremises  true    recent     TLS1.2: 48, TLS1.0: 1, none: 1
/// inbound    From the internet without a connector  Internet    false   old        TLS1.0: 1000
/// outbound   To the internet without a connector    Internet    false   recent     TLS1.2: 70, TLS1.3: 20, TLS1.1: 5, none: 5
/// outbound   Contoso                                Partner     true    recent     TLS1.2: 50
/// submission SMTP Auth clients                      Submission  false   recent     TLS1.3: 8, TLS1.2: 2
/// </code>
/// Last 7 days, inbound: 200 messages = TLS1.2 153 (76.5 %), TLS1.3 30 (15 %), none 11 (5.5 %), TLS1.0 6 (3 %).
/// Outbound: 150 = TLS1.2 120 (80 %), TLS1.3 20, TLS1.1 5, none 5 (13.33, 3.33, 3.33 %). Submission: 10.
/// Last 24 hours, TLS 1.0 share of inbound connectors: Contoso 4/22 = 18.18 %, On-premises relay 1/50 = 2 %,
/// Fabrikam 1/8 (8 messages: below the rules' 10-message minimum, so no value).
/// Peers (legacy only): inbound none spammer.example (Internet) 10, inbound TLS1.0 mail.contoso.com 4,
/// fabrikam.com 1, relay.corp.example 1, inbound none relay.corp.example 1, outbound TLS1.1 old.example.org 5,
/// outbound none plain.example.net 5.
/// </remarks>
internal static class MailFlowData
{
    public const string Database = "mailflow";
    public const string Internet = "From the internet without a connector";
    public const string InternetOut = "To the internet without a connector";

    /// <summary>The line protocol of the week above, "now" being <paramref name="now"/>.</summary>
    public static string LineProtocol(DateTimeOffset now)
    {
        var recent = Minute(now.AddHours(-1));
        var yesterday = Minute(now.AddHours(-30));
        var old = Minute(now.AddDays(-10));
        var lines = new StringBuilder();

        void Messages(string direction, string connector, string type, bool forced, long time, params (string Tls, int Count)[] counts)
        {
            foreach (var (tls, count) in counts)
            {
                lines.Append(CultureInfo.InvariantCulture, $"{InfluxSchema.MessagesMeasurement},{Tags(direction, connector, type, forced, tls)} messages={count}i,recipients={count}i,bytes={count * 2000}i {time}\n");
            }
        }

        void Peer(string direction, string connector, string type, bool forced, string tls, string peer, int count, long time) =>
            lines.Append(CultureInfo.InvariantCulture, $"{InfluxSchema.PeersMeasurement},{Tags(direction, connector, type, forced, tls)},peer={Escape(peer)} messages={count}i,recipients={count}i,bytes={count * 2000}i,last_seen={time}i {time}\n");

        Messages("inbound", Internet, "Internet", false, recent, ("TLS1.2", 62), ("TLS1.3", 30), ("none", 10));
        Messages("inbound", "Contoso", "Partner", true, yesterday, ("TLS1.2", 18));
        Messages("inbound", "Contoso", "Partner", true, recent, ("TLS1.2", 18), ("TLS1.0", 4));
        Messages("inbound", "Fabrikam", "Partner", false, recent, ("TLS1.2", 7), ("TLS1.0", 1));
        Messages("inbound", "On-premises relay", "OnPremises", true, recent, ("TLS1.2", 48), ("TLS1.0", 1), ("none", 1));
        Messages("inbound", Internet, "Internet", false, old, ("TLS1.0", 1000));
        Messages("outbound", InternetOut, "Internet", false, recent, ("TLS1.2", 70), ("TLS1.3", 20), ("TLS1.1", 5), ("none", 5));
        Messages("outbound", "Contoso", "Partner", true, recent, ("TLS1.2", 50));
        Messages("submission", "SMTP Auth clients", "Submission", false, recent, ("TLS1.3", 8), ("TLS1.2", 2));

        Peer("inbound", Internet, "Internet", false, "none", "spammer.example", 10, recent);
        Peer("inbound", "Contoso", "Partner", true, "TLS1.0", "mail.contoso.com", 4, recent);
        Peer("inbound", "Fabrikam", "Partner", false, "TLS1.0", "fabrikam.com", 1, recent);
        Peer("inbound", "On-premises relay", "OnPremises", true, "TLS1.0", "relay.corp.example", 1, recent);
        Peer("inbound", "On-premises relay", "OnPremises", true, "none", "relay.corp.example", 1, recent);
        Peer("inbound", Internet, "Internet", false, "TLS1.0", "ancient.example", 1000, old);
        Peer("outbound", InternetOut, "Internet", false, "TLS1.1", "old.example.org", 5, recent);
        Peer("outbound", InternetOut, "Internet", false, "none", "plain.example.net", 5, recent);
        return lines.ToString();
    }

    /// <summary>Creates the database and writes the week into it, with its rollup tiers.</summary>
    public static void Load(InfluxDbServer server, DateTimeOffset now)
    {
        server.Query($"CREATE DATABASE {Database}");
        FixtureLoader.Write(server, Database, LineProtocol(now).Split('\n'));
    }

    private static long Minute(DateTimeOffset time) => time.ToUnixTimeSeconds() / 60 * 60;

    private static string Tags(string direction, string connector, string type, bool forced, string tls) =>
        $"connector={Escape(connector)},connector_type={type},direction={direction},forced_tls={(forced ? "true" : "false")},source=mx1.example.com,tls={tls}";

    private static string Escape(string tag) => tag.Replace(" ", "\\ ", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal).Replace("=", "\\=", StringComparison.Ordinal);
}
