using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Exporter.Formats.Text;

/// <summary>
/// Remembers the last few ciphers classified: a server negotiates a handful of suites (TLS 1.3's and one or two TLS
/// 1.2 ones, interleaved line after line), so the classifier's substring searches run once per suite, not once per
/// TLS line. A suite never seen before replaces the oldest entry.
/// </summary>
internal sealed class CipherClassCache
{
    private const int Entries = 8;
    private const int MaxName = 128;
    private readonly byte[] _names = new byte[Entries * MaxName];
    private readonly int[] _lengths = [-1, -1, -1, -1, -1, -1, -1, -1];
    private readonly int[] _bits = new int[Entries];
    private readonly CipherClass[] _classes = new CipherClass[Entries];
    private int _next;

    public CipherClass Classify(ReadOnlySpan<byte> name, int bits)
    {
        if (TryGet(name, bits, out var known))
        {
            return known;
        }

        var found = TransitSecurity.ClassifyCipher(name, bits);
        Add(name, bits, found);
        return found;
    }

    /// <summary>The class remembered for <paramref name="key"/> (a suite's name, or any text that decides its class) and <paramref name="bits"/>.</summary>
    public bool TryGet(ReadOnlySpan<byte> key, int bits, out CipherClass found)
    {
        for (var i = 0; i < Entries; i++)
        {
            if (_lengths[i] == key.Length && _bits[i] == bits && key.SequenceEqual(_names.AsSpan(i * MaxName, key.Length)))
            {
                found = _classes[i];
                return true;
            }
        }

        found = CipherClass.Unknown;
        return false;
    }

    /// <summary>Remembers a class (keys longer than the slots are not kept).</summary>
    public void Add(ReadOnlySpan<byte> key, int bits, CipherClass found)
    {
        if (key.Length > MaxName)
        {
            return;
        }

        var slot = _next;
        _next = (_next + 1) % Entries;
        key.CopyTo(_names.AsSpan(slot * MaxName));
        _lengths[slot] = key.Length;
        _bits[slot] = bits;
        _classes[slot] = found;
    }
}
