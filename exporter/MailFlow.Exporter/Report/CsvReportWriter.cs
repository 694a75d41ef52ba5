using System.Globalization;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;

namespace MailFlow.Exporter.Report;

/// <summary>
/// The report as one tidy CSV table (one row per slice and TLS version) that spreadsheets pivot easily:
/// <c>section,date,direction,connector,connector_type,forced_tls,tls,messages,percent,peer,sources,last_seen,last_host,last_ip</c>.
/// Sections: <c>widget</c> (per direction over the window), <c>day</c> (per day and direction), <c>connector</c>
/// (per connector per day), <c>peer</c> (the legacy peers over the window: the last five columns are theirs, and
/// <c>sources</c> lists the mail servers separated by spaces), and the transit-security sections (the columns from
/// <c>auth</c> on are theirs: see <see cref="TransitSecurityReport.WriteCsv"/>).
/// </summary>
public static class CsvReportWriter
{
    public const string Header = "section,date,direction,connector,connector_type,forced_tls,tls,messages,percent,peer,sources,last_seen,last_host,last_ip,auth,cipher,reason,severity,total,threshold_percent,title,advice";

    public static void Write(ReportModel report, TextWriter output)
    {
        output.WriteLine(Header);
        foreach (var (direction, tls) in report.Directions)
        {
            WriteRows(output, "widget", "", direction, "", "", "", tls);
        }

        foreach (var (date, direction, tls) in report.Days)
        {
            WriteRows(output, "day", Date(date), direction, "", "", "", tls);
        }

        foreach (var row in report.Connectors)
        {
            foreach (var (date, tls) in row.Days)
            {
                WriteRows(output, "connector", Date(date), row.Direction, row.Name, row.Type.ToWire(), row.ForcedTls ? "true" : "false", tls);
            }
        }

        foreach (var peer in report.Peers)
        {
            output.Write(string.Join(',', "peer", "", peer.Direction.ToWire(), Quote(peer.Connector), ConnectorTypeOf(report, peer), "", peer.Tls.ToWire(),
                peer.Messages.ToString(CultureInfo.InvariantCulture), "", Quote(peer.Peer), Quote(string.Join(' ', peer.Sources)),
                peer.LastSeen.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), Quote(peer.Host ?? ""), Quote(peer.Ip ?? ""), "", "", "", "", "", "", "", ""));
            output.Write('\n');
        }

        report.TransitSecurity.WriteCsv(output);
    }

    private static void WriteRows(TextWriter output, string section, string date, Direction direction, string connector, string type, string forced, TlsCounts tls)
    {
        foreach (var version in TlsVersions.All)
        {
            output.Write(string.Join(',', section, date, direction.ToWire(), Quote(connector), type, forced, version.ToWire(),
                tls[version].ToString(CultureInfo.InvariantCulture), tls.Percent(version).ToString("0.##", CultureInfo.InvariantCulture), "", "", "", "", "", "", "", "", "", "", "", "", ""));
            output.Write('\n');
        }
    }

    /// <summary>A peer's connector type: its connector's in the window (the peers' totals do not repeat it).</summary>
    private static string ConnectorTypeOf(ReportModel report, LegacyPeer peer) =>
        report.Connectors.FirstOrDefault(c => c.Direction == peer.Direction && c.Name == peer.Connector)?.Type.ToWire() ?? "";

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>RFC 4180 quoting; a leading formula character is neutralised so spreadsheets do not evaluate names.</summary>
    public static string Quote(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
