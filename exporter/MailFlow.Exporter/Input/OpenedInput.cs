using System.IO.Compression;
using System.Text;

namespace MailFlow.Exporter.Input;

/// <summary>
/// An input opened for reading: decompressed when gzip, with its first lines sampled for format detection. The
/// sampled bytes are replayed, so <see cref="Content"/> starts at the input's first byte.
/// </summary>
public sealed class OpenedInput : IDisposable
{
    /// <summary>Bytes sampled for detection.</summary>
    public const int SampleBytes = 64 * 1024;

    private readonly CountingStream _raw;

    private OpenedInput(CountingStream raw, Stream content, IReadOnlyList<string> sample, bool isGzip, bool looksBinary)
    {
        _raw = raw;
        Content = content;
        Sample = sample;
        IsGzip = isGzip;
        LooksBinary = looksBinary;
    }

    /// <summary>The decompressed content, from its first byte.</summary>
    public Stream Content { get; }

    /// <summary>The first non-empty lines (at most <see cref="Formats.FormatDetector.SampleLines"/>), decoded as UTF-8, BOM removed.</summary>
    public IReadOnlyList<string> Sample { get; }

    public bool IsGzip { get; }

    /// <summary>True when the sample holds NUL bytes or mostly control bytes: not a text log.</summary>
    public bool LooksBinary { get; }

    /// <summary>Raw (compressed) bytes read so far.</summary>
    public long RawBytesRead => _raw.BytesRead;

    public static OpenedInput Open(InputSource source)
    {
        var raw = new CountingStream(source.OpenRaw());
        try
        {
            var magic = new byte[2];
            var magicLength = ReadAtMost(raw, magic);
            var isGzip = magicLength == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            Stream content = new PrefixedStream(magic, magicLength, raw);
            if (isGzip)
            {
                content = new GZipStream(content, CompressionMode.Decompress);
            }

            var sampleBuffer = new byte[SampleBytes];
            var sampleLength = ReadAtMost(content, sampleBuffer);
            var sampleSpan = sampleBuffer.AsSpan(0, sampleLength);
            var looksBinary = LooksLikeBinary(sampleSpan);
            var sample = looksBinary ? [] : SampleLines(sampleSpan);
            return new OpenedInput(raw, new PrefixedStream(sampleBuffer, sampleLength, content), sample, isGzip, looksBinary);
        }
        catch
        {
            raw.Dispose();
            throw;
        }
    }

    public void Dispose() => Content.Dispose();

    private static int ReadAtMost(Stream stream, Span<byte> buffer)
    {
        var total = 0;
        int n;
        while (total < buffer.Length && (n = stream.Read(buffer[total..])) > 0)
        {
            total += n;
        }

        return total;
    }

    private static bool LooksLikeBinary(ReadOnlySpan<byte> sample)
    {
        if (sample.IsEmpty)
        {
            return false;
        }

        if (sample.Contains((byte)0))
        {
            return true;
        }

        var control = 0;
        foreach (var b in sample)
        {
            if (b < 0x20 && b is not (byte)'\n' and not (byte)'\r' and not (byte)'\t')
            {
                control++;
            }
        }

        return control * 10 > sample.Length;
    }

    private static List<string> SampleLines(ReadOnlySpan<byte> sample)
    {
        if (sample.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            sample = sample[3..];
        }

        var lines = new List<string>();
        // The last line may be cut by the sample's end: keep only complete lines unless it is all there is.
        var lastNewline = sample.LastIndexOf((byte)'\n');
        var complete = lastNewline >= 0 && sample.Length == SampleBytes ? sample[..lastNewline] : sample;
        foreach (var range in complete.Split((byte)'\n'))
        {
            var line = complete[range].TrimEnd((byte)'\r');
            if (line.Trim((byte)' ').IsEmpty)
            {
                continue;
            }

            lines.Add(Encoding.UTF8.GetString(line));
            if (lines.Count >= Formats.FormatDetector.SampleLines)
            {
                break;
            }
        }

        return lines;
    }
}
