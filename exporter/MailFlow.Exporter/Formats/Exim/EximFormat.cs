namespace MailFlow.Exporter.Formats.Exim;

/// <summary>Placeholder until the exim parser lands.</summary>
public sealed class EximFormat : ILogFormat
{
    public string Name => "exim";

    public string Description => "Exim logs (not yet implemented)";

    public double Detect(IReadOnlyList<string> sample) => 0;

    public ILogParser CreateParser(ParseContext context) => throw new NotSupportedException("exim parser not implemented yet");
}
