namespace MailFlow.Contracts.Vocabulary;

/// <summary>The protocol that protected a message in transit.</summary>
public enum TlsVersion : byte
{
    /// <summary>Plaintext: no TLS at all.</summary>
    None = 0,
    Ssl3 = 1,
    Tls10 = 2,
    Tls11 = 3,
    Tls12 = 4,
    Tls13 = 5,

    /// <summary>TLS was used, but the log does not say which version.</summary>
    Unknown = 6,
}

/// <summary>Spellings of <see cref="TlsVersion"/>: the wire form used everywhere, and the normalisation of what logs write.</summary>
public static class TlsVersions
{
    /// <summary>Every version, in report order (plaintext first, then oldest to newest, then unknown).</summary>
    public static readonly IReadOnlyList<TlsVersion> All =
        [TlsVersion.None, TlsVersion.Ssl3, TlsVersion.Tls10, TlsVersion.Tls11, TlsVersion.Tls12, TlsVersion.Tls13, TlsVersion.Unknown];

    /// <summary>Number of <see cref="TlsVersion"/> values; sizes per-version counters.</summary>
    public const int Count = 7;

    public static string ToWire(this TlsVersion version) => version switch
    {
        TlsVersion.None => "none",
        TlsVersion.Ssl3 => "SSLv3",
        TlsVersion.Tls10 => "TLS1.0",
        TlsVersion.Tls11 => "TLS1.1",
        TlsVersion.Tls12 => "TLS1.2",
        TlsVersion.Tls13 => "TLS1.3",
        TlsVersion.Unknown => "unknown",
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, null),
    };

    /// <summary>True for what compliance audits ask to retire: plaintext, SSLv3, TLS 1.0 and TLS 1.1.</summary>
    public static bool IsLegacyOrPlaintext(this TlsVersion version) =>
        version is TlsVersion.None or TlsVersion.Ssl3 or TlsVersion.Tls10 or TlsVersion.Tls11;

    /// <summary>Parses the wire form exactly (case-insensitive), as used in filters and configuration.</summary>
    public static bool TryParseWire(string? text, out TlsVersion version)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToWire(), text, StringComparison.OrdinalIgnoreCase))
            {
                version = candidate;
                return true;
            }
        }

        version = default;
        return false;
    }

    /// <summary>
    /// Normalises any spelling a mail server logs: <c>TLSv1</c>, <c>TLSv1.2</c>, <c>TLS1.3</c>, <c>SSLv3</c>,
    /// <c>SP_PROT_TLS1_2_SERVER</c>, <c>SP_PROT-TLS1_0_CLIENT</c>, <c>TLS 1.2</c>, <c>none</c>...
    /// Sendmail's <c>TLSv1/SSLv3</c> names a cipher family, not a protocol: it is <see cref="TlsVersion.Unknown"/>.
    /// Returns false when the text is not a protocol name at all.
    /// </summary>
    public static bool TryNormalize(ReadOnlySpan<char> text, out TlsVersion version)
    {
        text = text.Trim();
        version = TlsVersion.Unknown;
        if (text.IsEmpty)
        {
            return false;
        }

        if (text.Equals("none", StringComparison.OrdinalIgnoreCase) || text.Equals("plaintext", StringComparison.OrdinalIgnoreCase))
        {
            version = TlsVersion.None;
            return true;
        }

        if (text.Equals("unknown", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (text.Contains('/'))
        {
            // "TLSv1/SSLv3": old OpenSSL's cipher family; the negotiated protocol is not known.
            return text.StartsWith("TLS", StringComparison.OrdinalIgnoreCase) || text.StartsWith("SSL", StringComparison.OrdinalIgnoreCase);
        }

        // Exchange (Schannel): SP_PROT_TLS1_2_SERVER, SP_PROT-TLS1_0_CLIENT, SP_PROT_SSL3_SERVER.
        if (text.StartsWith("SP_PROT", StringComparison.OrdinalIgnoreCase) && text.Length > 8)
        {
            text = text[8..];
        }

        bool ssl;
        if (text.StartsWith("TLS", StringComparison.OrdinalIgnoreCase))
        {
            ssl = false;
        }
        else if (text.StartsWith("SSL", StringComparison.OrdinalIgnoreCase))
        {
            ssl = true;
        }
        else
        {
            return false;
        }

        text = text[3..];
        if (!text.IsEmpty && (text[0] == 'v' || text[0] == 'V' || text[0] == ' '))
        {
            text = text[1..];
        }

        if (text.IsEmpty || !char.IsAsciiDigit(text[0]))
        {
            return false;
        }

        var major = text[0] - '0';
        var minor = 0;
        if (text.Length >= 3 && (text[1] == '.' || text[1] == '_') && char.IsAsciiDigit(text[2]))
        {
            minor = text[2] - '0';
        }

        version = (ssl, major, minor) switch
        {
            (true, 3, _) => TlsVersion.Ssl3,
            (false, 1, 0) => TlsVersion.Tls10,
            (false, 1, 1) => TlsVersion.Tls11,
            (false, 1, 2) => TlsVersion.Tls12,
            (false, 1, 3) => TlsVersion.Tls13,
            _ => TlsVersion.Unknown,
        };
        return true;
    }

    /// <summary>Byte-span overload for parsers working on raw UTF-8 log lines.</summary>
    public static bool TryNormalize(ReadOnlySpan<byte> utf8, out TlsVersion version)
    {
        Span<char> buffer = stackalloc char[32];
        var length = Math.Min(utf8.Length, buffer.Length);
        for (var i = 0; i < length; i++)
        {
            buffer[i] = (char)utf8[i];
        }

        return TryNormalize(buffer[..length], out version);
    }
}
