namespace MailFlow.Exporter.Formats.Csv;

/// <summary>
/// The generic CSV any other source can produce: a header row naming the columns (<c>timestamp</c>,
/// <c>direction</c>, <c>tls</c> and optional ones), one message per row. See <c>docs/csv-format.md</c>.
/// </summary>
public sealed class CsvFormat : ILogFormat
{
    public string Name => "csv";

    public string Description => "Generic CSV, one message per row (docs/csv-format.md)";

    public double Detect(IReadOnlyList<string> sample)
    {
        foreach (var line in sample)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            // The first row is the header: it must name the two required columns.
            var hasTimestamp = false;
            var hasDirection = false;
            foreach (var name in line.Split(','))
            {
                var column = name.Trim().Trim('"').Trim();
                hasTimestamp |= column.Equals(CsvParser.TimestampColumn, StringComparison.OrdinalIgnoreCase);
                hasDirection |= column.Equals(CsvParser.DirectionColumn, StringComparison.OrdinalIgnoreCase);
            }

            return hasTimestamp && hasDirection ? 0.95 : 0;
        }

        return 0;
    }

    public ILogParser CreateParser(ParseContext context) => new CsvParser(context);
}
