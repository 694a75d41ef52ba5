namespace MailFlow.Exporter.Formats.Csv;

/// <summary>Placeholder until the csv parser lands.</summary>
public sealed class CsvFormat : ILogFormat
{
    public string Name => "csv";

    public string Description => "Csv logs (not yet implemented)";

    public double Detect(IReadOnlyList<string> sample) => 0;

    public ILogParser CreateParser(ParseContext context) => throw new NotSupportedException("csv parser not implemented yet");
}
