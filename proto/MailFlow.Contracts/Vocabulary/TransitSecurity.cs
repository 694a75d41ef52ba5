namespace MailFlow.Contracts.Vocabulary;

/// <summary>How the other server was authenticated in a message's TLS session.</summary>
/// <remarks><see cref="Unknown"/> is the default so that a format that does not say is never guessed.</remarks>
public enum TransitAuth : byte
{
    /// <summary>TLS was used but the log does not say whether (or how) the certificate was checked.</summary>
    Unknown = 0,

    /// <summary>Certificate chain and name verified (DANE, MTA-STS, a <c>secure</c>/<c>verify</c> policy).</summary>
    Verified = 1,

    /// <summary>Certificate chain verified, name not checked.</summary>
    Trusted = 2,

    /// <summary>A certificate that was not, or could not be, verified.</summary>
    Untrusted = 3,

    /// <summary>No certificate: an anonymous cipher, or a client that sent none (normal for inbound mail).</summary>
    Anonymous = 4,

    /// <summary>Plaintext: no TLS at all.</summary>
    None = 5,
}

/// <summary>The strength class of the negotiated cipher suite.</summary>
public enum CipherClass : byte
{
    /// <summary>TLS was used but the cipher is not logged or not recognised.</summary>
    Unknown = 0,

    /// <summary>AEAD suites (AES-GCM, AES-CCM, ChaCha20-Poly1305) and every TLS 1.3 suite.</summary>
    Strong = 1,

    /// <summary>CBC suites (block ciphers with an HMAC).</summary>
    Legacy = 2,

    /// <summary>RC4, DES/3DES, NULL, EXPORT, MD5 MACs, or fewer than 128 bits.</summary>
    Weak = 3,

    /// <summary>Plaintext: no TLS, hence no cipher.</summary>
    None = 4,
}

/// <summary>Wire spellings of <see cref="TransitAuth"/> and <see cref="CipherClass"/>, and the cipher-name classifier.</summary>
public static class TransitSecurity
{
    /// <summary>Every auth level, in report order (strongest first, then plaintext, then unknown).</summary>
    public static readonly IReadOnlyList<TransitAuth> AuthLevels =
        [TransitAuth.Verified, TransitAuth.Trusted, TransitAuth.Untrusted, TransitAuth.Anonymous, TransitAuth.None, TransitAuth.Unknown];

    /// <summary>Every cipher class, in report order.</summary>
    public static readonly IReadOnlyList<CipherClass> CipherClasses =
        [CipherClass.Strong, CipherClass.Legacy, CipherClass.Weak, CipherClass.None, CipherClass.Unknown];

    /// <summary>Number of <see cref="TransitAuth"/> values; sizes per-level counters (indexed by the enum value).</summary>
    public const int AuthCount = 6;

    /// <summary>Number of <see cref="CipherClass"/> values; sizes per-class counters (indexed by the enum value).</summary>
    public const int CipherClassCount = 5;

    public static string ToWire(this TransitAuth auth) => auth switch
    {
        TransitAuth.Verified => "verified",
        TransitAuth.Trusted => "trusted",
        TransitAuth.Untrusted => "untrusted",
        TransitAuth.Anonymous => "anonymous",
        TransitAuth.None => "none",
        TransitAuth.Unknown => "unknown",
        _ => throw new ArgumentOutOfRangeException(nameof(auth), auth, null),
    };

    public static string ToWire(this CipherClass cipher) => cipher switch
    {
        CipherClass.Strong => "strong",
        CipherClass.Legacy => "legacy",
        CipherClass.Weak => "weak",
        CipherClass.None => "none",
        CipherClass.Unknown => "unknown",
        _ => throw new ArgumentOutOfRangeException(nameof(cipher), cipher, null),
    };

    /// <summary>Parses the wire form of an auth level (case-insensitive); also what the CSV format's <c>auth</c> column holds.</summary>
    public static bool TryParseAuth(ReadOnlySpan<char> text, out TransitAuth auth)
    {
        text = text.Trim();
        foreach (var candidate in AuthLevels)
        {
            if (text.Equals(candidate.ToWire(), StringComparison.OrdinalIgnoreCase))
            {
                auth = candidate;
                return true;
            }
        }

        auth = TransitAuth.Unknown;
        return false;
    }

