using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Exporter.Formats.Text;

/// <summary>
/// Remembers the last cipher classified: a log repeats the same few suites line after line, so the classifier's
/// substring searches run once per change of suite, not once per TLS line.
/// </summary>
internal sealed class CipherClassCache
{
    private readonly byte[] _name = new byte[96];
    private int _length = -1;
    private int _bits = -1;
    private CipherClass _class;

    public CipherClass Classify(ReadOnlySpan<byte> name, int bits)
    {
        if (_length >= 0 && bits == _bits && name.SequenceEqual(_name.AsSpan(0, _length)))
        {
            return _class;
        }

        _class = TransitSecurity.ClassifyCipher(name, bits);
        _bits = bits;
        _length = Math.Min(name.Length, _name.Length);
        name[.._length].CopyTo(_name);
        return _class;
    }
}
