using System.Text;

namespace MailFlow.Exporter.Formats.Syslog;

/// <summary>
/// Turns UTF-8 spans into strings, reusing the string when the same bytes came before. Host names, domains,
/// ciphers and service names repeat endlessly in mail logs; this keeps the per-message cost to a hash and a
/// compare. A fixed-size table that overwrites on collision: memory stays bounded whatever the input.
/// </summary>
public sealed class StringCache
{
    private readonly Entry[] _entries;
    private readonly int _mask;

    /// <summary>Creates a cache of <paramref name="slots"/> entries (rounded up to a power of two).</summary>
    public StringCache(int slots = 1024)
    {
        var size = 1;
        while (size < slots)
        {
            size <<= 1;
        }

        _entries = new Entry[size];
        _mask = size - 1;
    }

    /// <summary>The string for these bytes, lower-cased (ASCII) when asked.</summary>
    public string Get(ReadOnlySpan<byte> utf8, bool lowerCase = false)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        var hash = MailText.Hash(utf8) ^ (lowerCase ? 0x9E3779B97F4A7C15UL : 0UL);
        ref var entry = ref _entries[(int)hash & _mask];
        if (entry.Hash == hash && entry.Bytes is not null && utf8.SequenceEqual(entry.Bytes))
        {
            return entry.Text!;
        }

        var text = Encoding.UTF8.GetString(utf8);
        if (lowerCase)
        {
            text = text.ToLowerInvariant();
        }

        entry = new Entry(hash, utf8.ToArray(), text);
        return text;
    }

    private record struct Entry(ulong Hash, byte[]? Bytes, string? Text);
}
