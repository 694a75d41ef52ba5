using System.Globalization;
using System.Text.Json;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;
using MailFlow.Questions;

namespace MailFlow.Exporter.Report;

/// <summary>One connector and direction over the window, by auth level and cipher class.</summary>
public sealed record SecurityConnectorRow(string Name, ConnectorType Type, bool ForcedTls, Direction Direction, SecurityCounts Total);

/// <summary>A peer with a transit-security concern: an unverified certificate where one should be verified, or a weak cipher.</summary>
public sealed record SecurityPeerRow(
    string Peer, Direction Direction, string Connector, ConnectorType ConnectorType, SecurityConcern Concern, TransitAuth Auth, CipherClass Cipher,
    IReadOnlyList<string> Sources, long Messages, DateTimeOffset LastSeen, string? Host, string? Ip);

/// <summary>Deliveries to one recipient domain that a TLS policy stopped, for one reason.</summary>
public sealed record BlockedRow(string Domain, BlockReason Reason, string Connector, IReadOnlyList<string> Sources, long Deliveries, DateTimeOffset LastSeen, string? Host, string? Ip);

/// <summary>A recipient domain that received mail in plaintext: it does not offer TLS (or the path did not use it).</summary>
public sealed record NoTlsDomainRow(string Domain, long Messages, DateTimeOffset LastSeen, string? Host, string? Ip);

