using System.Text;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats.Text;

namespace MailFlow.Exporter.Tests.Formats.Text;

/// <summary>The parsers' cipher cache answers as the classifier itself, however the suites interleave.</summary>
public sealed class CipherClassCacheTests
{
    [Fact]
    public void Classify_InterleavedSuites_MoreThanItsSlots_SameAsTheClassifier()
    {
        // Ten suites (more than the cache's 8 slots), a prefix of another among them, the same name at other key
        // sizes, and a name longer than a slot: each, in any order and repeated, gets the classifier's own answer.
        var suites = new (string Name, int Bits)[]
        {
            ("TLS_AES_256_GCM_SHA384", 256), ("ECDHE-RSA-AES256-GCM-SHA384", 256), ("ECDHE-RSA-AES128-SHA256", 128),
            ("DES-CBC3-SHA", 168), ("RC4-SHA", 128), ("AES256-SHA", 256), ("AES256-SHA", 40), ("AES256", 256),
            ("TLS_CHACHA20_POLY1305_SHA256", 256), ("EXP-RC4-MD5", 40), (new string('A', 200) + "-GCM", 256),
        };
        var cache = new CipherClassCache();
        var random = new Random(7);
        for (var i = 0; i < 2_000; i++)
        {
            var (name, bits) = suites[random.Next(suites.Length)];
            var bytes = Encoding.ASCII.GetBytes(name);
            Assert.Equal(TransitSecurity.ClassifyCipher(bytes, bits), cache.Classify(bytes, bits));
        }

        Assert.Equal(CipherClass.Weak, cache.Classify("AES256-SHA"u8, 40));
        Assert.Equal(CipherClass.Legacy, cache.Classify("AES256-SHA"u8, 256));
        Assert.Equal(CipherClass.Strong, cache.Classify("TLS_AES_256_GCM_SHA384"u8, 256));
    }

    [Fact]
    public void TryGet_KeysOfOtherLengthsOrBits_NotConfused()
    {
        var cache = new CipherClassCache();
        cache.Add("CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits"u8, 0, CipherClass.Strong);

        Assert.True(cache.TryGet("CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits"u8, 0, out var strong));
        Assert.Equal(CipherClass.Strong, strong);
        Assert.False(cache.TryGet("CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bit"u8, 0, out _));
        Assert.False(cache.TryGet("CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits"u8, 1, out _));
    }
}
