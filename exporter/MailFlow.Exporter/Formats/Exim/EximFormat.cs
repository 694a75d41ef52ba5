using System.Text;

namespace MailFlow.Exporter.Formats.Exim;

/// <summary>
/// Exim's main log (<c>/var/log/exim4/mainlog</c>): <c>&lt;=</c> arrivals and <c>=&gt;</c> deliveries with their
/// <c>X=</c> TLS protocol and cipher, in every timestamp variant log_selector allows.
/// </summary>
public sealed class EximFormat : ILogFormat
{
    public string Name => "exim";

    public string Description => "Exim main log (mainlog)";

    public double Detect(IReadOnlyList<string> sample)
    {
        if (sample.Count == 0)
        {
            return 0;
        }

        var timestamped = 0;
        var messageLines = 0;
        foreach (var line in sample)
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            if (!EximParser.TryReadPrefix(bytes, TimeZoneInfo.Utc, out _, out var rest))
            {
                continue;
            }

            timestamped++;
            if (EximParser.TryReadMessageId(rest, out _, out var afterId)
                && (afterId.StartsWith("<= "u8) || afterId.StartsWith("=> "u8) || afterId.StartsWith("-> "u8) || afterId.StartsWith("** "u8)
                    || afterId.StartsWith("== "u8) || afterId.StartsWith("Completed"u8)))
            {
                messageLines++;
            }
        }

        if (messageLines == 0)
        {
            return 0.2 * timestamped / sample.Count;
        }

        return 0.3 + (0.65 * timestamped / sample.Count);
    }

    public ILogParser CreateParser(ParseContext context) => new EximParser(context);
}