/// <summary>
/// The report's "Transit security" section: per direction and per connector the share of messages by auth level
/// and cipher class, the peers to contact about certificates and ciphers, the deliveries blocked by a TLS policy
/// per recipient domain and reason, the recipient domains that took mail in plaintext, and the active
/// transit-security insights.
/// </summary>
public sealed record TransitSecurityReport(
    IReadOnlyDictionary<Direction, SecurityCounts> Directions,
    IReadOnlyList<SecurityConnectorRow> Connectors,
    IReadOnlyList<SecurityPeerRow> Peers,
    IReadOnlyList<BlockedRow> Blocked,
    IReadOnlyList<NoTlsDomainRow> NoTlsDomains)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The active transit-security insights, most urgent first (the shared rules: <see cref="SecurityInsightRules"/>).</summary>
    public IReadOnlyList<SecurityInsight> Insights { get; init; } = [];

    public static TransitSecurityReport Empty { get; } = new(MailFlow.Contracts.Vocabulary.Directions.All.ToDictionary(d => d, _ => new SecurityCounts()), [], [], [], []);

    /// <summary>Builds the section from day-bucketed counts, over the report's window; lists are cut at <paramref name="maxPeers"/>.</summary>
    public static TransitSecurityReport Build(MailFlowAggregator aggregate, ReportWindow? window, int maxPeers)
    {
        if (window is null)
        {
            return Empty;
        }

        // Breakdowns, blocked deliveries and plaintext domains are the shared questions' (the API and Grafana ask the same).
        var totals = new AggregateTotals(aggregate, window);
        var answer = TransitSecurityQuestions.BreakdownAsync(totals).GetAwaiter().GetResult();
        var directions = answer.Directions.ToDictionary(d => d.Direction, d => d.Messages);
        var connectorRows = answer.Connectors
            .Select(c => new SecurityConnectorRow(c.Connector, c.ConnectorType, c.ForcedTls, c.Direction, c.Messages))
            .ToList();

        // Peers to contact: the shared question too (summed over the mail servers that saw them, last seen to the minute).
        var peers = TransitSecurityQuestions.SecurityPeersAsync(totals, maxPeers).GetAwaiter().GetResult()
            .Select(p => new SecurityPeerRow(p.Peer, p.Direction, p.Connector, p.ConnectorType, p.Concern, p.Auth, p.Cipher, p.Sources, p.Messages, p.LastSeen, p.Host, p.Ip))
            .ToList();

        var blocked = TransitSecurityQuestions.BlockedAsync(totals, maxPeers).GetAwaiter().GetResult()
            .Select(b => new BlockedRow(b.Domain, b.Reason, b.Connector, b.Sources, b.Deliveries, b.LastSeen, b.Host, b.Ip))
            .ToList();

        // Plaintext outbound deliveries, from the legacy-peer counts (their peer is the recipient domain).
        var noTls = TransitSecurityQuestions.PlaintextDomainsAsync(totals, maxPeers).GetAwaiter().GetResult()
            .Select(d => new NoTlsDomainRow(d.Domain, d.Messages, d.LastSeen, d.Host, d.Ip))
            .ToList();

        // Over the same per-connector breakdown, with the same rules, ids and order as the API and the plugin.
        var insights = TransitSecurityQuestions.InsightsAsync(totals).GetAwaiter().GetResult();

        return new TransitSecurityReport(directions, connectorRows, peers, blocked, noTls) { Insights = insights };
    }

    // ---- table ----

    public void WriteTable(TextWriter output)
    {
        output.WriteLine("Transit security (messages by how the other server was authenticated, and by cipher strength)");
        var widget = new TextTable(["Direction", "Messages", .. AuthHeadings(), .. CipherHeadings()]);
        foreach (var (direction, breakdown) in Directions)
        {
            if (direction != Direction.Submission || breakdown.Messages > 0)
            {
                widget.Add([direction.ToWire(), Number(breakdown.Messages), .. Shares(breakdown)]);
            }
        }

        widget.WriteTo(output);
        output.WriteLine();

        output.WriteLine("Transit security per connector");
        var connectors = new TextTable(["Direction", "Connector", "Type", "Forced TLS", .. AuthHeadings(), .. CipherHeadings(), "Volume"]);
        foreach (var row in Connectors)
        {
            connectors.Add([row.Direction.ToWire(), row.Name, row.Type == ConnectorType.Internet ? "" : row.Type.ToWire(), row.ForcedTls ? "Yes" : "No", .. Shares(row.Total), Number(row.Total.Messages)]);
        }

        WriteOrNone(connectors, output);
        output.WriteLine();

        output.WriteLine($"Transit security insights (unverified certificates >= {Share(SecurityQuestionDefaults.UnverifiedSharePercent)}% on an outbound Partner connector with >= {SecurityQuestionDefaults.UnverifiedMinMessages} messages; "
            + $"any on an outbound Forced TLS connector; weak ciphers >= {Share(SecurityQuestionDefaults.WeakCipherSharePercent)}% on a Partner or OnPremises connector with >= {SecurityQuestionDefaults.WeakCipherMinMessages} messages)");
        if (Insights.Count == 0)
        {
            output.WriteLine("  none");
        }

        foreach (var insight in Insights)
        {
            var threshold = insight.ThresholdPercent > 0 ? $"; threshold {Share(insight.ThresholdPercent)}%" : "";
            output.WriteLine($"  [{insight.SeverityWire}] {insight.Title}: {insight.Direction.ToWire()} '{insight.Connector}' ({insight.ConnectorType.ToWire()}): "
                + $"{Number(insight.Messages)} of {Number(insight.TotalMessages)} messages ({insight.SharePercent.ToString("0.#", Invariant)}%{threshold})");
            output.WriteLine($"      {insight.Advice}");
        }

        output.WriteLine();

        output.WriteLine("Legacy peers: unverified certificates on connectors that should verify (Forced TLS, Partner, OnPremises), and weak ciphers");
        var peers = new TextTable("Concern", "Direction", "Peer", "Connector", "Auth", "Cipher", "Messages", "Last seen (UTC)", "Last host [IP]");
        foreach (var peer in Peers)
        {
            peers.Add(peer.Concern.ToWire(), peer.Direction.ToWire(), peer.Peer, peer.Connector, peer.Auth.ToWire(), peer.Cipher.ToWire(), Number(peer.Messages),
                peer.LastSeen.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Invariant), $"{peer.Host ?? "?"} [{peer.Ip ?? "?"}]");
        }

        WriteOrNone(peers, output);
        output.WriteLine();

        output.WriteLine("Messages blocked by a TLS policy (deliveries, per recipient domain and reason)");
        var blocked = new TextTable("Recipient domain", "Reason", "Connector", "Deliveries", "Last seen (UTC)", "Last host [IP]");
        foreach (var row in Blocked)
        {
            blocked.Add(row.Domain, row.Reason.ToWire(), row.Connector, Number(row.Deliveries), row.LastSeen.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Invariant), $"{row.Host ?? "?"} [{row.Ip ?? "?"}]");
        }

        WriteOrNone(blocked, output);
        output.WriteLine();

        output.WriteLine("Recipient domains not supporting TLS (outbound messages delivered in plaintext)");
        var noTls = new TextTable("Recipient domain", "Messages", "Last seen (UTC)", "Last host [IP]");
        foreach (var row in NoTlsDomains)
        {
            noTls.Add(row.Domain, Number(row.Messages), row.LastSeen.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Invariant), $"{row.Host ?? "?"} [{row.Ip ?? "?"}]");
        }

        WriteOrNone(noTls, output);
        output.WriteLine();
    }

    private static void WriteOrNone(TextTable table, TextWriter output)
    {
        if (table.Count == 0)
        {
            output.WriteLine("  none");
        }
        else
        {
            table.WriteTo(output);
        }
    }

    private static IEnumerable<string> AuthHeadings() => TransitSecurity.AuthLevels.Select(a => a == TransitAuth.None ? "No TLS" : Capitalise(a.ToWire()));

    private static IEnumerable<string> CipherHeadings() => TransitSecurity.CipherClasses.Where(c => c != CipherClass.None).Select(c => "Cipher " + c.ToWire());

    private static IEnumerable<string> Shares(SecurityCounts breakdown) =>
        TransitSecurity.AuthLevels.Select(a => Percent(breakdown, breakdown.Percent(a)))
            .Concat(TransitSecurity.CipherClasses.Where(c => c != CipherClass.None).Select(c => Percent(breakdown, breakdown.Percent(c))));

    private static string Percent(SecurityCounts breakdown, double percent) => breakdown.Messages == 0 ? "-" : percent.ToString("0.0", Invariant) + "%";

    private static string Capitalise(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    private static string Number(long value) => value.ToString("N0", Invariant);

    private static string Share(double percent) => percent.ToString("0.##", Invariant);

    // ---- JSON (docs/report-json.md, "transitSecurity") ----

    public void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject("transitSecurity");
        json.WriteStartObject("directions");
        foreach (var (direction, breakdown) in Directions)
        {
            json.WriteStartObject(direction.ToWire());
            WriteBreakdownFields(json, breakdown);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteStartArray("connectors");
        foreach (var row in Connectors)
        {
            json.WriteStartObject();
            json.WriteString("name", row.Name);
            json.WriteString("type", row.Type.ToWire());
            json.WriteString("direction", row.Direction.ToWire());
            json.WriteBoolean("forcedTls", row.ForcedTls);
            WriteBreakdownFields(json, row.Total);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("peers");
        foreach (var peer in Peers)
        {
            json.WriteStartObject();
            json.WriteString("concern", peer.Concern.ToWire());
            json.WriteString("peer", peer.Peer);
            json.WriteString("direction", peer.Direction.ToWire());
            json.WriteString("connector", peer.Connector);
            json.WriteString("connectorType", peer.ConnectorType.ToWire());
            json.WriteString("auth", peer.Auth.ToWire());
            json.WriteString("cipher", peer.Cipher.ToWire());
            WriteSources(json, peer.Sources);
            json.WriteNumber("messages", peer.Messages);
            WriteLast(json, peer.LastSeen, peer.Host, peer.Ip);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("blocked");
        foreach (var row in Blocked)
        {
            json.WriteStartObject();
            json.WriteString("recipientDomain", row.Domain);
            json.WriteString("reason", row.Reason.ToWire());
            json.WriteString("connector", row.Connector);
            WriteSources(json, row.Sources);
            json.WriteNumber("deliveries", row.Deliveries);
            WriteLast(json, row.LastSeen, row.Host, row.Ip);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("noTlsDomains");
        foreach (var row in NoTlsDomains)
        {
            json.WriteStartObject();
            json.WriteString("recipientDomain", row.Domain);
            json.WriteNumber("messages", row.Messages);
            WriteLast(json, row.LastSeen, row.Host, row.Ip);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("insights");
        foreach (var insight in Insights)
        {
            json.WriteStartObject();
            json.WriteString("id", insight.Id);
            json.WriteString("kind", insight.Kind.ToString());
            json.WriteString("title", insight.Title);
            json.WriteString("severity", insight.SeverityWire);
            json.WriteString("direction", insight.Direction.ToWire());
            json.WriteString("connector", insight.Connector);
            json.WriteString("connectorType", insight.ConnectorType.ToWire());
            json.WriteNumber("messages", insight.Messages);
            json.WriteNumber("connectorMessages", insight.TotalMessages);
            json.WriteNumber("sharePercent", Math.Round(insight.SharePercent, 2));
            json.WriteNumber("thresholdPercent", insight.ThresholdPercent);
            json.WriteString("advice", insight.Advice);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteBreakdownFields(Utf8JsonWriter json, SecurityCounts breakdown)
    {
        json.WriteNumber("messages", breakdown.Messages);
        json.WriteStartObject("auth");
        foreach (var auth in TransitSecurity.AuthLevels)
        {
            json.WriteStartObject(auth.ToWire());
            json.WriteNumber("messages", breakdown[auth]);
            json.WriteNumber("percent", Math.Round(breakdown.Percent(auth), 2));
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteStartObject("cipher");
        foreach (var cipher in TransitSecurity.CipherClasses)
        {
            json.WriteStartObject(cipher.ToWire());
            json.WriteNumber("messages", breakdown[cipher]);
            json.WriteNumber("percent", Math.Round(breakdown.Percent(cipher), 2));
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static void WriteSources(Utf8JsonWriter json, IReadOnlyList<string> sources)
    {
        json.WriteStartArray("sources");
        foreach (var source in sources)
        {
            json.WriteStringValue(source);
        }

        json.WriteEndArray();
    }

    private static void WriteLast(Utf8JsonWriter json, DateTimeOffset lastSeen, string? host, string? ip)
    {
        json.WriteString("lastSeen", lastSeen.UtcDateTime);
        json.WriteString("host", host);
        json.WriteString("ip", ip);
    }

    // ---- CSV (the report's columns plus auth, cipher, reason) ----

    /// <summary>
    /// Rows of sections <c>security</c> (per direction when <c>connector</c> is empty, else per connector: one row per
    /// auth level with <c>auth</c> set, one per cipher class with <c>cipher</c> set), <c>security-peer</c> (its
    /// concern in <c>reason</c>), <c>blocked</c> (recipient domain in <c>peer</c>, reason in <c>reason</c>, deliveries
    /// in <c>messages</c>), <c>no-tls-domain</c> and <c>security-insight</c> (its id in <c>reason</c>, its messages in
    /// <c>messages</c>, its share in <c>percent</c>, and the last five columns: severity, the connector's messages,
    /// threshold, title, advice).
    /// </summary>
    public void WriteCsv(TextWriter output)
    {
        foreach (var (direction, breakdown) in Directions)
        {
            WriteBreakdownRows(output, direction, "", "", "", breakdown);
        }

        foreach (var row in Connectors)
        {
            WriteBreakdownRows(output, row.Direction, CsvReportWriter.Quote(row.Name), row.Type.ToWire(), row.ForcedTls ? "true" : "false", row.Total);
        }

        foreach (var peer in Peers)
        {
            WriteCsvRow(output, "security-peer", peer.Direction.ToWire(), CsvReportWriter.Quote(peer.Connector), peer.ConnectorType.ToWire(), "", Count(peer.Messages), "",
                CsvReportWriter.Quote(peer.Peer), CsvReportWriter.Quote(string.Join(' ', peer.Sources)), Time(peer.LastSeen), peer.Host, peer.Ip, peer.Auth.ToWire(), peer.Cipher.ToWire(), peer.Concern.ToWire());
        }

        foreach (var row in Blocked)
        {
            WriteCsvRow(output, "blocked", Direction.Outbound.ToWire(), CsvReportWriter.Quote(row.Connector), "", "", Count(row.Deliveries), "",
                CsvReportWriter.Quote(row.Domain), CsvReportWriter.Quote(string.Join(' ', row.Sources)), Time(row.LastSeen), row.Host, row.Ip, "", "", row.Reason.ToWire());
        }

        foreach (var row in NoTlsDomains)
        {
            WriteCsvRow(output, "no-tls-domain", Direction.Outbound.ToWire(), "", "", "", Count(row.Messages), "",
                CsvReportWriter.Quote(row.Domain), "", Time(row.LastSeen), row.Host, row.Ip, "", "", "");
        }

        foreach (var insight in Insights)
        {
            WriteCsvRow(output, "security-insight", insight.Direction.ToWire(), CsvReportWriter.Quote(insight.Connector), insight.ConnectorType.ToWire(), "", Count(insight.Messages),
                Share(insight.SharePercent), "", "", "", null, null, "", "", insight.Id,
                insight.SeverityWire, Count(insight.TotalMessages), Share(insight.ThresholdPercent), CsvReportWriter.Quote(insight.Title), CsvReportWriter.Quote(insight.Advice));
        }
    }

    private static void WriteBreakdownRows(TextWriter output, Direction direction, string connector, string type, string forced, SecurityCounts breakdown)
    {
        foreach (var auth in TransitSecurity.AuthLevels)
        {
            WriteCsvRow(output, "security", direction.ToWire(), connector, type, forced, Count(breakdown[auth]), Share(breakdown.Percent(auth)), "", "", "", null, null, auth.ToWire(), "", "");
        }

        foreach (var cipher in TransitSecurity.CipherClasses)
        {
            WriteCsvRow(output, "security", direction.ToWire(), connector, type, forced, Count(breakdown[cipher]), Share(breakdown.Percent(cipher)), "", "", "", null, null, "", cipher.ToWire(), "");
        }
    }

    private static void WriteCsvRow(
        TextWriter output, string section, string direction, string connector, string type, string forced, string messages, string percent,
        string peer, string sources, string lastSeen, string? host, string? ip, string auth, string cipher, string reason,
        string severity = "", string total = "", string threshold = "", string title = "", string advice = "")
    {
        // section,date,direction,connector,connector_type,forced_tls,tls,messages,percent,peer,sources,last_seen,last_host,last_ip,auth,cipher,reason,
        // severity,total,threshold_percent,title,advice
        output.Write(string.Join(',', section, "", direction, connector, type, forced, "", messages, percent, peer, sources, lastSeen,
            CsvReportWriter.Quote(host ?? ""), CsvReportWriter.Quote(ip ?? ""), auth, cipher, reason, severity, total, threshold, title, advice));
        output.Write('\n');
    }

    private static string Count(long value) => value.ToString(Invariant);

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", Invariant);
}
