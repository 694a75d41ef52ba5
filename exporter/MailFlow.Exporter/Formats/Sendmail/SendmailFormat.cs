namespace MailFlow.Exporter.Formats.Sendmail;

/// <summary>Placeholder until the sendmail parser lands.</summary>
public sealed class SendmailFormat : ILogFormat
{
    public string Name => "sendmail";

    public string Description => "Sendmail logs (not yet implemented)";

    public double Detect(IReadOnlyList<string> sample) => 0;

    public ILogParser CreateParser(ParseContext context) => throw new NotSupportedException("sendmail parser not implemented yet");
}
