using MailFlow.Questions;

namespace MailFlow.Exporter.Report;

/// <summary>When an insight fires and how many peers are listed: the defaults are the questions' (<see cref="QuestionDefaults"/>).</summary>
public sealed record InsightSettings
{
    /// <summary>Default share of TLS 1.0 messages on a Partner or OnPremises connector that counts as significant, in percent.</summary>
    public const double DefaultTls10Percent = QuestionDefaults.LegacySharePercent;

    /// <summary>Default number of messages a connector must carry in the window before its shares mean anything.</summary>
    public const long DefaultMinMessages = QuestionDefaults.MinMessages;

    /// <summary>Default number of legacy peers listed.</summary>
    public const int DefaultMaxPeers = QuestionDefaults.PeerLimit;

    /// <summary>Share of TLS 1.0 (and SSLv3) messages on a connector above which the TLS 1.0 insight fires, in percent.</summary>
    public double Tls10Percent { get; init; } = DefaultTls10Percent;

    /// <summary>Messages a connector must carry in the window for its TLS 1.0 insight to fire (one stray message pages nobody).</summary>
    public long MinMessages { get; init; } = DefaultMinMessages;

    /// <summary>Legacy peers listed at most.</summary>
    public int MaxPeers { get; init; } = DefaultMaxPeers;

    /// <summary>The insight thresholds the engine would use with the same settings.</summary>
    public InsightThresholds ToThresholds() => InsightThresholds.Default with { LegacySharePercent = Tls10Percent, MinMessages = MinMessages };
}
