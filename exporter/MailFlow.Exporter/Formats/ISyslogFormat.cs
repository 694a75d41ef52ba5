namespace MailFlow.Exporter.Formats;

/// <summary>
/// A format whose lines come through syslog, tagged with its programs' names: in a combined syslog
/// (<c>/var/log/syslog</c>) its lines are found among other daemons' lines by that name.
/// </summary>
public interface ISyslogFormat : ILogFormat
{
    /// <summary>True when a syslog line's program name (without pid) is one of this mail server's.</summary>
    bool IsOwnProgram(ReadOnlySpan<byte> program);
}
