namespace MailFlow.Exporter.Formats.Text;

/// <summary>
/// Allocation-free parsing of the ISO 8601 / RFC 3339 timestamps mail logs write
/// (<c>2026-11-26T08:15:02.123Z</c>, <c>2026-11-26 08:15:02</c>, <c>2026-11-26 08:15:02.123 +0100</c>).
/// </summary>
public static class Utf8Timestamp
{
    /// <summary>
    /// Parses <c>yyyy-MM-dd</c>, a <c>T</c> or space, <c>HH:mm:ss</c> and optional fractional seconds.
    /// <paramref name="consumed"/> is the number of bytes read; the zone (if any) follows.
    /// </summary>
    public static bool TryParseDateTime(ReadOnlySpan<byte> s, out DateTime value, out int consumed)
    {
        value = default;
        consumed = 0;
        if (s.Length < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        if (!Digits(s[..4], out var year) || !Digits(s.Slice(5, 2), out var month) || !Digits(s.Slice(8, 2), out var day)
            || !Digits(s.Slice(11, 2), out var hour) || !Digits(s.Slice(14, 2), out var minute) || !Digits(s.Slice(17, 2), out var second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 60)
        {
            return false;
        }

        // A leap second is read as the last instant of the minute before.
        var ticks = 0L;
        if (second == 60)
        {
            second = 59;
        }

        var position = 19;
        if (position < s.Length && (s[position] == '.' || s[position] == ','))
        {
            position++;
            var start = position;
            var scale = TimeSpan.TicksPerSecond;
            while (position < s.Length && (uint)(s[position] - '0') <= 9)
            {
                scale /= 10;
                ticks += (s[position] - '0') * scale;
                position++;
            }

            if (position == start)
            {
                return false;
            }
        }

        value = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(ticks);
        consumed = position;
        return true;
    }

    /// <summary>Parses a zone designator: <c>Z</c>, <c>+HH:mm</c>, <c>+HHmm</c> or <c>+HH</c>.</summary>
    public static bool TryParseOffset(ReadOnlySpan<byte> s, out TimeSpan offset, out int consumed)
    {
        offset = TimeSpan.Zero;
        consumed = 0;
        if (s.IsEmpty)
        {
            return false;
        }

        if (s[0] is (byte)'Z' or (byte)'z')
        {
            consumed = 1;
            return true;
        }

        if ((s[0] != '+' && s[0] != '-') || s.Length < 3 || !Digits(s.Slice(1, 2), out var hours))
        {
            return false;
        }

        var minutes = 0;
        var position = 3;
        if (s.Length >= 6 && s[3] == ':' && Digits(s.Slice(4, 2), out minutes))
        {
            position = 6;
        }
        else if (s.Length >= 5 && Digits(s.Slice(3, 2), out minutes))
        {
            position = 5;
        }

        if (hours > 14 || minutes > 59)
        {
            return false;
        }

        offset = new TimeSpan(hours, minutes, 0);
        if (s[0] == '-')
        {
            offset = -offset;
        }

        consumed = position;
        return true;
    }

    /// <summary>
    /// Parses a whole timestamp; without a zone designator the time is read in <paramref name="zone"/>.
    /// Trailing bytes are not allowed.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> s, TimeZoneInfo zone, out DateTimeOffset value)
    {
        value = default;
        if (!TryParseDateTime(s, out var local, out var consumed))
        {
            return false;
        }

        var rest = s[consumed..];
        if (rest.IsEmpty)
        {
            value = InZone(local, zone);
            return true;
        }

        if (rest[0] == ' ')
        {
            rest = rest[1..];
        }

        if (!TryParseOffset(rest, out var offset, out var used) || used != rest.Length)
        {
            return false;
        }

        value = new DateTimeOffset(local, offset);
        return true;
    }

    /// <summary>A wall-clock time read in a zone (UTC fast path).</summary>
    public static DateTimeOffset InZone(DateTime local, TimeZoneInfo zone)
    {
        if (zone == TimeZoneInfo.Utc)
        {
            return new DateTimeOffset(local, TimeSpan.Zero);
        }

        // An invalid local time (inside a spring-forward gap) is read with the standard offset.
        var offset = zone.IsInvalidTime(local) ? zone.BaseUtcOffset : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }

    private static bool Digits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (var b in s)
        {
            var digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + (int)digit;
        }

        return true;
    }
}
