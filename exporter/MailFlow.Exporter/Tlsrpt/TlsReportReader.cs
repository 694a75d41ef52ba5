using System.Globalization;
using MailFlow.Exporter.Input;
using MailFlow.TlsReports;
using MimeKit;

namespace MailFlow.Exporter.Tlsrpt;

/// <summary>A report read and validated, with where it came from.</summary>
/// <param name="Report">The report.</param>
/// <param name="Points">Its InfluxDB points.</param>
/// <param name="Where">The file, message and part it was read from.</param>
public sealed record ReadTlsReport(TlsReport Report, TlsReportPoints Points, string Where);

/// <summary>What a run of the reader found: the reports (each once), what was refused and what was odd.</summary>
public sealed class TlsReportBatch
{
    private readonly Dictionary<(string Organization, string ReportId), ReadTlsReport> _byId = [];

    /// <summary>The reports, each (organisation, report-id) once, in reading order.</summary>
    public List<ReadTlsReport> Reports { get; } = [];

    /// <summary>Reports refused and inputs that could not be read: <c>where: reason</c>.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Oddities that were tolerated (counts as strings...) and duplicates counted once.</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Files read.</summary>
    public int Files { get; set; }

    /// <summary>E-mail messages read (mbox, Maildir, single files).</summary>
    public int Messages { get; set; }

    /// <summary>Messages that held no TLS report part (ordinary mail in the mailbox): skipped.</summary>
    public int MessagesWithoutReport { get; set; }

    /// <summary>Copies of a report already read (same organisation, report-id and content): counted once.</summary>
    public int Duplicates { get; set; }

    /// <summary>Adds a report unless its (organisation, report-id) was read already.</summary>
    public void Add(TlsReport report, string where)
    {
        var points = TlsReportPoints.For(report);
        var key = (report.OrganizationName, report.ReportId);
        if (_byId.TryGetValue(key, out var first))
        {
            if (first.Points.ToLineProtocol() == points.ToLineProtocol())
            {
                Duplicates++;
                Notes.Add($"{where}: report-id '{report.ReportId}' of '{report.OrganizationName}' was already read from {first.Where}: counted once");
            }
            else
            {
                Problems.Add($"{where}: report-id '{report.ReportId}' of '{report.OrganizationName}' was already read from {first.Where} with other counts: this copy is not used");
            }

            return;
        }

        var read = new ReadTlsReport(report, points, where);
        _byId[key] = read;
        Reports.Add(read);
    }
}

/// <summary>
/// Reads SMTP TLS reports from files (<c>.json</c>, <c>.json.gz</c>), directories (recursively), Maildirs (the
/// messages of <c>cur/</c> and <c>new/</c>), mbox files and single e-mail messages, whose
/// <c>application/tlsrpt+gzip</c> or <c>application/tlsrpt+json</c> parts MimeKit finds. What a file is comes from
/// its first bytes, not its name. Every report goes through <see cref="TlsReportParser"/>, the backend's reader too.
/// </summary>
public static class TlsReportReader
{
    private static readonly string[] ReportMediaTypes = [TlsReportVocabulary.GzipMediaType, TlsReportVocabulary.JsonMediaType];

    /// <summary>Reads every input; problems are collected in the batch, never thrown.</summary>
    public static TlsReportBatch Read(IEnumerable<string> arguments, DateTimeOffset now, TlsReportLimits? limits = null)
    {
        limits ??= TlsReportLimits.Default;
        var batch = new TlsReportBatch();
        var (inputs, errors) = InputExpander.Expand(arguments);
        batch.Problems.AddRange(errors);
        foreach (var input in inputs)
        {
            if (input.Path == InputSource.StdinPath)
            {
                batch.Problems.Add("-: standard input is not read for TLS reports; give files, a Maildir or an mbox");
                continue;
            }

            if (!IsMaildirMessageOrOutside(input.Path))
            {
                continue;
            }

            batch.Files++;
            try
            {
                ReadFile(input.Path, input.DisplayName, batch, now, limits);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                batch.Problems.Add($"{input.DisplayName}: cannot read: {e.Message}");
            }
        }

        return batch;
    }

