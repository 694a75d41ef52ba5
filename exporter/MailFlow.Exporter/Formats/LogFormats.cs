using MailFlow.Exporter.Formats.Csv;
using MailFlow.Exporter.Formats.Exchange;
using MailFlow.Exporter.Formats.Exim;
using MailFlow.Exporter.Formats.Postfix;
using MailFlow.Exporter.Formats.Sendmail;

namespace MailFlow.Exporter.Formats;

/// <summary>Every log format the exporter reads.</summary>
public static class LogFormats
{
    public static readonly IReadOnlyList<ILogFormat> All =
    [
        new PostfixFormat(),
        new ExchangeFormat(),
        new EximFormat(),
        new SendmailFormat(),
        new CsvFormat(),
    ];

    /// <summary>The format with this name (case-insensitive), or null.</summary>
    public static ILogFormat? Find(string name) =>
        All.FirstOrDefault(format => string.Equals(format.Name, name, StringComparison.OrdinalIgnoreCase));
}
