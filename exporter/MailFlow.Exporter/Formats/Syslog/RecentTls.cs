using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Exporter.Formats.Syslog;

/// <summary>The TLS handshakes a delivery process logged recently, by relay (a few: processes deliver to one relay at a time).</summary>
internal sealed class RecentTls
{
    public const int Slots = 4;
    public long LastSeen;
    public readonly ulong[] RelayHash = new ulong[Slots];
    public readonly TlsVersion[] Tls = new TlsVersion[Slots];
    public readonly string?[] Cipher = new string?[Slots];
    public readonly TransitAuth[] Auth = new TransitAuth[Slots];
    public readonly CipherClass[] Class = new CipherClass[Slots];
    public int Count;
    public int Next;

    public void Add(ulong relay, TlsVersion tls, string? cipher, TransitAuth auth, CipherClass cipherClass)
    {
        for (var i = 0; i < Count; i++)
        {
            if (RelayHash[i] == relay)
            {
                Tls[i] = tls;
                Cipher[i] = cipher;
                Auth[i] = auth;
                Class[i] = cipherClass;
                return;
            }
        }

        RelayHash[Next] = relay;
        Tls[Next] = tls;
        Cipher[Next] = cipher;
        Auth[Next] = auth;
        Class[Next] = cipherClass;
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
