using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Exporter.Formats.Postfix;

/// <summary>A queue id packed into two words: a dictionary key that costs no allocation.</summary>
internal readonly record struct QueueKey(ulong Low, ulong High)
{
    public static bool TryCreate(ReadOnlySpan<byte> id, out QueueKey key)
    {
        key = default;
        if (id.Length is < 5 or > 24)
        {
            return false;
        }

        ulong low = 0;
        ulong high = 0;
        for (var i = 0; i < id.Length; i++)
        {
            var b = id[i];
            if (!((uint)(b - '0') <= 9 || (uint)((b | 0x20) - 'a') <= 25))
            {
                return false;
            }

            if (i < 8)
            {
                low |= (ulong)b << (i * 8);
            }
            else if (i < 16)
            {
                high |= (ulong)b << ((i - 8) * 8);
            }
        }

        // Ids longer than 16 bytes (not seen in practice) fold their tail into a hash.
        if (id.Length > 16)
        {
            high ^= Syslog.MailText.Hash(id[16..]) * 31;
        }

        key = new QueueKey(low, high);
        return true;
    }
}

/// <summary>One smtpd connection (connect .. disconnect on a pid): its TLS summary and the messages waiting for it.</summary>
internal sealed class SmtpdSession
{
    public long LastSeen;

    /// <summary>Whether a TLS summary was logged in this session.</summary>
    public bool HasTls;
    public TlsVersion Tls;
    public string? Cipher;

    /// <summary>Messages of this session whose TLS version waits for the disconnect line (no summary seen).</summary>
    public readonly List<QueueEntry> Unresolved = [];

    public void Reset(long now)
    {
        LastSeen = now;
        HasTls = false;
        Tls = TlsVersion.None;
        Cipher = null;
        Unresolved.Clear();
    }
}

/// <summary>An smtp client process: the TLS summaries it logged recently, by relay.</summary>
internal sealed class SmtpClientState
{
    public const int Slots = 4;
    public long LastSeen;
    public readonly ulong[] RelayHash = new ulong[Slots];
    public readonly TlsVersion[] Tls = new TlsVersion[Slots];
    public readonly string?[] Cipher = new string?[Slots];
    public int Count;
    public int Next;

    public void Add(ulong relay, TlsVersion tls, string? cipher)
    {
        for (var i = 0; i < Count; i++)
        {
            if (RelayHash[i] == relay)
            {
                Tls[i] = tls;
                Cipher[i] = cipher;
                return;
            }
        }

        RelayHash[Next] = relay;
        Tls[Next] = tls;
        Cipher[Next] = cipher;
        Next = (Next + 1) % Slots;
        Count = Math.Min(Count + 1, Slots);
    }

    public int Find(ulong relay)
    {
        for (var i = 0; i < Count; i++)
        {
            if (RelayHash[i] == relay)
            {
                return i;
            }
        }

        return -1;
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
    public string? RemoteHost;
    public string? RemoteIp;
    public string? RecipientDomain;
    public int Recipients;
    public required string Service;
    public required string SourceHost;
}
