using System.IO.Compression;
using MailFlow.Exporter.Formats;

namespace MailFlow.Exporter.Input;

/// <summary>
/// An input opened for reading: decompressed when gzip, with its first bytes read for format detection. The
/// bytes read are replayed, so <see cref="Content"/> starts at the input's first byte.
/// </summary>
public sealed class OpenedInput : IDisposable
{
    /// <summary>Bytes sampled for the binary check and first detection.</summary>
    public const int SampleBytes = FormatDetector.HeadBytes;

    /// <summary>
    /// Share of binary bytes (control bytes other than tab, CR, LF, and NULs outside long runs) in the sample
    /// above which the input is refused as binary. Text logs hold next to none; random or compressed data about 12%.
    /// </summary>
    public const double BinaryShare = 0.05;

    /// <summary>NUL runs at least this long are a crash's unwritten blocks (whole sectors), not binary content.</summary>
    public const int NulBlockBytes = 64;

    private readonly CountingStream _raw;

    private OpenedInput(CountingStream raw, Stream content, Detection detection, bool isGzip, bool looksBinary)
    {
        _raw = raw;
        Content = content;
        Detection = detection;
        IsGzip = isGzip;
        LooksBinary = looksBinary;
    }

    /// <summary>The decompressed content, from its first byte.</summary>
    public Stream Content { get; }

    /// <summary>The detected format (when detection was asked for), or why none fits.</summary>
    public Detection Detection { get; }

    public bool IsGzip { get; }

    /// <summary>True when the sample is mostly binary (see <see cref="BinaryShare"/>): not a text log.</summary>
    public bool LooksBinary { get; }

    /// <summary>Raw (compressed) bytes read so far.</summary>
    public long RawBytesRead => _raw.BytesRead;

    /// <param name="detect">True to detect the format (reading further than the sample for a combined syslog).</param>
    public static OpenedInput Open(InputSource source, bool detect = true)
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

            var head = new byte[SampleBytes];
            var headLength = ReadAtMost(content, head);
            var looksBinary = LooksLikeBinary(head.AsSpan(0, headLength));
            var detection = default(Detection);
            if (detect && !looksBinary)
            {
                while ((detection = FormatDetector.Detect(head.AsSpan(0, headLength), headLength < head.Length, LogFormats.All)).NeedsMore)
                {
                    // A combined syslog without mail lines so far: read on (the bytes are replayed), up to the budget.
                    Array.Resize(ref head, Math.Min(head.Length * 4, FormatDetector.ScanBytes));
                    headLength += ReadAtMost(content, head.AsSpan(headLength));
                }
            }

            return new OpenedInput(raw, new PrefixedStream(head, headLength, content), detection, isGzip, looksBinary);
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

    /// <summary>
    /// Mostly binary: more than <see cref="BinaryShare"/> of the sample's bytes outside NUL blocks are control
    /// bytes or stray NULs. NUL blocks (runs of <see cref="NulBlockBytes"/> or more)
    /// are left out: a crash leaves them in good logs, and their lines are reported one by one instead.
    /// </summary>
    private static bool LooksLikeBinary(ReadOnlySpan<byte> sample)
    {
        var counted = 0;
        var binary = 0;
        var i = 0;
        while (i < sample.Length)
        {
            var b = sample[i];
            if (b == 0)
            {
                var run = sample[i..].IndexOfAnyExcept((byte)0);
                run = run < 0 ? sample.Length - i : run;
                if (run < NulBlockBytes)
                {
                    counted += run;
                    binary += run;
                }

                i += run;
                continue;
            }

            counted++;
            if (b < 0x20 && b is not (byte)'\n' and not (byte)'\r' and not (byte)'\t')
            {
                binary++;
            }

            i++;
        }

        return binary > counted * BinaryShare; // Nothing but NUL blocks: detection says "only NUL bytes".
    }
}
