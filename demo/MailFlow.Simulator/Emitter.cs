using System.Globalization;

namespace MailFlow.Simulator;

/// <summary>The log files the simulator writes, one subfolder per format as in samples/logs/.</summary>
internal enum LogStream
{
    Postfix,
    Sendmail,
    Exim,
    ExchangeReceive,
    ExchangeSend,
    Csv,
}

/// <summary>A log line due at <see cref="Time"/>, for the file of <see cref="FileDay"/> (the day its message started).</summary>
internal sealed record ScheduledLine(DateTimeOffset Time, long Sequence, LogStream Stream, DateOnly FileDay, string Text);

/// <summary>
/// Collects the lines of the messages being generated (each line at its own time, so that sessions interleave as
/// on a real server) and the simulator's own count of the messages the exporter must count.
/// </summary>
internal sealed class Emitter(TimeZoneInfo zone, Tally tally)
{
    private readonly PriorityQueue<ScheduledLine, (long Ticks, long Sequence)> _pending = new();
    private long _sequence;
    private DateTimeOffset _messageStart;

    public TimeZoneInfo Zone { get; } = zone;

    public Tally Tally { get; } = tally;

    public int Pending => _pending.Count;

    /// <summary>Starts a message (or session): its lines go to the files of the day it started.</summary>
    public void Begin(DateTimeOffset start) => _messageStart = start;

    public void Line(LogStream stream, DateTimeOffset time, string text)
    {
        var day = stream == LogStream.ExchangeReceive || stream == LogStream.ExchangeSend
            ? DateOnly.FromDateTime(_messageStart.UtcDateTime) // Exchange names its files by UTC date.
            : DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(_messageStart, Zone).DateTime);
        var line = new ScheduledLine(time, _sequence++, stream, day, text);
        _pending.Enqueue(line, (time.UtcTicks, line.Sequence));
    }

    /// <summary>The next line due at or before <paramref name="until"/>, in time order.</summary>
    public bool TryTakeDue(DateTimeOffset until, out ScheduledLine line)
    {
        if (_pending.TryPeek(out var next, out _) && next.Time <= until)
        {
            line = _pending.Dequeue();
            return true;
        }

        line = null!;
        return false;
    }

    public DateTimeOffset? NextDue => _pending.TryPeek(out var next, out _) ? next.Time : null;

    /// <summary>The time in the simulated zone (syslog and Exim write local time).</summary>
    public DateTimeOffset Local(DateTimeOffset time) => TimeZoneInfo.ConvertTime(time, Zone);

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
