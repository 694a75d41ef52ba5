using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats.Text;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Formats.Csv;

/// <summary>
/// Parses the generic CSV format: the first row (after <c>#</c> comment lines) is the header; every other row is
/// one message. A bad row is reported with its line and reason and skipped; the rows around it are kept.
/// </summary>
internal sealed class CsvParser : ILogParser
{
    internal const string TimestampColumn = "timestamp";
    internal const string DirectionColumn = "direction";

    private const int MaxColumns = 64;

    private static readonly string[] Known =
    [
        TimestampColumn, DirectionColumn, "tls", "cipher", "remote_host", "remote_ip", "sender_domain", "recipient_domain",
        "recipients", "bytes", "service", "connector_id", "source", "auth", "cipher_class", "cipher_bits",
    ];

    private readonly ParseContext _context;
    private readonly Utf8StringCache _strings = new();

    // Column index of each known name (Known order), -1 when absent.
    private readonly int[] _columns = new int[Known.Length];
    private bool _headerRead;
    private bool _headerBad;

    public CsvParser(ParseContext context)
    {
        _context = context;
    }

    public void ParseLine(ReadOnlySpan<byte> line, long lineNumber)
    {
        if (line.IsEmpty || line[0] == '#' || _headerBad || line.Trim((byte)' ').IsEmpty)
        {
            return;
        }

        Span<Range> fields = stackalloc Range[MaxColumns];
        var count = Utf8Csv.Split(line, fields, out var unterminated);
        if (!_headerRead)
        {
            Header(line, fields[..count], lineNumber);
            return;
        }

        if (unterminated)
        {
            _context.Problem(lineNumber, "unterminated quoted field", Utf8Text.Excerpt(line));
            return;
        }

        var timestampField = Field(line, fields, count, 0);
        if (!Utf8Timestamp.TryParse(timestampField, _context.Options.TimeZone, out var timestamp))
        {
            _context.Problem(lineNumber, "bad timestamp", Utf8Text.Excerpt(timestampField));
            return;
        }

        var directionField = Field(line, fields, count, 1);
        if (!TryDirection(directionField, out var direction))
        {
            _context.Problem(lineNumber, "unknown direction", Utf8Text.Excerpt(directionField));
            return;
        }

        var tlsField = Field(line, fields, count, 2);
        var tls = TlsVersion.None;
        if (!tlsField.IsEmpty && !TlsVersions.TryNormalize(tlsField, out tls))
        {
            _context.Problem(lineNumber, "unknown TLS version", Utf8Text.Excerpt(tlsField));
            return;
        }

        var recipients = 1L;
        var recipientsField = Field(line, fields, count, 8);
        if (!recipientsField.IsEmpty && (!Utf8Text.TryParseInt64(recipientsField, out recipients) || recipients is < 1 or > int.MaxValue))
        {
            _context.Problem(lineNumber, "bad recipients", Utf8Text.Excerpt(recipientsField));
            return;
        }

        var bytes = 0L;
        var bytesField = Field(line, fields, count, 9);
        if (!bytesField.IsEmpty && !Utf8Text.TryParseInt64(bytesField, out bytes))
        {
            _context.Problem(lineNumber, "bad bytes", Utf8Text.Excerpt(bytesField));
            return;
        }

        var authField = Field(line, fields, count, 13);
        var auth = TransitAuth.Unknown;
        if (!authField.IsEmpty && !TryWord(authField, TransitSecurity.TryParseAuth, out auth))
        {
            _context.Problem(lineNumber, "unknown auth level (verified, trusted, untrusted, anonymous, none, unknown)", Utf8Text.Excerpt(authField));
            return;
        }

        var cipherBits = 0L;
        var bitsField = Field(line, fields, count, 15);
        if (!bitsField.IsEmpty && (!Utf8Text.TryParseInt64(bitsField, out cipherBits) || cipherBits is < 0 or > 65536))
        {
            _context.Problem(lineNumber, "bad cipher_bits", Utf8Text.Excerpt(bitsField));
            return;
        }

        // An explicit cipher_class wins; otherwise the cipher column's name is classified.
        var classField = Field(line, fields, count, 14);
        CipherClass cipherClass;
        if (!classField.IsEmpty)
        {
            if (!TryWord(classField, TransitSecurity.TryParseCipherClass, out cipherClass))
            {
                _context.Problem(lineNumber, "unknown cipher_class (strong, legacy, weak, none, unknown)", Utf8Text.Excerpt(classField));
                return;
            }
        }
        else
        {
            var cipherField = Field(line, fields, count, 3);
            cipherClass = cipherField.IsEmpty && cipherBits == 0 ? CipherClass.Unknown : TransitSecurity.ClassifyCipher(cipherField.Trim((byte)'"'), (int)cipherBits);
        }

        _context.Sink.OnRecord(new MailRecord
        {
            Timestamp = timestamp,
            Direction = direction,
            Tls = tls,
            Cipher = Text(line, fields, count, 3),
            Auth = auth,
            CipherClass = cipherClass,
            RemoteHost = Text(line, fields, count, 4, lowerCase: true),
            RemoteIp = Text(line, fields, count, 5),
            SenderDomain = Text(line, fields, count, 6, lowerCase: true),
            RecipientDomain = Text(line, fields, count, 7, lowerCase: true),
            Recipients = (int)recipients,
            Bytes = bytes,
            Service = Text(line, fields, count, 10),
            ConnectorId = Text(line, fields, count, 11),
            SourceHost = Text(line, fields, count, 12) ?? _context.Options.SourceHost,
        });
    }