    /// <summary>Parses the wire form of a cipher class (case-insensitive).</summary>
    public static bool TryParseCipherClass(ReadOnlySpan<char> text, out CipherClass cipher)
    {
        text = text.Trim();
        foreach (var candidate in CipherClasses)
        {
            if (text.Equals(candidate.ToWire(), StringComparison.OrdinalIgnoreCase))
            {
                cipher = candidate;
                return true;
            }
        }

        cipher = CipherClass.Unknown;
        return false;
    }

    /// <summary>
    /// Classifies a cipher suite name in any spelling mail servers log: IANA (<c>TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256</c>,
    /// <c>TLS_AES_256_GCM_SHA384</c>), OpenSSL (<c>ECDHE-RSA-AES256-GCM-SHA384</c>, <c>DES-CBC3-SHA</c>), GnuTLS
    /// (<c>ECDHE_X25519__RSA_PSS_RSAE_SHA256__AES_256_GCM</c>, <c>AES_256_CBC</c>), Schannel (<c>CALG_AES_256</c>).
    /// <paramref name="bits"/> is the symmetric key size in use where logged (0 when not): under 128 is weak.
    /// A bare block cipher with no mode (Schannel's <c>CALG_AES_256</c>) is <see cref="CipherClass.Unknown"/>: the
    /// caller decides from what else the log says.
    /// </summary>
    public static CipherClass ClassifyCipher(ReadOnlySpan<byte> name, int bits)
    {
        Span<char> buffer = stackalloc char[96];
        var length = Math.Min(name.Length, buffer.Length);
        for (var i = 0; i < length; i++)
        {
            buffer[i] = (char)name[i];
        }

        return ClassifyCipher(buffer[..length], bits);
    }

    /// <inheritdoc cref="ClassifyCipher(ReadOnlySpan{byte}, int)"/>
    public static CipherClass ClassifyCipher(ReadOnlySpan<char> name, int bits)
    {
        name = name.Trim();
        if (name.IsEmpty)
        {
            return bits is > 0 and < 128 ? CipherClass.Weak : CipherClass.Unknown;
        }

        // Weak first: an EXPORT or RC4 suite is weak whatever else its name says.
        if ((bits is > 0 and < 128)
            || Has(name, "RC4") || Has(name, "RC2") || Has(name, "DES") || Has(name, "NULL") || Has(name, "EXPORT")
            || name.StartsWith("EXP-", StringComparison.OrdinalIgnoreCase) || name.StartsWith("EXP1024", StringComparison.OrdinalIgnoreCase)
            || Has(name, "MD5"))
        {
            return CipherClass.Weak;
        }

        // AEAD; every TLS 1.3 suite is one of these (TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_CCM_SHA256).
        if (Has(name, "GCM") || Has(name, "CHACHA20") || Has(name, "POLY1305") || Has(name, "CCM"))
        {
            return CipherClass.Strong;
        }

        if (name.StartsWith("CALG_", StringComparison.OrdinalIgnoreCase))
        {
            // Schannel names only the bulk algorithm, not its mode.
            return CipherClass.Unknown;
        }

        // Every other TLS suite of these block ciphers is CBC, whether or not its name says so (OpenSSL's AES256-SHA).
        if (Has(name, "CBC") || Has(name, "AES") || Has(name, "CAMELLIA") || Has(name, "ARIA") || Has(name, "SEED") || Has(name, "IDEA"))
        {
            return CipherClass.Legacy;
        }

        return CipherClass.Unknown;
    }

