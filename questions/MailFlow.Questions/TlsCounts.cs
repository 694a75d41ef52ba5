using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Questions;

/// <summary>
/// Messages of one slice (a direction, a day, a connector) per TLS version, with shares. Recipients and bytes are
/// carried where the totals know them (the terminal report); the query engine sums messages only and leaves them 0.
/// </summary>
public readonly record struct TlsCounts
{
    public long None { get; init; }
    public long Ssl3 { get; init; }
    public long Tls10 { get; init; }
    public long Tls11 { get; init; }
    public long Tls12 { get; init; }
    public long Tls13 { get; init; }
    public long Unknown { get; init; }

    /// <summary>Recipients of the messages, when the totals carry them (0 otherwise).</summary>
    public long Recipients { get; init; }

    /// <summary>Bytes of the messages, when the totals carry them (0 otherwise).</summary>
    public long Bytes { get; init; }

    /// <summary>All messages, whatever their protection.</summary>
    public long Total => None + Ssl3 + Tls10 + Tls11 + Tls12 + Tls13 + Unknown;

    /// <summary>TLS 1.0 and SSLv3 together: what the TLS 1.0 insight counts (SSLv3 is older still).</summary>
    public long Legacy => Tls10 + Ssl3;

    /// <summary>The count of one version.</summary>
    public long this[TlsVersion version] => version switch
    {
        TlsVersion.None => None,
        TlsVersion.Ssl3 => Ssl3,
        TlsVersion.Tls10 => Tls10,
        TlsVersion.Tls11 => Tls11,
        TlsVersion.Tls12 => Tls12,
        TlsVersion.Tls13 => Tls13,
        _ => Unknown,
    };

    /// <summary>Share of one version in percent (0..100); 0 when there are no messages.</summary>
    public double Percent(TlsVersion version)
    {
        var total = Total;
        return total == 0 ? 0 : 100.0 * this[version] / total;
    }

    /// <summary>A copy with <paramref name="messages"/> (and their recipients and bytes) added to one version.</summary>
    public TlsCounts Add(TlsVersion version, long messages, long recipients = 0, long bytes = 0)
    {
        var added = this with { Recipients = Recipients + recipients, Bytes = Bytes + bytes };
        return version switch
        {
            TlsVersion.None => added with { None = None + messages },
            TlsVersion.Ssl3 => added with { Ssl3 = Ssl3 + messages },
            TlsVersion.Tls10 => added with { Tls10 = Tls10 + messages },
            TlsVersion.Tls11 => added with { Tls11 = Tls11 + messages },
            TlsVersion.Tls12 => added with { Tls12 = Tls12 + messages },
            TlsVersion.Tls13 => added with { Tls13 = Tls13 + messages },
            _ => added with { Unknown = Unknown + messages },
        };
    }
}
