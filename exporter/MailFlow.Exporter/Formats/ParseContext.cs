using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Formats;

/// <summary>What a parser needs to know about the input it reads.</summary>
/// <param name="Source">The input's display name, used in every problem it reports.</param>
/// <param name="Sink">Where records and problems go.</param>
/// <param name="Options">Options that change how lines are read.</param>
public sealed record ParseContext(string Source, IRecordSink Sink, ParseOptions Options)
{
    /// <summary>Reports a problem on a line of this input.</summary>
    public void Problem(long line, string reason, string? detail = null, ProblemSeverity severity = ProblemSeverity.Warning) =>
        Sink.OnProblem(new ParseProblem(Source, line, reason, detail, severity));

    /// <summary>Syslog lines of programs other than the format's mail server (cron, kernel...), skipped quietly.</summary>
    public long OtherProgramLines { get; private set; }

    /// <summary>Counts a syslog line of another program: not a problem, a combined syslog is full of them.</summary>
    public void OtherProgramLine() => OtherProgramLines++;
}

/// <summary>Options shared by every format.</summary>
public sealed record ParseOptions
{
    /// <summary>
    /// The year of the first line of a log whose timestamps carry none (classic syslog). Default: the year of the
    /// input's last-modified time, going back one year when the first line's month is later than that time's month.
    /// </summary>
    public int? Year { get; init; }

    /// <summary>The time zone of timestamps that carry none (classic syslog, Sendmail). Default: the machine's local zone.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Local;

    /// <summary>The input's last-modified time (UTC), used to infer the year of yearless timestamps; null for stdin.</summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>The server name to report when the log does not carry one (e.g. Exim's main log).</summary>
    public string? SourceHost { get; init; }
}
