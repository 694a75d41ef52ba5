namespace MailFlow.Exporter.Formats.Exchange;

/// <summary>
/// Exchange Server SMTP protocol logs (SmtpReceive and SmtpSend, Exchange 2013 and later): CSV lines under
/// <c>#Log-type:</c> and <c>#Fields:</c> headers, one line per SMTP event, sessions interleaved.
/// </summary>
public sealed class ExchangeFormat : ILogFormat
{
    public string Name => "exchange";

    public string Description => "Exchange Server SMTP protocol logs (SmtpReceive, SmtpSend)";

    public double Detect(IReadOnlyList<string> sample)
    {
        var eventLines = 0;
        foreach (var line in sample)
        {
            if (line.StartsWith("#Log-type: SMTP Receive Protocol Log", StringComparison.OrdinalIgnoreCase)
                || line.StartsWith("#Log-type: SMTP Send Protocol Log", StringComparison.OrdinalIgnoreCase))
            {
                return 1.0;
            }

            if (line.StartsWith("#Fields:", StringComparison.Ordinal) && line.Contains("connector-id", StringComparison.Ordinal)
                && line.Contains("session-id", StringComparison.Ordinal))
            {
                return 0.95;
            }

            if (LooksLikeEventLine(line))
            {
                eventLines++;
            }
        }

        // A file cut from the middle of a log (no header): most lines are ISO-timestamped CSV events.
        return sample.Count == 0 ? 0 : 0.8 * eventLines / sample.Count;
    }

    public ILogParser CreateParser(ParseContext context) => new ExchangeParser(context);

    private static bool LooksLikeEventLine(string line)
    {
        // 2023-01-11T16:00:01.010Z,<connector>,<16 hex session>,...
        if (line.Length < 40 || line[4] != '-' || line[10] != 'T' || !line.AsSpan(0, 30).Contains("Z,", StringComparison.Ordinal))
        {
            return false;
        }

        return line.Contains(",+,", StringComparison.Ordinal) || line.Contains(",-,", StringComparison.Ordinal)
            || line.Contains(",>,", StringComparison.Ordinal) || line.Contains(",<,", StringComparison.Ordinal)
            || line.Contains(",*,", StringComparison.Ordinal);
    }
}
