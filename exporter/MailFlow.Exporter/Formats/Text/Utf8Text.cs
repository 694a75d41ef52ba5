using System.Text;

namespace MailFlow.Exporter.Formats.Text;

/// <summary>Small allocation-free helpers on UTF-8 log text: endpoints, addresses, tokens.</summary>
public static class Utf8Text
{
    /// <summary>
    /// The address part of an endpoint: <c>192.0.2.1:25</c> gives <c>192.0.2.1</c>, <c>[2001:db8::1]:25</c> and
    /// <c>[2001:db8::1]</c> give <c>2001:db8::1</c>; a bare IPv6 address (several colons, no brackets) is kept whole.
    /// </summary>
    public static ReadOnlySpan<byte> EndpointAddress(ReadOnlySpan<byte> endpoint)
    {
        if (endpoint.IsEmpty)
        {
            return endpoint;
        }

        if (endpoint[0] == '[')
        {
            var close = endpoint.IndexOf((byte)']');
            return close < 0 ? endpoint[1..] : endpoint[1..close];
        }

        var colon = endpoint.IndexOf((byte)':');
        if (colon >= 0 && endpoint.LastIndexOf((byte)':') == colon)
        {
            return endpoint[..colon];
        }

        return endpoint;
    }

    /// <summary>True for 127.0.0.0/8, ::1 and IPv4-mapped loopback: traffic that never leaves the host.</summary>
    public static bool IsLoopback(ReadOnlySpan<byte> ip) =>
        ip.StartsWith("127."u8) || ip.SequenceEqual("::1"u8) || ip.StartsWith("::ffff:127."u8) || ip.StartsWith("::FFFF:127."u8)
        || ip.SequenceEqual("0:0:0:0:0:0:0:1"u8);

    /// <summary>
    /// The domain of an envelope address: the text after the last <c>@</c>, up to <c>&gt;</c>, a space or the end.
    /// Empty for the null sender <c>&lt;&gt;</c> and for addresses without a domain.
    /// </summary>
    public static ReadOnlySpan<byte> AddressDomain(ReadOnlySpan<byte> address)
    {
        var end = address.IndexOfAny((byte)'>', (byte)' ');
        if (end >= 0)
        {
            address = address[..end];
        }

        var at = address.LastIndexOf((byte)'@');
        return at < 0 ? default : address[(at + 1)..];
    }

    /// <summary>The text between the first <c>&lt;</c> and the following <c>&gt;</c>, or the first word when there is no bracket.</summary>
    public static ReadOnlySpan<byte> AngleAddress(ReadOnlySpan<byte> text)
    {
        var open = text.IndexOf((byte)'<');
        if (open < 0)
        {
            var space = text.IndexOf((byte)' ');
            return space < 0 ? text : text[..space];
        }

        text = text[(open + 1)..];
        var close = text.IndexOf((byte)'>');
        return close < 0 ? text : text[..close];
    }

    /// <summary>The text up to the first space (or all of it).</summary>
    public static ReadOnlySpan<byte> FirstWord(ReadOnlySpan<byte> text)
    {
        var space = text.IndexOf((byte)' ');
        return space < 0 ? text : text[..space];
    }

    /// <summary>Parses an unsigned decimal integer (no sign, no spaces); false when empty, not digits, or too large.</summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> s, out long value)
    {
        value = 0;
        if (s.IsEmpty || s.Length > 18)
        {
            return false;
        }

        foreach (var b in s)
        {
            var digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }

    /// <summary>A three-digit SMTP reply code at the start of <paramref name="s"/>, or -1.</summary>
    public static int ReplyCode(ReadOnlySpan<byte> s)
    {
        if (s.Length < 3)
        {
            return -1;
        }

        var a = (uint)(s[0] - '0');
        var b = (uint)(s[1] - '0');
        var c = (uint)(s[2] - '0');
        if (a > 9 || b > 9 || c > 9 || (s.Length > 3 && s[3] != ' ' && s[3] != '-'))
        {
            return -1;
        }

        return (int)((a * 100) + (b * 10) + c);
    }

    /// <summary>64-bit FNV-1a of the bytes: a key for tables keyed by identifiers, computed without allocating.</summary>
    public static ulong Hash64(ReadOnlySpan<byte> s)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in s)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    /// <summary>Text for a problem's detail: decoded, truncated to a readable length.</summary>
    public static string Excerpt(ReadOnlySpan<byte> line, int max = 120)
    {
        var text = Encoding.UTF8.GetString(line.Length > max * 4 ? line[..(max * 4)] : line);
        return text.Length > max ? string.Concat(text.AsSpan(0, max), "...") : text;
    }
}
