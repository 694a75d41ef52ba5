using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Input;
using MailFlow.Questions;

namespace MailFlow.Exporter.Report;

/// <summary>The report's time window: [From, To).</summary>
public sealed record ReportWindow(DateTimeOffset From, DateTimeOffset To, bool Explicit);

/// <summary>One connector and direction over the window, with its per-day rows (the Connector report's details).</summary>
public sealed record ConnectorRow(string Name, ConnectorType Type, bool ForcedTls, Direction Direction, TlsCounts Total, IReadOnlyList<(DateOnly Date, TlsCounts Tls)> Days);

/// <summary>What was read.</summary>
public sealed record InputSummary(IReadOnlyList<InputResult> Files, long Records, long RecordsOutsideWindow, ProblemLog Problems)
{
    public long Lines => Files.Sum(f => f.Lines.Lines);
    public long Bytes => Files.Sum(f => f.Lines.Bytes);
    public long LinesNotUnderstood => Problems.LinesNotUnderstood;

    /// <summary>Syslog lines of other programs (cron, kernel...): skipped quietly, not problems.</summary>
    public long OtherProgramLines => Files.Sum(f => f.Lines.OtherProgramLines);
}

/// <summary>Everything the report shows; renderers only format it.</summary>
public sealed record ReportModel(
    ReportWindow? Window,
    IReadOnlyDictionary<Direction, TlsCounts> Directions,
    IReadOnlyList<DayDetail> Days,
    IReadOnlyList<ConnectorRow> Connectors,
    IReadOnlyList<Insight> Insights,
    IReadOnlyList<LegacyPeer> Peers,
    InputSummary Input,
    InsightSettings Settings)
{
    /// <summary>The "Transit security" section (auth levels, cipher classes, blocked deliveries): see <see cref="TransitSecurityReport"/>.</summary>
    public TransitSecurityReport TransitSecurity { get; init; } = TransitSecurityReport.Empty;
}
