using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Questions;

/// <summary>Messages of one slice (a direction, a connector) by auth level and by cipher class, with shares.</summary>
public sealed class SecurityCounts
{
    private readonly long[] _byAuth = new long[TransitSecurity.AuthCount];
    private readonly long[] _byCipher = new long[TransitSecurity.CipherClassCount];

    /// <summary>All messages of the slice (each counted once by auth and once by cipher).</summary>
    public long Messages { get; private set; }

    public long this[TransitAuth auth] => _byAuth[(int)auth];

    public long this[CipherClass cipher] => _byCipher[(int)cipher];

    /// <summary>Share of one auth level in percent (0..100); 0 when there are no messages.</summary>
    public double Percent(TransitAuth auth) => Messages == 0 ? 0 : 100.0 * _byAuth[(int)auth] / Messages;

    /// <summary>Share of one cipher class in percent (0..100); 0 when there are no messages.</summary>
    public double Percent(CipherClass cipher) => Messages == 0 ? 0 : 100.0 * _byCipher[(int)cipher] / Messages;

    /// <summary>Adds <paramref name="messages"/> with one auth level and cipher class.</summary>
    public void Add(TransitAuth auth, CipherClass cipher, long messages)
    {
        _byAuth[(int)auth] += messages;
        _byCipher[(int)cipher] += messages;
        Messages += messages;
    }
}
