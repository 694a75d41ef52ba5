using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;

namespace MailFlow.Exporter.Report;

/// <summary>
/// The report as JSON for scripts. The schema is documented in docs/report-json.md and versioned by
/// <see cref="SchemaVersion"/>: fields are only ever added within a version.
/// </summary>
public static class JsonReportWriter
{
    public const int SchemaVersion = 1;

    public static void Write(ReportModel report, Stream output)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteNumber("schemaVersion", SchemaVersion);
        if (report.Window is { } window)
        {
            json.WriteStartObject("window");
            json.WriteString("from", window.From.UtcDateTime);
            json.WriteString("to", window.To.UtcDateTime);
            json.WriteBoolean("explicit", window.Explicit);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("window");
        }

        json.WriteStartObject("directions");
        foreach (var (direction, tls) in report.Directions)
        {
            json.WritePropertyName(direction.ToWire());
            WriteBreakdown(json, tls);
        }

        json.WriteEndObject();

        json.WriteStartArray("days");
        foreach (var (date, direction, tls) in report.Days)
        {
            json.WriteStartObject();
            json.WriteString("date", date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            json.WriteString("direction", direction.ToWire());
            WriteBreakdownFields(json, tls);
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("connectors");
        foreach (var row in report.Connectors)
        {
            json.WriteStartObject();
            json.WriteString("name", row.Name);
            json.WriteString("type", row.Type.ToWire());
            json.WriteString("direction", row.Direction.ToWire());
            json.WriteBoolean("forcedTls", row.ForcedTls);
            WriteBreakdownFields(json, row.Total);
            json.WriteStartArray("days");
            foreach (var (date, tls) in row.Days)
            {
                json.WriteStartObject();
                json.WriteString("date", date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                WriteBreakdownFields(json, tls);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("insights");
        foreach (var insight in report.Insights)
        {
            json.WriteStartObject();
            json.WriteString("id", insight.Id);
            json.WriteString("title", insight.Title);
            json.WriteString("severity", insight.SeverityWire);
            json.WriteString("direction", insight.Direction.ToWire());
            json.WriteString("connector", insight.Connector);
            json.WriteString("connectorType", insight.ConnectorType.ToWire());
            json.WriteString("tls", insight.Tls.ToWire());
            json.WriteNumber("messages", insight.Messages);
            json.WriteNumber("connectorMessages", insight.TotalMessages);
            json.WriteNumber("sharePercent", Math.Round(insight.SharePercent, 2));
            json.WriteNumber("thresholdPercent", insight.ThresholdPercent);
            json.WriteString("advice", insight.Advice);
            json.WriteEndObject();
        }

        json.WriteEndArray();

        json.WriteStartArray("peers");
        foreach (var peer in report.Peers)
        {
            json.WriteStartObject();
            json.WriteString("peer", peer.Peer);
            json.WriteString("direction", peer.Direction.ToWire());
            json.WriteString("connector", peer.Connector);
            json.WriteString("tls", peer.Tls.ToWire());
            json.WriteStartArray("sources");
            foreach (var source in peer.Sources)
            {
                json.WriteStringValue(source);
            }

            json.WriteEndArray();
            json.WriteNumber("messages", peer.Messages);
            json.WriteString("lastSeen", peer.LastSeen.UtcDateTime);
            json.WriteString("host", peer.Host);
            json.WriteString("ip", peer.Ip);
            json.WriteEndObject();
        }

        json.WriteEndArray();

        report.TransitSecurity.WriteJson(json);
        WriteInput(json, report.Input);
        json.WriteStartObject("settings");
        json.WriteNumber("tls10Percent", report.Settings.Tls10Percent);
        json.WriteNumber("minMessages", report.Settings.MinMessages);
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
        output.WriteByte((byte)'\n');
    }

    private static void WriteInput(Utf8JsonWriter json, InputSummary input)
    {
        json.WriteStartObject("input");
        json.WriteNumber("lines", input.Lines);
        json.WriteNumber("bytes", input.Bytes);
        json.WriteNumber("records", input.Records);
        json.WriteNumber("recordsOutsideWindow", input.RecordsOutsideWindow);
        json.WriteNumber("linesNotUnderstood", input.LinesNotUnderstood);
        json.WriteNumber("otherProgramLines", input.OtherProgramLines);
        json.WriteStartArray("files");
        foreach (var file in input.Files)
        {
            json.WriteStartObject();
            json.WriteString("path", file.Source.DisplayName);
            json.WriteString("format", file.Format);
            json.WriteNumber("lines", file.Lines.Lines);
            json.WriteNumber("bytes", file.Lines.Bytes);
            json.WriteNumber("otherProgramLines", file.Lines.OtherProgramLines);
            json.WriteString("error", file.Error);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("problems");
        foreach (var group in input.Problems.Groups)
        {
            json.WriteStartObject();
            json.WriteString("reason", group.Reason);
            json.WriteString("severity", group.Severity.ToString().ToLowerInvariant());
            json.WriteNumber("count", group.Count);
            json.WriteStartArray("examples");
            foreach (var example in group.Examples)
            {
                json.WriteStartObject();
                json.WriteString("source", example.Source);
                json.WriteNumber("line", example.Line);
                json.WriteString("detail", example.Detail);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteBreakdown(Utf8JsonWriter json, TlsCounts tls)
    {
        json.WriteStartObject();
        WriteBreakdownFields(json, tls);
        json.WriteEndObject();
    }

    private static void WriteBreakdownFields(Utf8JsonWriter json, TlsCounts tls)
    {
        json.WriteNumber("messages", tls.Total);
        json.WriteNumber("recipients", tls.Recipients);
        json.WriteNumber("bytes", tls.Bytes);
        json.WriteStartObject("tls");
        foreach (var version in TlsVersions.All)
        {
            json.WriteNumber(version.ToWire(), tls[version]);
        }

        json.WriteEndObject();
        json.WriteStartObject("percent");
        foreach (var version in TlsVersions.All)
        {
            json.WriteNumber(version.ToWire(), Math.Round(tls.Percent(version), 2));
        }

        json.WriteEndObject();
    }
}
