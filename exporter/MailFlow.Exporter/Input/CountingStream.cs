namespace MailFlow.Exporter.Input;

/// <summary>Counts the bytes read from an inner stream (the raw file, before decompression) for progress displays.</summary>
internal sealed class CountingStream(Stream inner) : ReadOnlyStream(inner)
{
    private long _bytesRead;

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public override int Read(Span<byte> buffer)
    {
        var n = Inner.Read(buffer);
        Interlocked.Add(ref _bytesRead, n);
        return n;
    }
}
