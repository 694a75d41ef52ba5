using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Exporter.Formats.Syslog;

/// <summary>Small byte-span helpers shared by the syslog-based mail formats (Postfix, Sendmail).</summary>
public static class MailText
{
    /// <summary>A 64-bit FNV-1a hash; keys for short identifiers (relays, hosts) without allocating.</summary>
    public static ulong Hash(ReadOnlySpan<byte> bytes)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>Like <see cref="Hash"/> but ASCII case-insensitive and ignoring a trailing dot (DNS names).</summary>
    public static ulong HashHostName(ReadOnlySpan<byte> bytes)
    {
        if (!bytes.IsEmpty && bytes[^1] == (byte)'.')
        {
            bytes = bytes[..^1];
        }

        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ (uint)(b is >= (byte)'A' and <= (byte)'Z' ? b | 0x20 : b)) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>True for 127.0.0.0/8, ::1 and their IPv4-mapped or <c>IPv6:</c>-prefixed spellings.</summary>
    public static bool IsLoopback(ReadOnlySpan<byte> ip)
    {
        if (ip.StartsWith("IPv6:"u8) || ip.StartsWith("ipv6:"u8))
        {
            ip = ip[5..];
        }

        if (ip.StartsWith("::ffff:"u8) || ip.StartsWith("::FFFF:"u8))
        {
            ip = ip[7..];
        }

        return ip.StartsWith("127."u8) || ip.SequenceEqual("::1"u8) || ip.SequenceEqual("0:0:0:0:0:0:0:1"u8);
    }

    /// <summary>
    /// Normalises a protocol name as logged (<c>TLSv1.3</c>, <c>TLSv1</c>, <c>SSLv3</c>, <c>TLSv1/SSLv3</c>...);
    /// false when the text is not a protocol name.
    /// </summary>
    public static bool TryTlsVersion(ReadOnlySpan<byte> text, out TlsVersion version)
    {
        version = TlsVersion.Unknown;
        if (text.IsEmpty || text.Length > 32)
        {
            return false;
        }

        Span<char> chars = stackalloc char[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        return TlsVersions.TryNormalize(chars, out version);
    }

    /// <summary>
    /// The value of <c>name=</c> in a comma-separated field list, up to the next <c>,</c> or space;
    /// empty when absent. <paramref name="name"/> includes the <c>=</c>; it must start the text or follow a space or comma.
    /// </summary>
    public static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> text, ReadOnlySpan<byte> name)
    {
        var offset = 0;
        while (true)
        {
            var at = text[offset..].IndexOf(name);
            if (at < 0)
            {
                return default;
            }

            at += offset;
            if (at == 0 || text[at - 1] == (byte)' ' || text[at - 1] == (byte)',')
            {
                var value = text[(at + name.Length)..];
                var end = value.IndexOfAny((byte)',', (byte)' ');
                return end < 0 ? value : value[..end];
            }

            offset = at + name.Length;
        }
    }

    /// <summary>The domain of an address (<c>&lt;user@example.org&gt;</c>, <c>user@example.org</c>); empty when it has none.</summary>
    public static ReadOnlySpan<byte> Domain(ReadOnlySpan<byte> address)
    {
        address = address.Trim((byte)'<').TrimEnd((byte)'>');
        var at = address.LastIndexOf((byte)'@');
        return at < 0 ? default : address[(at + 1)..].TrimEnd((byte)'>');
    }

    /// <summary>Parses a non-negative decimal number at the start of the span; -1 when there is none.</summary>
    public static long ParseNumber(ReadOnlySpan<byte> digits)
    {
        long value = 0;
        var any = false;
        foreach (var b in digits)
        {
            if (!SyslogParser.IsDigit(b) || value > long.MaxValue / 20)
            {
                break;
            }

            value = (value * 10) + (b - '0');
            any = true;
        }

        return any ? value : -1;
    }

    /// <summary>Splits <c>host[ip]</c> (optionally followed by <c>:port</c>); false when there are no brackets.</summary>
    public static bool TrySplitHostIp(ReadOnlySpan<byte> text, out ReadOnlySpan<byte> host, out ReadOnlySpan<byte> ip)
    {
        host = default;
        ip = default;
        var open = text.IndexOf((byte)'[');
        if (open < 0)
        {
            return false;
        }

        var close = text[open..].IndexOf((byte)']');
        if (close < 0)
        {
            return false;
        }

        host = text[..open].TrimEnd((byte)' ');
        ip = text[(open + 1)..(open + close)];
        return !ip.IsEmpty;
    }
}
