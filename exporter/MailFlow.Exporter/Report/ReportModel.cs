using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Input;

namespace MailFlow.Exporter.Report;

/// <summary>Messages of one slice (a direction, a day, a connector) broken down by TLS version.</summary>
public sealed class TlsBreakdown
{
    private readonly long[] _byTls = new long[TlsVersions.Count];

    public long Messages { get; private set; }
    public long Recipients { get; private set; }
    public long Bytes { get; private set; }

    public long this[TlsVersion version] => _byTls[(int)version];

    public void Add(TlsVersion version, in Counts counts)
    {
        _byTls[(int)version] += counts.Messages;
        Messages += counts.Messages;
        Recipients += counts.Recipients;
        Bytes += counts.Bytes;
    }

    /// <summary>Share of messages with this version, in percent (0 when there are no messages).</summary>
    public double Percent(TlsVersion version) => Messages == 0 ? 0 : 100.0 * _byTls[(int)version] / Messages;
}

/// <summary>The report's time window: [From, To).</summary>
public sealed record ReportWindow(DateTimeOffset From, DateTimeOffset To, bool Explicit);

/// <summary>One connector and direction over the window, with its per-day rows (the Connector report's details).</summary>
public sealed record ConnectorRow(string Name, ConnectorType Type, bool ForcedTls, Direction Direction, TlsBreakdown Total, IReadOnlyList<(DateOnly Date, TlsBreakdown Tls)> Days);

/// <summary>A peer that still uses plaintext or legacy TLS: whom to contact.</summary>
/// <param name="Sources">The mail servers that logged its messages, in ordinal order ("" for unknown left out).</param>
/// <param name="Messages">Summed over <paramref name="Sources"/>.</param>
/// <param name="LastSeen">The latest over <paramref name="Sources"/>; <paramref name="Host"/> and <paramref name="Ip"/> are that message's.</param>
public sealed record PeerRow(string Peer, Direction Direction, string Connector, ConnectorType ConnectorType, TlsVersion Tls, IReadOnlyList<string> Sources, long Messages, DateTimeOffset LastSeen, string? Host, string? Ip);

/// <summary>An active insight, like Microsoft's "Inbound Partner connector seeing significant TLS1.0 mail flow".</summary>
public sealed record Insight(
    string Id,
    string Title,
    string Severity,
    Direction Direction,
    string Connector,
    ConnectorType ConnectorType,
    TlsVersion Tls,
    long Messages,
    long ConnectorMessages,
    double SharePercent,
    double ThresholdPercent,
    string Advice);

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
    IReadOnlyDictionary<Direction, TlsBreakdown> Directions,
    IReadOnlyList<(DateOnly Date, Direction Direction, TlsBreakdown Tls)> Days,
    IReadOnlyList<ConnectorRow> Connectors,
    IReadOnlyList<Insight> Insights,
    IReadOnlyList<PeerRow> Peers,
    InputSummary Input,
    InsightSettings Settings)
{
    /// <summary>The "Transit security" section (auth levels, cipher classes, blocked deliveries): see <see cref="TransitSecurityReport"/>.</summary>
    public TransitSecurityReport TransitSecurity { get; init; } = TransitSecurityReport.Empty;
}
