namespace MailFlow.Exporter.Formats.Syslog;

/// <summary>
/// The parts of one syslog line, as spans into the line: nothing is copied or decoded.
/// <c>2023-03-14T00:00:31.331110+01:00 helga postfix/smtpd[297535]: connect from ...</c> or
/// <c>Mar 14 00:00:31 helga postfix/smtpd[297535]: connect from ...</c>.
/// </summary>
public readonly ref struct SyslogLine
{
    /// <summary>The timestamp text (RFC 3339 or classic <c>Mmm dd HH:mm:ss</c>).</summary>
    public ReadOnlySpan<byte> Timestamp { get; init; }

    /// <summary>The host that logged the line.</summary>
    public ReadOnlySpan<byte> Host { get; init; }

    /// <summary>The program name without the pid, e.g. <c>postfix/submission/smtpd</c>.</summary>
    public ReadOnlySpan<byte> Program { get; init; }

    /// <summary>The digits between the tag's brackets; empty when the tag carries no pid.</summary>
    public ReadOnlySpan<byte> PidText { get; init; }

    /// <summary>The process id, or -1 when the tag carries none. Parsed on demand: most lines never need it.</summary>
    public int Pid => SyslogParser.ParsePid(PidText);

    /// <summary>The text after <c>program[pid]: </c>.</summary>
    public ReadOnlySpan<byte> Message { get; init; }

    /// <summary>True for an RFC 3339 timestamp, false for a classic one.</summary>
    public bool IsRfc3339 { get; init; }
}

/// <summary>Splits syslog lines (RFC 3164 with classic or RFC 3339 timestamps) into their parts without allocating.</summary>
public static class SyslogParser
{
    private static ReadOnlySpan<byte> Months => "JanFebMarAprMayJunJulAugSepOctNovDec"u8;

    /// <summary>Splits a line; false when it does not look like a syslog line at all.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out SyslogLine result)
    {
        result = default;

        // Some relays keep the "<PRI>" prefix.
        if (!line.IsEmpty && line[0] == (byte)'<')
        {
            var close = line[..Math.Min(line.Length, 6)].IndexOf((byte)'>');
            if (close < 0)
            {
                return false;
            }

            line = line[(close + 1)..];
        }

        ReadOnlySpan<byte> timestamp;
        ReadOnlySpan<byte> rest;
        bool rfc3339;
        if (line.Length > 20 && IsDigit(line[0]) && line[4] == (byte)'-' && line[10] == (byte)'T')
        {
            // The common "2023-03-14T00:00:31.331110+01:00" is 32 bytes: check there before searching.
            var space = line.Length > 32 && line[32] == (byte)' ' ? 32 : line.IndexOf((byte)' ');
            if (space < 20)
            {
                return false;
            }

            timestamp = line[..space];
            rest = line[(space + 1)..];
            rfc3339 = true;
        }
        else if (line.Length > 16 && MonthIndex(line) >= 0 && line[3] == (byte)' ')
        {
            // "Mar 14 00:00:31", "Mar  4 00:00:31", tolerated "Mar 4 00:00:31"; optional fraction.
            var p = 4;
            if (line[p] == (byte)' ')
            {
                p++;
            }

            if (!IsDigit(line[p]))
            {
                return false;
            }

            p += IsDigit(line[p + 1]) ? 2 : 1;
            if (line.Length < p + 10 || line[p] != (byte)' ' || line[p + 3] != (byte)':' || line[p + 6] != (byte)':')
            {
                return false;
            }

            p += 9;
            if (line[p] == (byte)'.')
            {
                p++;
                while (p < line.Length && IsDigit(line[p]))
                {
                    p++;
                }
            }

            if (p >= line.Length || line[p] != (byte)' ')
            {
                return false;
            }

            timestamp = line[..p];
            rest = line[(p + 1)..];
            rfc3339 = false;
        }
        else
        {
            return false;
        }

        var hostEnd = rest.IndexOf((byte)' ');
        if (hostEnd <= 0)
        {
            return false;
        }

        var host = rest[..hostEnd];
        rest = rest[(hostEnd + 1)..];

        // The tag ends at the first ": "; it holds no spaces.
        var colon = rest.IndexOfAny((byte)':', (byte)' ');
        if (colon <= 0 || rest[colon] != (byte)':' || colon + 1 >= rest.Length || rest[colon + 1] != (byte)' ')
        {
            return false;
        }

        var tag = rest[..colon];
        ReadOnlySpan<byte> pid = default;
        var program = tag;
        if (tag[^1] == (byte)']')
        {
            var open = tag.LastIndexOf((byte)'[');
            if (open > 0)
            {
                program = tag[..open];
                pid = tag[(open + 1)..^1];
            }
        }

        result = new SyslogLine
        {
            Timestamp = timestamp,
            Host = host,
            Program = program,
            PidText = pid,
            Message = rest[(colon + 2)..],
            IsRfc3339 = rfc3339,
        };
        return true;
    }

    /// <summary>0-based month of a classic timestamp's first three letters, or -1.</summary>
    internal static int MonthIndex(ReadOnlySpan<byte> text)
    {
        if (text.Length < 3)
        {
            return -1;
        }

        var months = Months;
        for (var i = 0; i < 12; i++)
        {
            if (months[i * 3] == text[0] && months[(i * 3) + 1] == text[1] && months[(i * 3) + 2] == text[2])
            {
                return i;
            }
        }

        return -1;
    }

    internal static int ParsePid(ReadOnlySpan<byte> digits)
    {
        if (digits.IsEmpty || digits.Length > 9)
        {
            return -1;
        }

        var value = 0;
        foreach (var b in digits)
        {
            if (!IsDigit(b))
            {
                return -1;
            }

            value = (value * 10) + (b - '0');
        }

        return value;
    }

    internal static bool IsDigit(byte b) => (uint)(b - '0') <= 9;
}
