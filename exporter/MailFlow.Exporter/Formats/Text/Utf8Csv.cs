namespace MailFlow.Exporter.Formats.Text;

/// <summary>RFC 4180 field splitting on UTF-8 bytes, without allocating.</summary>
public static class Utf8Csv
{
    /// <summary>
    /// Splits a CSV line into fields. A quoted field's range excludes its quotes and keeps doubled quotes, which
    /// only matter for the strings made from it (<see cref="Unescape"/>).
    /// </summary>
    public static int Split(ReadOnlySpan<byte> line, Span<Range> fields) => Split(line, fields, out _);

    /// <summary>Splits a CSV line; <paramref name="unterminated"/> tells a quoted field had no closing quote.</summary>
    public static int Split(ReadOnlySpan<byte> line, Span<Range> fields, out bool unterminated)
    {
        unterminated = false;
        var count = 0;
        var position = 0;
        while (count < fields.Length)
        {
            if (position < line.Length && line[position] == '"')
            {
                var i = position + 1;
                while (true)
                {
                    var quote = line[i..].IndexOf((byte)'"');
                    if (quote < 0)
                    {
                        // Unterminated quote: the rest of the line is the field.
                        unterminated = true;
                        fields[count++] = new Range(position + 1, line.Length);
                        return count;
                    }

                    i += quote;
                    if (i + 1 < line.Length && line[i + 1] == '"')
                    {
                        i += 2;
                        continue;
                    }

                    break;
                }

                fields[count++] = new Range(position + 1, i);
                var next = line[(i + 1)..].IndexOf((byte)',');
                if (next < 0)
                {
                    return count;
                }

                position = i + 1 + next + 1;
                continue;
            }

            var comma = line[position..].IndexOf((byte)',');
            if (comma < 0)
            {
                fields[count++] = new Range(position, line.Length);
                return count;
            }

            fields[count++] = new Range(position, position + comma);
            position += comma + 1;
        }

        return count;
    }

    /// <summary>A field's string: doubled quotes inside a quoted field become one.</summary>
    public static string? Unescape(ReadOnlySpan<byte> field, Utf8StringCache strings)
    {
        if (field.IndexOf("\"\""u8) < 0)
        {
            return strings.Get(field);
        }

        Span<byte> buffer = field.Length <= 512 ? stackalloc byte[field.Length] : new byte[field.Length];
        var length = 0;
        for (var i = 0; i < field.Length; i++)
        {
            buffer[length++] = field[i];
            if (field[i] == '"' && i + 1 < field.Length && field[i + 1] == '"')
            {
                i++;
            }
        }

        return strings.Get(buffer[..length]);
    }
}
