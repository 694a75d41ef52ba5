using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Questions;

/// <summary>"Transit security": per direction and per connector, messages by auth level and by cipher class.</summary>
/// <param name="Directions">Every direction (<see cref="Directions.All"/> order), empty ones included.</param>
/// <param name="Connectors">Per direction: Partner and OnPremises connectors first, then busiest first, then by name.</param>
public sealed record TransitSecurityAnswer(IReadOnlyList<DirectionSecurity> Directions, IReadOnlyList<ConnectorSecurity> Connectors)
{
    /// <summary>The counts of one direction.</summary>
    public SecurityCounts Of(Direction direction) => Directions.First(d => d.Direction == direction).Messages;
}

/// <summary>One direction of <see cref="TransitSecurityAnswer"/>.</summary>
public sealed record DirectionSecurity(Direction Direction, SecurityCounts Messages);

/// <summary>One connector and direction of <see cref="TransitSecurityAnswer"/>.</summary>
/// <param name="ForcedTls">True when the connector forces TLS anywhere in the range (the stricter reading).</param>
public sealed record ConnectorSecurity(Direction Direction, string Connector, ConnectorType ConnectorType, bool ForcedTls, SecurityCounts Messages);

/// <summary>What a transit-security time series is broken down by.</summary>
public enum SecurityDimension
{
    /// <summary>Auth levels (<see cref="TransitAuth"/>).</summary>
    Auth = 0,

    /// <summary>Cipher classes (<see cref="CipherClass"/>).</summary>
    Cipher = 1,
}

/// <summary>Messages per direction and auth level (or cipher class) per bucket.</summary>
/// <param name="Series">One series per direction and class with messages in the range, ordered by direction then class (report order).</param>
public sealed record SecurityTimeSeries(TimeSpan Interval, SecurityDimension Dimension, IReadOnlyList<SecuritySeries> Series);

/// <summary>One series: a direction and an auth level or cipher class (its wire spelling in <paramref name="Class"/>).</summary>
/// <param name="Points">Every bucket of the range; <see cref="TlsPoint.Percent"/> is the share of the direction's messages in the bucket.</param>
public sealed record SecuritySeries(Direction Direction, string Class, IReadOnlyList<TlsPoint> Points);

/// <summary>Deliveries to one recipient domain that a TLS policy stopped for one reason, on one connector, its mail servers merged.</summary>
/// <param name="LastSeen">Start of the UTC minute of the latest such delivery; <paramref name="Host"/> and <paramref name="Ip"/> are its when known (the report).</param>
/// <param name="Sources">The mail servers that logged them ("" left out), in ordinal order.</param>
public sealed record BlockedDomain(string Domain, BlockReason Reason, string Connector, long Deliveries, DateTimeOffset LastSeen, IReadOnlyList<string> Sources, string? Host = null, string? Ip = null);

/// <summary>A recipient domain that took outbound mail in plaintext (does not offer TLS, or the path did not use it).</summary>
/// <param name="LastSeen">Start of the UTC minute of the latest such message; <paramref name="Host"/> and <paramref name="Ip"/> are its when known.</param>
public sealed record PlaintextDomain(string Domain, long Messages, DateTimeOffset LastSeen, IReadOnlyList<string> Sources, string? Host = null, string? Ip = null);

/// <summary>
/// A peer to contact: its messages on one connector and direction raised one concern (an unverified certificate
/// where one should be verified, or a weak cipher) with one auth level and cipher class, its mail servers merged.
/// </summary>
/// <param name="LastSeen">Start of the UTC minute of the latest such message; <paramref name="Host"/> and <paramref name="Ip"/> are its when known (the report).</param>
/// <param name="Sources">The mail servers that logged them ("" left out), in ordinal order.</param>
public sealed record SecurityPeer(
    string Peer, Direction Direction, string Connector, ConnectorType ConnectorType, SecurityConcern Concern, TransitAuth Auth, CipherClass Cipher,
    long Messages, DateTimeOffset LastSeen, IReadOnlyList<string> Sources, string? Host = null, string? Ip = null);
