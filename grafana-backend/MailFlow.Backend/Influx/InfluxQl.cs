using System.Globalization;
using System.Text;

namespace MailFlow.Backend.Influx;

/// <summary>
/// The only place where values become InfluxQL text. Strings are single-quoted with backslash, quote and line
/// breaks escaped (InfluxQL's scanner rejects a raw newline inside a literal); identifiers are double-quoted the
/// same way; times are integer epoch nanoseconds, never user text. No regular expressions are ever built from user
/// values: sets of names become OR'ed equalities.
/// </summary>
internal static class InfluxQl
{
    /// <summary><c>'value'</c> with <c>\</c>, <c>'</c>, CR and LF escaped.</summary>
    public static string QuoteString(string value) => Quote(value, '\'');

    /// <summary><c>"name"</c> with <c>\</c>, <c>"</c>, CR and LF escaped.</summary>
    public static string QuoteIdentifier(string name) => Quote(name, '"');

    /// <summary>An instant as an InfluxQL integer time literal (nanoseconds since the Unix epoch).</summary>
    public static string Time(DateTimeOffset instant) =>
        ((instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100).ToString(CultureInfo.InvariantCulture);

    /// <summary>A duration as an InfluxQL duration literal in whole seconds (<c>300s</c>).</summary>
    public static string Duration(TimeSpan duration) =>
        ((long)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s";

    /// <summary><c>"tag" = 'a' OR "tag" = 'b'</c> in parentheses, or null for an empty set.</summary>
    public static string? AnyOf(string tag, IEnumerable<string> values)
    {
        var builder = new StringBuilder();
        foreach (var value in values.Distinct(StringComparer.Ordinal))
        {
            builder.Append(builder.Length == 0 ? "(" : " OR ").Append(QuoteIdentifier(tag)).Append(" = ").Append(QuoteString(value));
        }

        return builder.Length == 0 ? null : builder.Append(')').ToString();
    }

    private static string Quote(string value, char quote)
    {
        var builder = new StringBuilder(value.Length + 2).Append(quote);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\':
                    builder.Append(@"\\");
                    break;
                case '\n':
                    builder.Append(@"\n");
                    break;
                case '\r':
                    // InfluxQL knows no \r escape; a CR cannot be written in a literal, and names never hold one
                    // (the engine refuses control characters before this point).
                    throw new ArgumentException("carriage return in an InfluxQL literal", nameof(value));
                default:
                    if (c == quote)
                    {
                        builder.Append('\\');
                    }

                    builder.Append(c);
                    break;
            }
        }

        return builder.Append(quote).ToString();
    }
}
