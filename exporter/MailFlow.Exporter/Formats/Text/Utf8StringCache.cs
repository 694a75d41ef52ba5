using System.Buffers;
using System.Text;

namespace MailFlow.Exporter.Formats.Text;

/// <summary>
/// Turns UTF-8 spans into strings, reusing the string for values already seen (connector names, domains, hosts):
/// logs repeat a few values millions of times, so records share them instead of allocating each. Bounded: the
/// table is emptied when it reaches <see cref="Capacity"/> entries. Not thread-safe (one per parser).
/// </summary>
public sealed class Utf8StringCache
{
    /// <summary>Most distinct values kept.</summary>
    public const int Capacity = 16_384;

    private const int MaxCachedLength = 256;

    // ASCII values (nearly all: hosts, domains, addresses) are found by a hash of their bytes, without decoding.
    private readonly Dictionary<ulong, string> _ascii = [];
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public Utf8StringCache()
    {
        _lookup = _values.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The string for these bytes, or null when they are empty.</summary>
    public string? Get(ReadOnlySpan<byte> utf8, bool lowerCase = false)
    {
        if (utf8.IsEmpty)
        {
            return null;
        }

        if (utf8.Length <= MaxCachedLength && Ascii.IsValid(utf8))
        {
            return GetAscii(utf8, lowerCase);
        }

        if (utf8.Length > MaxCachedLength)
        {
            var text = Encoding.UTF8.GetString(utf8);
            return lowerCase ? text.ToLowerInvariant() : text;
        }

        Span<char> chars = stackalloc char[MaxCachedLength];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        return Get(chars[..length], lowerCase);
    }

    /// <summary>The string for these characters, or null when they are empty.</summary>
    public string? Get(ReadOnlySpan<char> chars, bool lowerCase = false)
    {
        if (chars.IsEmpty)
        {
            return null;
        }

        char[]? rented = null;
        scoped ReadOnlySpan<char> key = chars;
        Span<char> lower = stackalloc char[MaxCachedLength];
        if (lowerCase)
        {
            if (chars.Length > MaxCachedLength)
            {
                rented = ArrayPool<char>.Shared.Rent(chars.Length);
                lower = rented;
            }

            lower = lower[..chars.Length];
            chars.ToLowerInvariant(lower);
            key = lower;
        }

        try
        {
            if (_lookup.TryGetValue(key, out var existing))
            {
                return existing;
            }

            if (_values.Count >= Capacity)
            {
                _values.Clear();
            }

            var created = new string(key);
            _values[created] = created;
            return created;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private string GetAscii(ReadOnlySpan<byte> ascii, bool lowerCase)
    {
        var hash = 14695981039346656037UL ^ (lowerCase ? 1UL : 0UL);
        foreach (var b in ascii)
        {
            var c = lowerCase && (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;
            hash = (hash ^ c) * 1099511628211UL;
        }

        if (_ascii.TryGetValue(hash, out var existing)
            && (lowerCase ? Ascii.EqualsIgnoreCase(ascii, existing) : Ascii.Equals(ascii, existing)))
        {
            return existing;
        }

        if (_ascii.Count >= Capacity)
        {
            _ascii.Clear();
        }

        var created = string.Create(ascii.Length, (ascii.ToArray(), lowerCase), static (chars, state) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                var c = (char)state.Item1[i];
                chars[i] = state.lowerCase ? char.ToLowerInvariant(c) : c;
            }
        });

        // On a hash collision the newer value takes the slot; both stay correct, only the reuse is lost.
        _ascii[hash] = created;
        return created;
    }
}
