using System.Text;

namespace MailFlow.Exporter.Report;

/// <summary>A plain-text table with aligned columns (numbers right-aligned), readable in any terminal.</summary>
public sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public int Count => _rows.Count;

    public void WriteTo(TextWriter output, string indent = "  ")
    {
        var widths = new int[headers.Length];
        var numeric = new bool[headers.Length];
        for (var c = 0; c < headers.Length; c++)
        {
            widths[c] = headers[c].Length;
            numeric[c] = _rows.Count > 0 && _rows.All(r => r[c].Length == 0 || IsNumeric(r[c]));
            foreach (var row in _rows)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }

        WriteRow(output, indent, headers, widths, numeric);
        WriteRow(output, indent, widths.Select(w => new string('-', w)).ToArray(), widths, numeric);
        foreach (var row in _rows)
        {
            WriteRow(output, indent, row, widths, numeric);
        }
    }

    private static void WriteRow(TextWriter output, string indent, string[] cells, int[] widths, bool[] numeric)
    {
        var line = new StringBuilder(indent);
        for (var c = 0; c < cells.Length; c++)
        {
            if (c > 0)
            {
                line.Append("  ");
            }

            line.Append(numeric[c] ? cells[c].PadLeft(widths[c]) : cells[c].PadRight(widths[c]));
        }

        output.WriteLine(line.ToString().TrimEnd());
    }

    private static bool IsNumeric(string cell) => cell == "-" || (cell.Length > 0 && char.IsAsciiDigit(cell[^1] == '%' && cell.Length > 1 ? cell[^2] : cell[^1]) && cell.TrimStart('-').All(ch => char.IsAsciiDigit(ch) || ch is '.' or ',' or '%'));
}