    public void Complete()
    {
        if (!_headerRead && !_headerBad)
        {
            _context.Problem(0, "no CSV header row", "the first row must name the columns, e.g. timestamp,direction,tls", ProblemSeverity.Error);
        }
    }

    private void Header(ReadOnlySpan<byte> line, ReadOnlySpan<Range> fields, long lineNumber)
    {
        _headerRead = true;
        Array.Fill(_columns, -1);
        var unknown = new List<string>();
        for (var i = 0; i < fields.Length; i++)
        {
            var name = (Utf8Csv.Unescape(line[fields[i]].Trim((byte)' '), _strings) ?? string.Empty).ToLowerInvariant();
            var known = Array.IndexOf(Known, name);
            if (known >= 0)
            {
                _columns[known] = i;
            }
            else if (name.Length > 0)
            {
                unknown.Add(name);
            }
        }

        if (_columns[0] < 0 || _columns[1] < 0)
        {
            _headerBad = true;
            _context.Problem(lineNumber, "CSV header lacks a required column", "needs timestamp and direction; found: " + Utf8Text.Excerpt(line), ProblemSeverity.Error);
            return;
        }

        if (unknown.Count > 0)
        {
            _context.Problem(lineNumber, "unknown CSV columns ignored", string.Join(", ", unknown), ProblemSeverity.Notice);
        }
    }

    private ReadOnlySpan<byte> Field(ReadOnlySpan<byte> line, ReadOnlySpan<Range> fields, int count, int known)
    {
        var column = _columns[known];
        return column < 0 || column >= count ? default : line[fields[column]].Trim((byte)' ');
    }

    private string? Text(ReadOnlySpan<byte> line, ReadOnlySpan<Range> fields, int count, int known, bool lowerCase = false)
    {
        var field = Field(line, fields, count, known);
        if (field.IsEmpty)
        {
            return null;
        }

        var text = Utf8Csv.Unescape(field, _strings);
        return lowerCase && text is not null ? _strings.Get(text.AsSpan(), lowerCase: true) : text;
    }

    private delegate bool WordParser<T>(ReadOnlySpan<char> text, out T value);

    private static bool TryWord<T>(ReadOnlySpan<byte> field, WordParser<T> parse, out T value)
    {
        Span<char> chars = stackalloc char[16];
        field = field.Trim((byte)'"');
        if (field.Length > chars.Length)
        {
            value = default!;
            return false;
        }

        for (var i = 0; i < field.Length; i++)
        {
            chars[i] = (char)field[i];
        }

        return parse(chars[..field.Length], out value);
    }

    private static bool TryDirection(ReadOnlySpan<byte> field, out Direction direction)
    {
        Span<char> chars = stackalloc char[16];
        if (field.Length > chars.Length)
        {
            direction = default;
            return false;
        }

        for (var i = 0; i < field.Length; i++)
        {
            chars[i] = char.ToLowerInvariant((char)field[i]);
        }

        switch (chars[..field.Length])
        {
            case "inbound":
                direction = Direction.Inbound;
                return true;
            case "outbound":
                direction = Direction.Outbound;
                return true;
            case "submission":
                direction = Direction.Submission;
                return true;
            default:
                direction = default;
                return false;
        }
    }
}
