namespace MailFlow.Simulator.Servers;

/// <summary>
/// How each MTA spells a TLS version and a typical cipher, as in samples/logs/. Transit security is chosen per
/// peer (no random draw, so the TLS versions and the tallies stay as they were), as in samples/tools/*.py:
/// Contoso's certificate verifies, Fabrikam's does not, internet clients send none; oldbank.example uses 3DES (weak),
/// TLS 1.0/1.1 peers CBC suites (legacy), the others AEAD (strong).
/// </summary>
internal static class Ciphers
{
    /// <summary>The internet server still negotiating a weak cipher (3DES).</summary>
    public const string WeakCipherHost = "mx.oldbank.example";

    /// <summary>Postfix's trust word for a session with <paramref name="host"/>: smtpd (inbound) or smtp (outbound).</summary>
    public static string PostfixTrust(string host, bool outbound) => (host, outbound) switch
    {
        ("mail.contoso.com", false) => "Trusted",
        ("mail.contoso.com", true) => "Verified",
        ("mx.fabrikam.com", _) => "Untrusted",
        (_, true) => "Trusted",
        _ => "Anonymous",
    };

    /// <summary>Sendmail's verify= for a session with <paramref name="host"/>.</summary>
    public static string SendmailVerify(string host, bool outbound) => host switch
    {
        "mail.contoso.com" => "OK",
        "mx.fabrikam.com" => "FAIL",
        _ => outbound ? "OK" : "NO",
    };

    /// <summary>Exim's CV= (and DN= with +tls_peerdn) on an arrival from or a delivery to <paramref name="host"/>.</summary>
    public static string EximCertificate(string host, bool delivery) => (host, delivery) switch
    {
        ("mail.contoso.com", false) => " CV=yes DN=\"CN=mail.contoso.com\"",
        ("mx.fabrikam.com", false) => " CV=no DN=\"CN=mx.fabrikam.com\"",
        ("mx.fabrikam.com", true) => " CV=no",
        (_, true) when host.StartsWith("relay", StringComparison.Ordinal) => " CV=dane",
        (_, true) => " CV=yes",
        _ => " CV=no",
    };

    /// <summary>The cipher a session with <paramref name="host"/> uses, and its bits.</summary>
    public static (string Cipher, string Bits) OpenSslCipher(Tls tls, string host) =>
        host == WeakCipherHost && tls != Tls.None ? ("DES-CBC3-SHA", "168/168") : (OpenSslCipher(tls), "256/256");
    /// <summary>OpenSSL's protocol name (Postfix, Sendmail, the CSV gateway).</summary>
    public static string OpenSslVersion(Tls tls) => tls switch
    {
        Tls.Tls10 => "TLSv1",
        Tls.Tls11 => "TLSv1.1",
        Tls.Tls12 => "TLSv1.2",
        Tls.Tls13 => "TLSv1.3",
        Tls.Unknown => "TLSv1/SSLv3",
        _ => "",
    };

    public static string OpenSslCipher(Tls tls) => tls switch
    {
        Tls.Tls10 => "ECDHE-RSA-AES256-SHA",
        Tls.Tls11 => "ECDHE-RSA-AES128-SHA",
        Tls.Tls12 => "ECDHE-RSA-AES256-GCM-SHA384",
        Tls.Tls13 => "TLS_AES_256_GCM_SHA384",
        Tls.Unknown => "DHE-RSA-AES256-SHA",
        _ => "",
    };

    /// <summary>Exim's X= field (OpenSSL build): protocol:cipher:bits.</summary>
    public static string Exim(Tls tls) => tls switch
    {
        Tls.Tls10 => "TLSv1:AES256-SHA:256",
        Tls.Tls11 => "TLSv1.1:ECDHE-RSA-AES256-SHA:256",
        Tls.Tls12 => "TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256",
        _ => "TLSv1.3:TLS_AES_256_GCM_SHA384:256",
    };

    /// <summary>Exim's X= field for a session with <paramref name="host"/>.</summary>
    public static string Exim(Tls tls, string host) =>
        host == WeakCipherHost ? Exim(tls).Split(':')[0] + ":DES-CBC3-SHA:168" : Exim(tls);

    /// <summary>Exchange's Schannel line; <paramref name="hyphen"/>: the SP_PROT- spelling some builds write.</summary>
    public static string Schannel(Tls tls, string side, bool hyphen, string host = "")
    {
        var (protocol, mac, macBits, exchange, exchangeBits) = tls switch
        {
            Tls.Tls10 => ("TLS1_0", "CALG_SHA1", "160", "CALG_RSA_KEYX", "2048"),
            Tls.Tls11 => ("TLS1_1", "CALG_SHA1", "160", "CALG_ECDH_EPHEM", "256"),
            Tls.Tls12 => ("TLS1_2", "CALG_SHA_384", "0", "CALG_ECDH_EPHEM", "384"),
            _ => ("TLS1_3", "CALG_SHA_384", "0", "CALG_ECDH_EPHEM", "384"),
        };
        var (bulk, bulkBits) = ("CALG_AES_256", "256");
        if (host == WeakCipherHost)
        {
            (bulk, bulkBits, mac, macBits) = ("CALG_3DES", "168", "CALG_SHA1", "160");
        }

        return $"TLS protocol SP_PROT{(hyphen ? "-" : "_")}{protocol}_{side} negotiation succeeded using bulk encryption algorithm {bulk} "
            + $"with strength {bulkBits} bits, MAC hash algorithm {mac} with strength {macBits} bits and key exchange algorithm {exchange} with strength {exchangeBits} bits";
    }
}
