using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Exporter.Formats.Postfix;

/// <summary>One smtpd connection (connect .. disconnect on a pid): its TLS summary and the messages waiting for it.</summary>
internal sealed class SmtpdSession
{
    public long LastSeen;

    /// <summary>Whether a TLS summary was logged in this session.</summary>
    public bool HasTls;
    public TlsVersion Tls;
    public string? Cipher;
    public TransitAuth Auth;
    public CipherClass CipherClass;

    /// <summary>Messages of this session whose TLS version waits for the disconnect line (no summary seen).</summary>
    public readonly List<QueueEntry> Unresolved = [];

    public void Reset(long now)
    {
        LastSeen = now;
        HasTls = false;
        Tls = TlsVersion.None;
        Cipher = null;
        Auth = TransitAuth.Unknown;
        CipherClass = CipherClass.Unknown;
        Unresolved.Clear();
    }
}

/// <summary>What is known about one queue id: the inbound message that created it and its outbound deliveries.</summary>
internal sealed class QueueEntry
{
    public required string QueueId;
    public long LastSeen;

    /// <summary>qmgr took the message (<c>from=&lt;..&gt;, size=, nrcpt=</c>): it was accepted.</summary>
    public bool Queued;
    public bool Removed;
    public string? SenderDomain;
    public long Size;
    public int Recipients;
    public InboundMessage? Inbound;
    public List<OutboundDelivery>? Outbound;
}

/// <summary>An inbound or submission message held until its sender, size, recipient and TLS version are known.</summary>
internal sealed class InboundMessage
{
    public long Time;
    public Direction Direction;
    public bool TlsResolved;
    public TlsVersion Tls;
    public string? Cipher;
    public TransitAuth Auth;
    public CipherClass CipherClass;
    public string? RemoteHost;
    public string? RemoteIp;
    public string? RecipientDomain;
    public required string Service;
    public required string SourceHost;

    /// <summary>The session's disconnect line shows every DATA/BDAT command succeeded.</summary>
    public bool DataOk;
    public bool Emitted;
}

/// <summary>Recipients of one queue id delivered through one relay: one outbound message.</summary>
internal sealed class OutboundDelivery
{
    public ulong RelayHash;
    public long Time;
    public TlsVersion Tls;
    public string? Cipher;
    public TransitAuth Auth;
    public CipherClass CipherClass;
    public string? RemoteHost;
    public string? RemoteIp;
    public string? RecipientDomain;
    public int Recipients;
    public required string Service;
    public required string SourceHost;
}