    private static bool Has(ReadOnlySpan<char> name, string part) => name.Contains(part, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Why a peer is listed among the transit-security "peers to contact" (issue 13).</summary>
public enum SecurityConcern : byte
{
    /// <summary>A certificate that was not verified (untrusted) or none at all (anonymous), on a connector that should verify.</summary>
    UnverifiedCertificate = 0,

    /// <summary>A weak cipher (RC4, 3DES, NULL, EXPORT, MD5, under 128 bits), on any connector.</summary>
    WeakCipher = 1,
}

/// <summary>Wire spellings of <see cref="SecurityConcern"/> (report, InfluxDB tag <c>concern</c>, API, plugin).</summary>
public static class SecurityConcerns
{
    /// <summary>Every concern, in report order (weak ciphers first).</summary>
    public static readonly IReadOnlyList<SecurityConcern> All = [SecurityConcern.WeakCipher, SecurityConcern.UnverifiedCertificate];

    public static string ToWire(this SecurityConcern concern) => concern == SecurityConcern.WeakCipher ? "weak-cipher" : "unverified-certificate";

    /// <summary>Parses a wire spelling of a concern (<see cref="ToWire"/>).</summary>
    public static bool TryParseWire(ReadOnlySpan<char> text, out SecurityConcern concern)
    {
        foreach (var candidate in All)
        {
            if (text.Equals(candidate.ToWire(), StringComparison.OrdinalIgnoreCase))
            {
                concern = candidate;
                return true;
            }
        }

        concern = SecurityConcern.UnverifiedCertificate;
        return false;
    }
}

/// <summary>Why a TLS policy stopped a delivery (Microsoft's "Messages Blocked" table); <see cref="None"/>: not blocked.</summary>
public enum BlockReason : byte
{
    None = 0,

    /// <summary>TLS was required but the receiving server did not offer STARTTLS (or refused it).</summary>
    TlsNotOffered = 1,

    /// <summary>The certificate failed the verification the policy asked for (chain, name, fingerprint).</summary>
    CertificateNotVerified = 2,

    /// <summary>A DANE policy could not be applied or failed: TLSA lookup errors, no usable TLSA record.</summary>
    Dane = 3,

    /// <summary>An MTA-STS policy failed.</summary>
    MtaSts = 4,

    /// <summary>TLS was required but the handshake failed.</summary>
    TlsHandshake = 5,

    /// <summary>The policy's minimum cipher strength was not met.</summary>
    CipherTooWeak = 6,
}

/// <summary>Wire spellings of <see cref="BlockReason"/>.</summary>
public static class BlockReasons
{
    /// <summary>Every reason a delivery can be blocked for, in report order.</summary>
    public static readonly IReadOnlyList<BlockReason> All =
        [BlockReason.TlsNotOffered, BlockReason.CertificateNotVerified, BlockReason.Dane, BlockReason.MtaSts, BlockReason.TlsHandshake, BlockReason.CipherTooWeak];

    public static string ToWire(this BlockReason reason) => reason switch
    {
        BlockReason.None => "none",
        BlockReason.TlsNotOffered => "tls-not-offered",
        BlockReason.CertificateNotVerified => "certificate-not-verified",
        BlockReason.Dane => "dane",
        BlockReason.MtaSts => "mta-sts",
        BlockReason.TlsHandshake => "tls-handshake",
        BlockReason.CipherTooWeak => "cipher-too-weak",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    /// <summary>Parses a wire spelling of a reason (<see cref="ToWire"/>), never <see cref="BlockReason.None"/>.</summary>
    public static bool TryParseWire(ReadOnlySpan<char> text, out BlockReason reason)
    {
        foreach (var candidate in All)
        {
            if (text.Equals(candidate.ToWire(), StringComparison.OrdinalIgnoreCase))
            {
                reason = candidate;
                return true;
            }
        }

        reason = BlockReason.None;
        return false;
    }

    /// <summary>
    /// Recognises the texts mail servers write when a TLS policy stops a delivery (the deferral or bounce reason),
    /// as their sources write them (docs/log-formats.md, "Blocked by a TLS policy", cites each): Postfix
    /// <c>TLS is required, but was not offered by host ...</c>, <c>Server certificate not verified</c>,
    /// <c>TLSA lookup error for ...</c>; Exim <c>a TLS session is required, but the server did not offer TLS
    /// support</c>, <c>TLS session: (SSL_connect): ... certificate verify failed</c>; Sendmail's TLS_connection
    /// replies <c>454 4.7.0 TLS handshake failed.</c>, <c>403 4.7.0 encryption too weak 56 less than 128</c>,
    /// <c>403 4.7.0 authentication failed</c>... Returns <see cref="BlockReason.None"/> for any other failure.
    /// </summary>
    public static BlockReason Recognize(ReadOnlySpan<byte> text)
    {
        // Ordered from the most specific: an MTA-STS or DANE failure also says "certificate".
        // Sendmail's STS_SAN and STS_Check rulesets (cf/m4/proto.m4) name neither MTA-STS nor a certificate.
        if (text.IndexOf("MTA-STS"u8) >= 0 || text.IndexOf("mta-sts"u8) >= 0
            || text.IndexOf(" not listed in SANs"u8) >= 0 || text.IndexOf("STS lookup temp fail"u8) >= 0)
        {
            return BlockReason.MtaSts;
        }

        // Also Exim's "TLSA record problem" and Sendmail's "DANE check failed.", "DANE: missing STARTTLS.",
        // "authentication failure DANE_FAIL".
        if (text.IndexOf("TLSA"u8) >= 0 || text.IndexOf("DANE"u8) >= 0)
        {
            return BlockReason.Dane;
        }

        if (text.IndexOf("TLS is required, but was not offered"u8) >= 0 || text.IndexOf("refused to start TLS"u8) >= 0
            || text.IndexOf("but the server did not offer TLS"u8) >= 0 || text.IndexOf("encryption too weak 0 "u8) >= 0
            || SendmailTlsReply(text, "other side does not support STARTTLS"u8) || SendmailTlsReply(text, "STARTTLS disabled locally"u8))
        {
            return BlockReason.TlsNotOffered;
        }

        // OpenSSL's reason "certificate verify failed" (Exim and others), Exim with GnuTLS "(certificate verification
        // failed)", Sendmail's TLS_connection for ${verify} FAIL, NO, NOT or empty, and tls_server's default reply.
        if (text.IndexOf("Server certificate not verified"u8) >= 0 || text.IndexOf("Server certificate not trusted"u8) >= 0
            || text.IndexOf("Cannot verify server"u8) >= 0 || text.IndexOf("certificate verify failed"u8) >= 0
            || text.IndexOf("(certificate verification failed)"u8) >= 0
            || SendmailTlsReply(text, "authentication failed"u8) || SendmailTlsReply(text, "not authenticated"u8)
            || SendmailTlsReply(text, "no authentication requested"u8) || SendmailTlsReply(text, "authentication required"u8)
            || SendmailTlsReply(text, "server not authenticated."u8))
        {
            return BlockReason.CertificateNotVerified;
        }

        if (text.IndexOf("encryption too weak"u8) >= 0)
        {
            return BlockReason.CipherTooWeak;
        }

        // Exim: "TLS session: <error>" is a failed TLS start (smtp transport, TLS_CONN_FAILED) that was not retried
        // in clear. Sendmail: TLS_connection's SOFTWARE ("TLS handshake." up to 8.16 without an access map),
        // PROTOCOL and CONFIG replies, and "authentication failure TEMP" (another ${verify} after a failed STARTTLS).
        if (text.IndexOf("Cannot start TLS"u8) >= 0 || text.IndexOf("TLS handshake failed"u8) >= 0
            || text.IndexOf("an attempt to start TLS failed"u8) >= 0 || text.IndexOf("TLS is required, but"u8) >= 0
            || text.IndexOf("TLS session: "u8) >= 0
            || SendmailTlsReply(text, "TLS handshake."u8) || SendmailTlsReply(text, "STARTTLS failed."u8) || SendmailTlsReply(text, "STARTTLS temporarily not possible."u8)
            || SendmailTlsReply(text, "authentication failure "u8))
        {
            return BlockReason.TlsHandshake;
        }

        return BlockReason.None;
    }

    /// <summary>
    /// A reply of sendmail's TLS_connection ruleset: the phrase right after an enhanced status code of class 7
    /// subject 0 (<c>403 4.7.0 authentication failed</c>, <c>554 5.7.0 STARTTLS failed.</c>), so that the same
    /// words in another server's reply (<c>535 5.7.8 Error: authentication failed</c>) are not taken for it.
    /// </summary>
    private static bool SendmailTlsReply(ReadOnlySpan<byte> text, ReadOnlySpan<byte> phrase)
    {
        while (true)
        {
            var at = text.IndexOf(phrase);
            if (at < 0)
            {
                return false;
            }

            if (at >= 6 && (text[at - 6] == '4' || text[at - 6] == '5') && text[(at - 5)..at].SequenceEqual(".7.0 "u8))
            {
                return true;
            }

            text = text[(at + 1)..];
        }
    }
}
