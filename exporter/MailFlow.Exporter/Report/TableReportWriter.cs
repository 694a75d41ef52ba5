using System.Globalization;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;

namespace MailFlow.Exporter.Report;

/// <summary>The report for a terminal: the widget, the per-day details, the connector report, insights, legacy peers, input statistics.</summary>
public static class TableReportWriter
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Write(ReportModel report, TextWriter output)
    {
        if (report.Window is not { } window)
        {
            output.WriteLine("No mail flow found in the input.");
            output.WriteLine();
            WriteInput(report.Input, output);
            return;
        }

        var to = window.To.AddTicks(-1);
        output.WriteLine($"MailFlow TLS Insights: {window.From.UtcDateTime:yyyy-MM-dd HH:mm} to {to.UtcDateTime:yyyy-MM-dd HH:mm} UTC{(window.Explicit ? "" : $" (the last {ReportBuilder.DefaultDays} days of the data)")}");
        output.WriteLine();

        output.WriteLine("Outbound and inbound mail flow (messages by TLS version)");
        var widget = new TextTable(["Direction", "Messages", .. TlsVersions.All.Select(Heading)]);
        foreach (var (direction, tls) in report.Directions)
        {
            if (direction != Direction.Submission || tls.Total > 0)
            {
                widget.Add([direction == Direction.Submission ? "submission (SMTP Auth clients)" : direction.ToWire(), Number(tls.Total), .. TlsVersions.All.Select(v => Percent(tls, v))]);
            }
        }

        widget.WriteTo(output);
        output.WriteLine();

        output.WriteLine("Message protected in transit (by TLS), per day");
        var days = new TextTable(["Date", "Direction", "Messages", .. TlsVersions.All.Select(Heading)]);
        foreach (var (date, direction, tls) in report.Days)
        {
            days.Add([date.ToString("yyyy-MM-dd", Invariant), direction.ToWire(), Number(tls.Total), .. TlsVersions.All.Select(v => Percent(tls, v))]);
        }

        days.WriteTo(output);
        output.WriteLine();

        output.WriteLine("Connector report");
        var connectors = new TextTable("Direction", "Connector", "Type", "Forced TLS", "No TLS %", "TLS1.0 %", "TLS1.1 %", "TLS1.2 %", "TLS1.3 %", "Unknown %", "Volume");
        foreach (var row in report.Connectors)
        {
            var t = row.Total;
            connectors.Add(row.Direction.ToWire(), row.Name, row.Type == ConnectorType.Internet ? "" : row.Type.ToWire(), row.ForcedTls ? "Yes" : "No",
                Share(t, TlsVersion.None), Share(t, TlsVersion.Tls10, TlsVersion.Ssl3), Share(t, TlsVersion.Tls11), Share(t, TlsVersion.Tls12), Share(t, TlsVersion.Tls13), Share(t, TlsVersion.Unknown), Number(t.Total));
        }

        connectors.WriteTo(output);
        output.WriteLine();

        output.WriteLine($"Insights (TLS 1.0 share >= {report.Settings.Tls10Percent.ToString("0.##", Invariant)}% on a Partner or OnPremises connector with >= {report.Settings.MinMessages} messages; plaintext on a Forced TLS connector)");
        if (report.Insights.Count == 0)
        {
            output.WriteLine("  none");
        }

        foreach (var insight in report.Insights)
        {
            output.WriteLine($"  [{insight.SeverityWire}] {insight.Title}: '{insight.Connector}': {Number(insight.Messages)} of {Number(insight.TotalMessages)} messages ({insight.SharePercent.ToString("0.#", Invariant)}%)");
            output.WriteLine($"      {insight.Advice}");
        }

        output.WriteLine();
        output.WriteLine("Legacy peers to contact (plaintext, SSLv3, TLS 1.0, TLS 1.1)");
        // With one mail server the column would repeat its name on every row; with several it says which saw the peer.
        var showServers = report.Peers.Any(p => p.Sources.Count > 1);
        var peers = new TextTable(["TLS", "Direction", "Peer", "Connector", .. showServers ? ["Mail servers"] : Array.Empty<string>(), "Messages", "Last seen (UTC)", "Last host [IP]"]);
        foreach (var peer in report.Peers)
        {
            string[] servers = showServers ? [string.Join(", ", peer.Sources)] : [];
            peers.Add([peer.Tls.ToWire(), peer.Direction.ToWire(), peer.Peer, peer.Connector, .. servers, Number(peer.Messages), peer.LastSeen.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Invariant), $"{peer.Host ?? "?"} [{peer.Ip ?? "?"}]"]);
        }

        if (peers.Count == 0)
        {
            output.WriteLine("  none");
        }
        else
        {
            peers.WriteTo(output);
        }

        output.WriteLine();
        report.TransitSecurity.WriteTable(output);
        WriteInput(report.Input, output);
    }

    private static void WriteInput(InputSummary input, TextWriter output)
    {
        output.WriteLine($"Input: {input.Files.Count} file(s), {Number(input.Lines)} lines ({(input.Bytes / 1e6).ToString("0.0", Invariant)} MB), {Number(input.Records)} messages counted{(input.RecordsOutsideWindow > 0 ? $" (+{Number(input.RecordsOutsideWindow)} outside the window)" : "")}, {Number(input.LinesNotUnderstood)} lines not understood; lines of other programs: {Number(input.OtherProgramLines)}");
        var files = new TextTable("File", "Format", "Lines", "Status");
        foreach (var file in input.Files)
        {
            files.Add(file.Source.DisplayName, file.Format ?? "-", Number(file.Lines.Lines), file.Error ?? "ok");
        }

        files.WriteTo(output);
        var groups = input.Problems.Groups.ToList();
        if (groups.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Problems");
            foreach (var group in groups)
            {
                var places = string.Join(", ", group.Examples.Select(e => e.Line > 0 ? $"{e.Source}:{e.Line}" : e.Source));
                output.WriteLine($"  [{group.Severity.ToString().ToLowerInvariant()}] {group.Reason} x{Number(group.Count)} ({places}{(group.Count > group.Examples.Count ? ", ..." : "")})");
                var detail = group.Examples.Select(e => e.Detail).FirstOrDefault(d => !string.IsNullOrEmpty(d));
                if (detail is not null)
                {
                    output.WriteLine($"      {detail}");
                }
            }
        }
    }

    private static string Heading(TlsVersion version) => version == TlsVersion.None ? "No TLS" : version.ToWire();

    private static string Number(long value) => value.ToString("N0", Invariant);

    private static string Percent(TlsCounts tls, TlsVersion version) => tls.Total == 0 ? "-" : tls.Percent(version).ToString("0.0", Invariant) + "%";

    private static string Share(TlsCounts tls, params TlsVersion[] versions) =>
        tls.Total == 0 ? "-" : versions.Sum(tls.Percent).ToString("0.0", Invariant);
}
