using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Exporter.Records;

/// <summary>
/// One message that crossed the organisation's boundary, as a log tells it. Parsers emit one per message
/// (not per connection, not per recipient); everything downstream (connectors, aggregation, sinks) reads only this.
/// </summary>
public readonly record struct MailRecord
{
    /// <summary>When the message was accepted (inbound/submission) or delivered (outbound), in UTC.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    public required Direction Direction { get; init; }

    /// <summary>The protocol that protected the message on the wire.</summary>
    public required TlsVersion Tls { get; init; }

    /// <summary>The negotiated cipher, where logged.</summary>
    public string? Cipher { get; init; }

    /// <summary>How the remote server was authenticated: <see cref="TransitAuth.None"/> whenever the message was plaintext.</summary>
    public TransitAuth Auth
    {
        get => Tls == TlsVersion.None ? TransitAuth.None : _auth;
        init => _auth = value;
    }

    /// <summary>
    /// The cipher's strength class: <see cref="CipherClass.None"/> for plaintext, <see cref="CipherClass.Strong"/> for
    /// TLS 1.3 (every TLS 1.3 suite is AEAD), otherwise what the parser classified.
    /// </summary>
    public CipherClass CipherClass
    {
        get => Tls switch
        {
            TlsVersion.None => CipherClass.None,
            TlsVersion.Tls13 => CipherClass.Strong,
            _ => _cipherClass,
        };
        init => _cipherClass = value;
    }

    /// <summary>
    /// Not <see cref="BlockReason.None"/>: not a delivered message but an outbound delivery a TLS policy stopped
    /// (counted apart, per recipient domain and reason, never as mail flow).
    /// </summary>
    public BlockReason Blocked { get; init; }

    private readonly TransitAuth _auth;
    private readonly CipherClass _cipherClass;

    /// <summary>The remote server's host name (the client for inbound, the relay for outbound), where logged.</summary>
    public string? RemoteHost { get; init; }

    /// <summary>The remote server's IP address, as text, where logged.</summary>
    public string? RemoteIp { get; init; }

    /// <summary>The envelope sender's domain, lower-case, where logged.</summary>
    public string? SenderDomain { get; init; }

    /// <summary>The (first) envelope recipient's domain, lower-case, where logged.</summary>
    public string? RecipientDomain { get; init; }

    /// <summary>Recipients of this message on this path (at least 1).</summary>
    public int Recipients { get; init; }

    /// <summary>Message size in bytes; 0 when the log does not give it.</summary>
    public long Bytes { get; init; }

    /// <summary>
    /// The MTA's service or transport name: Postfix's service (<c>postfix/submission/smtpd</c>), Exim's transport
    /// or router, Sendmail's mailer. Connectors can match on it.
    /// </summary>
    public string? Service { get; init; }

    /// <summary>Exchange's connector-id (e.g. <c>EX01\Default Frontend EX01</c>); connectors can match on it.</summary>
    public string? ConnectorId { get; init; }

    /// <summary>The mail server that wrote the log (syslog host, Exchange server); null when the log does not say.</summary>
    public string? SourceHost { get; init; }

    /// <summary>The log's own message or session identifier (queue id, session id), for diagnostics.</summary>
    public string? LogId { get; init; }
}
