using System.Buffers;
using System.Buffers.Text;
using System.Text;
using MailFlow.Contracts.Schema;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Aggregation;

namespace MailFlow.Exporter.Sinks;

/// <summary>
/// Encodes <see cref="SeriesPoint"/>s and <see cref="PeerPoint"/>s as InfluxDB line protocol (precision
/// <c>s</c>) into one growing pooled UTF-8 buffer, without allocating per point. Tags are written in key order
/// (what InfluxDB sorts to anyway), empty tag values are left out (InfluxQL reads a missing tag as <c>''</c>),
/// fields are integers (<c>5i</c>). Tag values go through <see cref="NormalizeTagValue"/>'s rules.
/// </summary>
public sealed class LineProtocolWriter : IDisposable
{
    private static ReadOnlySpan<byte> MessagesPrefix => " messages="u8;
    private static ReadOnlySpan<byte> RecipientsPrefix => "i,recipients="u8;
    private static ReadOnlySpan<byte> BytesPrefix => "i,bytes="u8;
    private static ReadOnlySpan<byte> LastSeenPrefix => "i,last_seen="u8;

    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a writer whose buffer starts at <paramref name="initialCapacity"/> bytes (rented from the shared pool).</summary>
    public LineProtocolWriter(int initialCapacity = 256 * 1024)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 1024));
    }

    /// <summary>Lines written since the last <see cref="Clear"/>.</summary>
    public int LineCount { get; private set; }

    /// <summary>Bytes written since the last <see cref="Clear"/>.</summary>
    public int Length => _length;

    /// <summary>The encoded lines, each ending with <c>\n</c>. Valid until the next write or <see cref="Clear"/>.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    /// <inheritdoc cref="WrittenMemory"/>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Forgets what was written; the buffer is kept for the next batch.</summary>
    public void Clear()
    {
        _length = 0;
        LineCount = 0;
    }

    /// <summary>Appends one line of <see cref="InfluxSchema.MessagesMeasurement"/>.</summary>
    public void Write(in SeriesPoint point)
    {
        var key = point.Key;
        WriteAscii(InfluxSchema.MessagesMeasurement);
        WriteTags(key.Direction, key.Connector.Name, key.Connector.Type, key.Connector.ForcedTls, key.Tls, key.Source, peer: null);
        WriteFieldsAndTime(point.Counts, point.Minute, lastSeen: false);
    }

    /// <summary>
    /// Appends one line of <see cref="InfluxSchema.PeersMeasurement"/>, with <see cref="InfluxSchema.Fields.LastSeen"/>
    /// = the point's own minute (rollups keep its maximum, so the newest minute survives aggregation).
    /// </summary>
    public void Write(in PeerPoint point)
    {
        var key = point.Key;
        WriteAscii(InfluxSchema.PeersMeasurement);
        WriteTags(key.Direction, key.Connector.Name, key.Connector.Type, key.Connector.ForcedTls, key.Tls, key.Source, key.Peer);
        WriteFieldsAndTime(point.Counts, point.Minute, lastSeen: true);
    }

    /// <summary>Appends one line of <see cref="InfluxSchema.SecurityMeasurement"/> (tags in key order, as InfluxDB sorts them).</summary>
    public void Write(in SecurityPoint point)
    {
        var key = point.Key;
        WriteAscii(InfluxSchema.SecurityMeasurement);
        WriteTag(InfluxSchema.Tags.Auth, key.Auth.ToWire());
        WriteTag(InfluxSchema.Tags.Cipher, key.Cipher.ToWire());
        WriteTag(InfluxSchema.Tags.Connector, key.Connector.Name);
        WriteTag(InfluxSchema.Tags.ConnectorType, key.Connector.Type.ToWire());
        WriteTag(InfluxSchema.Tags.Direction, key.Direction.ToWire());
        WriteTag(InfluxSchema.Tags.ForcedTls, key.Connector.ForcedTls ? "true" : "false");
        WriteTag(InfluxSchema.Tags.Source, key.Source);
        WriteFieldsAndTime(point.Counts, point.Minute, lastSeen: false);
    }

    /// <summary>Appends one line of <see cref="InfluxSchema.BlockedMeasurement"/>, with <see cref="InfluxSchema.Fields.LastSeen"/> as for peers.</summary>
    public void Write(in BlockedPoint point)
    {
        var key = point.Key;
        WriteAscii(InfluxSchema.BlockedMeasurement);
        WriteTag(InfluxSchema.Tags.Connector, key.Connector.Name);
        WriteTag(InfluxSchema.Tags.ConnectorType, key.Connector.Type.ToWire());
        WriteTag(InfluxSchema.Tags.Direction, Direction.Outbound.ToWire());
        WriteTag(InfluxSchema.Tags.ForcedTls, key.Connector.ForcedTls ? "true" : "false");
        WriteTag(InfluxSchema.Tags.Reason, key.Reason.ToWire());
        WriteTag(InfluxSchema.Tags.RecipientDomain, key.Domain);
        WriteTag(InfluxSchema.Tags.Source, key.Source);
        WriteFieldsAndTime(point.Counts, point.Minute, lastSeen: true);
    }

    /// <summary>Appends one line of <see cref="InfluxSchema.SecurityPeersMeasurement"/>, with <see cref="InfluxSchema.Fields.LastSeen"/> as for peers.</summary>
    public void Write(in SecurityPeerPoint point)
    {
        var key = point.Key;
        WriteAscii(InfluxSchema.SecurityPeersMeasurement);
        WriteTag(InfluxSchema.Tags.Auth, key.Auth.ToWire());
        WriteTag(InfluxSchema.Tags.Cipher, key.Cipher.ToWire());
        WriteTag(InfluxSchema.Tags.Concern, key.Concern.ToWire());
        WriteTag(InfluxSchema.Tags.Connector, key.Connector.Name);
        WriteTag(InfluxSchema.Tags.ConnectorType, key.Connector.Type.ToWire());
        WriteTag(InfluxSchema.Tags.Direction, key.Direction.ToWire());
        WriteTag(InfluxSchema.Tags.ForcedTls, key.Connector.ForcedTls ? "true" : "false");
        WriteTag(InfluxSchema.Tags.Peer, key.Peer);
        WriteTag(InfluxSchema.Tags.Source, key.Source);
        WriteFieldsAndTime(point.Counts, point.Minute, lastSeen: true);
    }

    /// <summary>
    /// The value a tag will hold once written and read back, for any store speaking line protocol (InfluxDB 1.x
    /// keeps <c>\\</c> as two characters while 3.x reads it as one, and a backslash before a separator cannot be
    /// written at all on 1.x). So: control characters (newline, carriage return, tab...) become a space, and a
    /// backslash that is last or followed by a backslash, comma, equals sign or space becomes <c>/</c>; every
    /// other character is kept. The query side must apply the same function to values it filters on.
    /// </summary>
    public static string NormalizeTagValue(string value)
    {
        var builder = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            builder.Append(NormalizedChar(value, i));
        }

        return builder.ToString();
    }

    /// <summary>Returns the rented buffer to the pool.</summary>
    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static char NormalizedChar(string value, int index)
    {
        var c = value[index];
        if (char.IsControl(c))
        {
            return ' ';
        }

        if (c == '\\' && (index == value.Length - 1 || value[index + 1] is '\\' or ',' or '=' or ' ' || char.IsControl(value[index + 1])))
        {
            return '/';
        }

        return c;
    }

    private void WriteTags(Direction direction, string connector, ConnectorType type, bool forcedTls, TlsVersion tls, string? source, string? peer)
    {
        // Key order: connector, connector_type, direction, forced_tls, peer, source, tls.
        WriteTag(InfluxSchema.Tags.Connector, connector);
        WriteTag(InfluxSchema.Tags.ConnectorType, type.ToWire());
        WriteTag(InfluxSchema.Tags.Direction, direction.ToWire());
        WriteTag(InfluxSchema.Tags.ForcedTls, forcedTls ? "true" : "false");
        WriteTag(InfluxSchema.Tags.Peer, peer);
        WriteTag(InfluxSchema.Tags.Source, source);
        WriteTag(InfluxSchema.Tags.Tls, tls.ToWire());
    }

    private void WriteTag(string key, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        Ensure(key.Length + 2 + (value.Length * 4));
        _buffer[_length++] = (byte)',';
        WriteAscii(key);
        _buffer[_length++] = (byte)'=';
        WriteEscapedTagValue(value);
    }

    private void WriteEscapedTagValue(string value)
    {
        // Worst case per char: an escape byte plus 3 UTF-8 bytes (surrogate pairs give 4 bytes for 2 chars).
        Ensure(value.Length * 4);
        var runStart = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is not (',' or '=' or ' ' or '\\') && !char.IsControl(c))
            {
                continue;
            }

            // The normalised character for c, escaped when it is a separator.
            var replacement = NormalizedChar(value, i);
            if (replacement == c && c == '\\')
            {
                continue; // A backslash before an ordinary character is read back as itself.
            }

            WriteUtf8(value.AsSpan(runStart, i - runStart));
            if (replacement is ',' or '=' or ' ')
            {
                _buffer[_length++] = (byte)'\\';
            }

            _buffer[_length++] = (byte)replacement;
            runStart = i + 1;
        }

        WriteUtf8(value.AsSpan(runStart));
    }

    private void WriteFieldsAndTime(in Counts counts, DateTimeOffset minute, bool lastSeen)
    {
        Ensure(160);
        MessagesPrefix.CopyTo(_buffer.AsSpan(_length));
        _length += MessagesPrefix.Length;
        WriteInteger(counts.Messages);
        RecipientsPrefix.CopyTo(_buffer.AsSpan(_length));
        _length += RecipientsPrefix.Length;
        WriteInteger(counts.Recipients);
        BytesPrefix.CopyTo(_buffer.AsSpan(_length));
        _length += BytesPrefix.Length;
        WriteInteger(counts.Bytes);
        var seconds = minute.ToUnixTimeSeconds();
        if (lastSeen)
        {
            LastSeenPrefix.CopyTo(_buffer.AsSpan(_length));
            _length += LastSeenPrefix.Length;
            WriteInteger(seconds);
        }

        _buffer[_length++] = (byte)'i';
        _buffer[_length++] = (byte)' ';
        WriteInteger(seconds);
        _buffer[_length++] = (byte)'\n';
        LineCount++;
    }

    private void WriteInteger(long value)
    {
        if (!Utf8Formatter.TryFormat(value, _buffer.AsSpan(_length), out var written))
        {
            throw new InvalidOperationException("line protocol buffer too small for an integer");
        }

        _length += written;
    }

    private void WriteAscii(string text)
    {
        Ensure(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            _buffer[_length++] = (byte)text[i];
        }
    }

    private void WriteUtf8(ReadOnlySpan<char> text)
    {
        if (!text.IsEmpty)
        {
            _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
        }
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + extra));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
