namespace MailFlow.Exporter.Formats.Postfix;

/// <summary>Placeholder until the postfix parser lands.</summary>
public sealed class PostfixFormat : ILogFormat
{
    public string Name => "postfix";

    public string Description => "Postfix logs (not yet implemented)";

    public double Detect(IReadOnlyList<string> sample) => 0;

    public ILogParser CreateParser(ParseContext context) => throw new NotSupportedException("postfix parser not implemented yet");
}
