namespace MailFlow.Exporter.Formats.Exchange;

/// <summary>Placeholder until the exchange parser lands.</summary>
public sealed class ExchangeFormat : ILogFormat
{
    public string Name => "exchange";

    public string Description => "Exchange logs (not yet implemented)";

    public double Detect(IReadOnlyList<string> sample) => 0;

    public ILogParser CreateParser(ParseContext context) => throw new NotSupportedException("exchange parser not implemented yet");
}
