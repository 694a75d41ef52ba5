namespace MailFlow.Simulator.Servers;

/// <summary>How each MTA spells a TLS version and a typical cipher, as in samples/logs/.</summary>
internal static class Ciphers
{
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

    /// <summary>Exchange's Schannel line; <paramref name="hyphen"/>: the SP_PROT- spelling some builds write.</summary>
    public static string Schannel(Tls tls, string side, bool hyphen)
    {
        var (protocol, mac, macBits, exchange, exchangeBits) = tls switch
        {
            Tls.Tls10 => ("TLS1_0", "CALG_SHA1", "160", "CALG_RSA_KEYX", "2048"),
            Tls.Tls11 => ("TLS1_1", "CALG_SHA1", "160", "CALG_ECDH_EPHEM", "256"),
            Tls.Tls12 => ("TLS1_2", "CALG_SHA_384", "0", "CALG_ECDH_EPHEM", "384"),
            _ => ("TLS1_3", "CALG_SHA_384", "0", "CALG_ECDH_EPHEM", "384"),
        };
        return $"TLS protocol SP_PROT{(hyphen ? "-" : "_")}{protocol}_{side} negotiation succeeded using bulk encryption algorithm CALG_AES_256 "
            + $"with strength 256 bits, MAC hash algorithm {mac} with strength {macBits} bits and key exchange algorithm {exchange} with strength {exchangeBits} bits";
    }
}
