namespace MailFlow.Exporter.Formats.Syslog;

/// <summary>
/// Turns syslog timestamps into UTC ticks. The conversion of a minute is cached: consecutive lines share their
/// minute, so most lines cost a compare and the parse of seconds and fraction. Classic timestamps carry neither
/// year nor zone: the year comes from <see cref="ParseOptions.Year"/> or is inferred from
/// <see cref="ParseOptions.LastModified"/>, and advances when the month wraps (Dec to Jan); the zone is
/// <see cref="ParseOptions.TimeZone"/>. One instance reads one input; not thread-safe.
/// </summary>
public sealed class SyslogClock
{
    private readonly ParseOptions _options;
    private readonly byte[] _cachedKey = new byte[48];
    private int _cachedKeyLength = -1;
    private long _cachedMinuteTicks;
    private int _year;
    private int _lastMonth = -1;

    public SyslogClock(ParseOptions options)
    {
        _options = options;
    }

    /// <summary>Converts a timestamp from <see cref="SyslogLine.Timestamp"/>; false when it is malformed.</summary>
    public bool TryGetUtcTicks(ReadOnlySpan<byte> timestamp, bool rfc3339, out long utcTicks) =>
        rfc3339 ? TryRfc3339(timestamp, out utcTicks) : TryClassic(timestamp, out utcTicks);

    private bool TryRfc3339(ReadOnlySpan<byte> ts, out long utcTicks)
    {
        utcTicks = 0;

        // yyyy-MM-ddTHH:mm:ss[.f+](Z|+hh:mm|-hh:mm)
        if (ts.Length < 20 || ts[16] != (byte)':')
        {
            return false;
        }

        var p = 19;
        long fractionTicks = 0;
        if (ts[p] == (byte)'.')
        {
            p++;
            var scale = TimeSpan.TicksPerSecond / 10;
            while (p < ts.Length && SyslogParser.IsDigit(ts[p]))
            {
                fractionTicks += (ts[p] - '0') * scale;
                scale /= 10;
                p++;
            }
        }

        var zone = ts[p..];
        if (!TryTwoDigits(ts, 17, out var second) || second > 60)
        {
            return false;
        }

        // The cache key is the minute plus the zone: "2023-03-14T00:00" + "+01:00".
        var key = ts[..16];
        if (!MatchesCache(key, zone))
        {
            if (!TryRfc3339Minute(key, zone, out var minuteTicks))
            {
                return false;
            }

            Remember(key, zone, minuteTicks);
        }

        utcTicks = _cachedMinuteTicks + (second * TimeSpan.TicksPerSecond) + fractionTicks;
        return true;
    }

