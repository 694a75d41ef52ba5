using System.Globalization;
using System.Text.RegularExpressions;

namespace MailFlow.Simulator;

/// <summary>What to simulate; every default is stated in <c>--help</c> and the README.</summary>
internal sealed record SimulatorOptions
{
    /// <summary>Highest rate accepted: a few messages per second.</summary>
    public const double MaxPeakPerHour = 18_000;

    public required string Output { get; init; }

    /// <summary>History written at start, before the live part (zero: none).</summary>
    public TimeSpan Backfill { get; init; }

    /// <summary>Messages per hour at the weekday peak (13:00 in <see cref="Zone"/>).</summary>
    public double PeakPerHour { get; init; } = 240;

    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Utc;

    public int Seed { get; init; } = 20261127;

    /// <summary>How long the live part runs; null: until stopped (SIGINT, SIGTERM).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Write history up to this time instead of now, then exit (no live part): reproducible files.</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>Rotated files (days) kept per log; default: the backfill's days plus a week, at least 14.</summary>
    public int? KeepDays { get; init; }

    /// <summary>Where to write the simulator's own count of the messages it wrote (JSON), if anywhere.</summary>
    public string? Summary { get; init; }

    public int EffectiveKeepDays => KeepDays ?? Math.Max(14, (int)Math.Ceiling(Backfill.TotalDays) + 7);

    /// <summary>"30d", "12h", "90m", "45s" or a .NET time span ("01:30:00").</summary>
    public static TimeSpan ParseDuration(string text, string option)
    {
        var match = Regex.Match(text.Trim(), @"^(?<n>\d+(\.\d+)?)(?<unit>[dhms])$", RegexOptions.CultureInvariant);
        if (match.Success)
        {
            var n = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
            return match.Groups["unit"].Value switch
            {
                "d" => TimeSpan.FromDays(n),
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                _ => TimeSpan.FromSeconds(n),
            };
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span >= TimeSpan.Zero)
        {
            return span;
        }

        throw new OptionException($"{option}: '{text}' is not a duration (30d, 12h, 90m, 45s or hh:mm:ss)");
    }

    /// <summary>An IANA zone name, "UTC", or a fixed offset such as "+01:00".</summary>
    public static TimeZoneInfo ParseZone(string text)
    {
        if (string.Equals(text, "UTC", StringComparison.OrdinalIgnoreCase) || text == "Z")
        {
            return TimeZoneInfo.Utc;
        }

        var offset = Regex.Match(text, @"^(?<sign>[+-])(?<h>\d{2}):?(?<m>\d{2})$", RegexOptions.CultureInvariant);
        if (offset.Success)
        {
            var span = new TimeSpan(int.Parse(offset.Groups["h"].Value, CultureInfo.InvariantCulture), int.Parse(offset.Groups["m"].Value, CultureInfo.InvariantCulture), 0);
            if (span > TimeSpan.FromHours(14))
            {
                throw new OptionException($"--timezone: '{text}' is beyond +/-14:00");
            }

            span = offset.Groups["sign"].Value == "-" ? -span : span;
            return TimeZoneInfo.CreateCustomTimeZone(text, span, text, text);
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(text);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new OptionException($"--timezone: '{text}' is no time zone (an IANA name such as Europe/Paris, UTC, or an offset such as +01:00)");
        }
    }

    /// <summary>Problems that make the options unusable, as sentences naming the option.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Output))
        {
            yield return "--output: a folder is required";
        }

        if (PeakPerHour is <= 0 or > MaxPeakPerHour || double.IsNaN(PeakPerHour))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"--rate: messages per hour at the peak must be above 0 and at most {MaxPeakPerHour} (5 a second), not {PeakPerHour}");
        }

        if (End is not null && Duration is not null)
        {
            yield return "--end writes history only: it cannot be combined with --duration";
        }

        if (End is not null && Backfill <= TimeSpan.Zero)
        {
            yield return "--end needs --backfill: the history to write before that time";
        }

        if (KeepDays is { } keep && keep < Math.Max(1, Math.Ceiling(Backfill.TotalDays) + 1))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"--keep-days: {keep} would delete part of the backfill; give at least {Math.Max(1, Math.Ceiling(Backfill.TotalDays) + 1)}");
        }
    }
}

/// <summary>A bad option: the message names it and says what is expected.</summary>
internal sealed class OptionException(string message) : Exception(message);