    /// <summary>In a Maildir (a folder with cur/ and new/) only the messages of cur/ and new/ are read: tmp/ holds deliveries under way, the root the server's index files.</summary>
    private static bool IsMaildirMessageOrOutside(string path)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(path));
        for (var directory = parent; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (Directory.Exists(Path.Combine(directory, "cur")) && Directory.Exists(Path.Combine(directory, "new")))
            {
                var folder = Path.GetFileName(parent);
                return Path.GetDirectoryName(parent) == directory && folder is "cur" or "new";
            }
        }

        return true;
    }

    private static void ReadFile(string path, string name, TlsReportBatch batch, DateTimeOffset now, TlsReportLimits limits)
    {
        using var stream = File.OpenRead(path);
        var head = new byte[512];
        var length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        var text = System.Text.Encoding.UTF8.GetString(head, 0, length).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
        if (length == 0)
        {
            batch.Problems.Add($"{name}: empty file");
        }
        else if (TlsReportParser.IsGzip(head.AsSpan(0, length)) || text.StartsWith('{'))
        {
            if (stream.Length > limits.MaxCompressedBytes)
            {
                batch.Problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: {stream.Length:N0} bytes, more than the {limits.MaxCompressedBytes:N0} accepted for one report"));
                return;
            }

            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            AddReport(bytes, null, name, batch, now, limits);
        }
        else if (text.StartsWith("From ", StringComparison.Ordinal))
        {
            ReadMbox(stream, name, batch, now, limits);
        }
        else if (LooksLikeHeader(text))
        {
            batch.Messages++;
            MimeMessage message;
            try
            {
                message = MimeMessage.Load(stream);
            }
            catch (FormatException e)
            {
                batch.Problems.Add($"{name}: not a readable e-mail message: {e.Message}");
                return;
            }

            ReadMessage(message, name, batch, now, limits);
        }
        else
        {
            batch.Problems.Add($"{name}: neither a TLS report (JSON or gzip), an mbox nor an e-mail message");
        }
    }

    private static bool LooksLikeHeader(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && text[..colon].All(c => c is > ' ' and < (char)127);
    }

    private static void ReadMbox(Stream stream, string name, TlsReportBatch batch, DateTimeOffset now, TlsReportLimits limits)
    {
        var parser = new MimeParser(stream, MimeFormat.Mbox);
        var number = 0;
        while (!parser.IsEndOfStream)
        {
            number++;
            MimeMessage message;
            try
            {
                message = parser.ParseMessage();
            }
            catch (FormatException e)
            {
                batch.Problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: message {number}: not a readable e-mail message ({e.Message}); the rest of the mbox is not read"));
                return;
            }

            batch.Messages++;
            var where = string.Create(CultureInfo.InvariantCulture, $"{name}: message {number} (byte {parser.MboxMarkerOffset}{(message.MessageId is { } id ? ", Message-ID <" + id + ">" : "")})");
            ReadMessage(message, where, batch, now, limits);
        }
    }

    private static void ReadMessage(MimeMessage message, string where, TlsReportBatch batch, DateTimeOffset now, TlsReportLimits limits)
    {
        var found = false;
        foreach (var part in message.BodyParts.OfType<MimePart>())
        {
            var mediaType = part.ContentType.MimeType.ToLowerInvariant();
            var fileName = part.FileName ?? "";
            var byName = fileName.EndsWith(".json.gz", StringComparison.OrdinalIgnoreCase) || fileName.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
            if (!ReportMediaTypes.Contains(mediaType) && !(byName && mediaType is "application/gzip" or "application/x-gzip" or "application/json" or "application/octet-stream"))
            {
                continue;
            }

            found = true;
            var partWhere = $"{where}: part {(fileName.Length > 0 ? "'" + fileName + "' " : "")}({mediaType})";
            if (part.Content is null)
            {
                batch.Problems.Add(partWhere + ": empty part");
                continue;
            }

            using var decoded = new BoundedMemoryStream(limits.MaxCompressedBytes);
            try
            {
                part.Content.DecodeTo(decoded);
            }
            catch (BoundedMemoryStream.TooLargeException)
            {
                batch.Problems.Add(string.Create(CultureInfo.InvariantCulture, $"{partWhere}: more than the {limits.MaxCompressedBytes:N0} bytes accepted for one report"));
                continue;
            }

            AddReport(decoded.ToArray(), mediaType, partWhere, batch, now, limits);
        }

        if (!found)
        {
            batch.MessagesWithoutReport++;
        }
    }

    private static void AddReport(byte[] bytes, string? mediaType, string where, TlsReportBatch batch, DateTimeOffset now, TlsReportLimits limits)
    {
        var result = TlsReportParser.Read(bytes, mediaType, limits, now);
        foreach (var note in result.Notes)
        {
            batch.Notes.Add($"{where}: {note}");
        }

        if (result.Report is null)
        {
            batch.Problems.Add($"{where}: {result.Error}: report not used");
            return;
        }

        batch.Add(result.Report, where);
    }

    /// <summary>A memory stream that refuses to grow past a bound, so that a huge attachment is not decoded whole.</summary>
    private sealed class BoundedMemoryStream(int limit) : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Length + count > limit)
            {
                throw new TooLargeException();
            }

            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Length + buffer.Length > limit)
            {
                throw new TooLargeException();
            }

            base.Write(buffer);
        }

        public sealed class TooLargeException : Exception
        {
            public TooLargeException()
                : base("too large")
            {
            }

            public TooLargeException(string message)
                : base(message)
            {
            }

            public TooLargeException(string message, Exception inner)
                : base(message, inner)
            {
            }
        }
    }
}