    private static bool TryRfc3339Minute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> zone, out long utcTicks)
    {
        utcTicks = 0;
        if (!TryFourDigits(key, 0, out var year) || key[4] != (byte)'-' || !TryTwoDigits(key, 5, out var month) || key[7] != (byte)'-'
            || !TryTwoDigits(key, 8, out var day) || !TryTwoDigits(key, 11, out var hour) || key[13] != (byte)':' || !TryTwoDigits(key, 14, out var minute))
        {
            return false;
        }

        long offsetTicks;
        if (zone.Length == 1 && (zone[0] == (byte)'Z' || zone[0] == (byte)'z'))
        {
            offsetTicks = 0;
        }
        else if (zone.Length is 6 or 5 && (zone[0] == (byte)'+' || zone[0] == (byte)'-'))
        {
            var minutesAt = zone.Length == 6 ? 4 : 3;
            if (!TryTwoDigits(zone, 1, out var zh) || !TryTwoDigits(zone, minutesAt, out var zm) || (zone.Length == 6 && zone[3] != (byte)':'))
            {
                return false;
            }

            offsetTicks = ((zh * 60) + zm) * TimeSpan.TicksPerMinute * (zone[0] == (byte)'-' ? -1 : 1);
        }
        else
        {
            return false;
        }

        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59)
        {
            return false;
        }

        utcTicks = new DateTime(year, month, day, hour, minute, 0, DateTimeKind.Unspecified).Ticks - offsetTicks;
        return true;
    }

    private bool TryClassic(ReadOnlySpan<byte> ts, out long utcTicks)
    {
        utcTicks = 0;

        // "Mar 14 00:00:31", "Mar  4 00:00:31" or "Mar 4 00:00:31", optionally ".ffffff".
        var dayStart = ts[4] == (byte)' ' ? 5 : 4;
        var dayLength = SyslogParser.IsDigit(ts[dayStart + 1]) ? 2 : 1;
        var timeStart = dayStart + dayLength + 1;
        if (ts.Length < timeStart + 8 || !TryTwoDigits(ts, timeStart + 6, out var second) || second > 60)
        {
            return false;
        }

        long fractionTicks = 0;
        var p = timeStart + 8;
        if (p < ts.Length && ts[p] == (byte)'.')
        {
            p++;
            var scale = TimeSpan.TicksPerSecond / 10;
            while (p < ts.Length && SyslogParser.IsDigit(ts[p]))
            {
                fractionTicks += (ts[p] - '0') * scale;
                scale /= 10;
                p++;
            }
        }

        var key = ts[..(timeStart + 5)];
        if (!MatchesCache(key, default))
        {
            var month = SyslogParser.MonthIndex(ts) + 1;
            var day = ts[dayStart] - '0';
            if (dayLength == 2)
            {
                day = (day * 10) + (ts[dayStart + 1] - '0');
            }

            if (month < 1 || !TryTwoDigits(ts, timeStart, out var hour) || !TryTwoDigits(ts, timeStart + 3, out var minute) || hour > 23 || minute > 59)
            {
                return false;
            }

            var year = YearFor(month);
            if (day < 1 || day > DateTime.DaysInMonth(year, month))
            {
                return false;
            }

            var local = new DateTime(year, month, day, hour, minute, 0, DateTimeKind.Unspecified);
            var zone = _options.TimeZone;

            // In the hour a DST change repeats or skips, GetUtcOffset still gives one consistent answer.
            var offset = zone.IsInvalidTime(local) ? zone.BaseUtcOffset : zone.GetUtcOffset(local);
            Remember(key, default, local.Ticks - offset.Ticks);
        }

        utcTicks = _cachedMinuteTicks + (second * TimeSpan.TicksPerSecond) + fractionTicks;
        return true;
    }

    /// <summary>The year of a yearless timestamp in <paramref name="month"/> (1-12), following rollovers.</summary>
    private int YearFor(int month)
    {
        if (_lastMonth < 0)
        {
            _year = _options.Year ?? InferYear(month);
        }
        else if (month < _lastMonth - 6)
        {
            // Dec -> Jan: a new year. Small steps back (lines slightly out of order) are not rollovers.
            _year++;
        }
        else if (month > _lastMonth + 6)
        {
            _year--;
        }

        _lastMonth = month;
        return _year;
    }

    private int InferYear(int firstMonth)
    {
        var reference = _options.LastModified ?? DateTimeOffset.UtcNow;
        var local = TimeZoneInfo.ConvertTime(reference, _options.TimeZone);

        // A log whose first line is in a later month than its last write started the year before.
        return firstMonth > local.Month ? local.Year - 1 : local.Year;
    }

    private bool MatchesCache(ReadOnlySpan<byte> key, ReadOnlySpan<byte> zone) =>
        _cachedKeyLength == key.Length + zone.Length
        && key.SequenceEqual(_cachedKey.AsSpan(0, key.Length))
        && zone.SequenceEqual(_cachedKey.AsSpan(key.Length, zone.Length));

    private void Remember(ReadOnlySpan<byte> key, ReadOnlySpan<byte> zone, long minuteTicks)
    {
        if (key.Length + zone.Length > _cachedKey.Length)
        {
            _cachedKeyLength = -1;
        }
        else
        {
            key.CopyTo(_cachedKey);
            zone.CopyTo(_cachedKey.AsSpan(key.Length));
            _cachedKeyLength = key.Length + zone.Length;
        }

        _cachedMinuteTicks = minuteTicks;
    }

    private static bool TryTwoDigits(ReadOnlySpan<byte> s, int at, out int value)
    {
        value = 0;
        if (at + 2 > s.Length || !SyslogParser.IsDigit(s[at]) || !SyslogParser.IsDigit(s[at + 1]))
        {
            return false;
        }

        value = ((s[at] - '0') * 10) + (s[at + 1] - '0');
        return true;
    }

    private static bool TryFourDigits(ReadOnlySpan<byte> s, int at, out int value)
    {
        value = 0;
        if (!TryTwoDigits(s, at, out var high) || !TryTwoDigits(s, at + 2, out var low) || high + low == 0)
        {
            return false;
        }

        value = (high * 100) + low;
        return true;
    }
}
