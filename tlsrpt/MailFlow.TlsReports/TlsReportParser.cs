using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace MailFlow.TlsReports;

/// <summary>Something wrong or odd in a report: where (a JSON path like <c>$.policies[0].summary</c>, or <c>gzip</c>) and why.</summary>
/// <param name="Where">The place in the report.</param>
/// <param name="Reason">What is wrong, as a sentence a user can act on.</param>
/// <param name="TooLarge">True when the report was refused for its size (a receiver answers 413, not 400).</param>
public sealed record TlsReportProblem(string Where, string Reason, bool TooLarge = false)
{
    public override string ToString() => Where.Length == 0 ? Reason : Where + ": " + Reason;
}

/// <summary>What reading one report gave: the report, or the error that refused it; and the oddities that were tolerated.</summary>
public sealed record TlsReportResult(TlsReport? Report, TlsReportProblem? Error, IReadOnlyList<TlsReportProblem> Notes)
{
    /// <summary>True when the report was read and is valid.</summary>
    public bool Ok => Report is not null;
}

/// <summary>A report refused, with where and why. Internal to the parser: callers get a <see cref="TlsReportResult"/>.</summary>
internal sealed class TlsReportException(string where, string reason, bool tooLarge = false) : Exception(OneLine(reason))
{
    /// <summary>A reason on one line: values quoted from a report may hold control characters; long ones are cut.</summary>
    private static string OneLine(string reason)
    {
        var chars = reason.Select(c => char.IsControl(c) ? ' ' : c).ToArray();
        var text = new string(chars);
        return text.Length <= 400 ? text : text[..400] + "...";
    }

    public string Where { get; } = where;

    public bool TooLarge { get; } = tooLarge;
}

/// <summary>
/// Reads one SMTP TLS report: gzip or JSON (sniffed from the bytes, whatever the media type said), within
/// <see cref="TlsReportLimits"/>, validated field by field. Liberal where real senders differ from RFC 8460 (counts
/// as strings, <c>mx-host</c> a string, other UTC offsets, unknown result types and members: each noted), strict
/// where a number would be wrong (negative or fractional counts, impossible dates, missing required members).
/// The one reader both mailflow-exporter and mailflow-backend use.
/// </summary>
public static class TlsReportParser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16, CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false };

    /// <summary>Reads a report as delivered: gzip (media type <c>application/tlsrpt+gzip</c>) or JSON.</summary>
    /// <param name="payload">The bytes as delivered (an attachment decoded from base64, a file, an HTTP body).</param>
    /// <param name="mediaType">The declared media type, if any; the bytes decide, a mismatch is noted.</param>
    /// <param name="limits">Size and range bounds; null for <see cref="TlsReportLimits.Default"/>.</param>
    /// <param name="now">The present, for the "date in the future" check.</param>
    public static TlsReportResult Read(ReadOnlySpan<byte> payload, string? mediaType, TlsReportLimits? limits, DateTimeOffset now)
    {
        limits ??= TlsReportLimits.Default;
        var notes = new List<TlsReportProblem>();
        try
        {
            var json = Decode(payload, mediaType, limits, notes);
            var report = ParseJson(json, limits, now, notes);
            return new TlsReportResult(report, null, Collapse(notes));
        }
        catch (TlsReportException e)
        {
            return new TlsReportResult(null, new TlsReportProblem(e.Where, e.Message, e.TooLarge), Collapse(notes));
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            // Not expected (every value's kind is checked first): still a refused report, not a crash of the reader.
            return new TlsReportResult(null, new TlsReportProblem("", "unreadable report: " + e.Message.ReplaceLineEndings(" ")), Collapse(notes));
        }
    }

    /// <summary>One note per kind of oddity: a sender that writes every count as a string is told once, with where it starts.</summary>
    private static List<TlsReportProblem> Collapse(List<TlsReportProblem> notes) =>
        notes.GroupBy(n => n.Reason, StringComparer.Ordinal)
            .Select(g => g.Count() == 1 ? g.First() : new TlsReportProblem(g.First().Where, string.Create(CultureInfo.InvariantCulture, $"{g.Key} ({g.Count()} places; the first here)")))
            .ToList();

    /// <summary>True when the bytes start like gzip (RFC 1952 magic).</summary>
    public static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;

    private static byte[] Decode(ReadOnlySpan<byte> payload, string? mediaType, TlsReportLimits limits, List<TlsReportProblem> notes)
    {
        if (payload.Length == 0)
        {
            throw new TlsReportException("", "empty: no report");
        }

        if (payload.Length > limits.MaxCompressedBytes)
        {
            throw new TlsReportException("", string.Create(CultureInfo.InvariantCulture, $"{payload.Length:N0} bytes, more than the {limits.MaxCompressedBytes:N0} accepted for one report"), tooLarge: true);
        }

        var gzip = IsGzip(payload);
        var declared = mediaType?.Split(';', 2)[0].Trim().ToLowerInvariant();
        if (declared == TlsReportVocabulary.GzipMediaType && !gzip)
        {
            notes.Add(new TlsReportProblem("", "declared application/tlsrpt+gzip but is not gzip; read as JSON"));
        }
        else if (declared == TlsReportVocabulary.JsonMediaType && gzip)
        {
            notes.Add(new TlsReportProblem("", "declared application/tlsrpt+json but is gzip; decompressed"));
        }

        return gzip ? Gunzip(payload, limits) : payload.ToArray();
    }

    /// <summary>Decompresses with a hard bound on the output, and checks the gzip trailer so that a truncated file is named as such.</summary>
    private static byte[] Gunzip(ReadOnlySpan<byte> payload, TlsReportLimits limits)
    {
        if (payload.Length < 18)
        {
            throw new TlsReportException("gzip", "truncated: shorter than a gzip header and trailer");
        }

        using var input = new MemoryStream(payload.ToArray(), writable: false);
        using var output = new MemoryStream();
        try
        {
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            var buffer = new byte[81920];
            int read;
            while ((read = gzip.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > limits.MaxJsonBytes)
                {
                    throw new TlsReportException("gzip", string.Create(CultureInfo.InvariantCulture, $"decompresses to more than {limits.MaxJsonBytes:N0} bytes (from {payload.Length:N0}): refused as a gzip bomb"), tooLarge: true);
                }

                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            throw new TlsReportException("gzip", "damaged or truncated gzip data (" + e.Message.TrimEnd('.') + ")");
        }

        // The trailer's last 4 bytes are the uncompressed size mod 2^32: a file cut short has other bytes there.
        var declaredSize = BinaryPrimitives.ReadUInt32LittleEndian(payload[^4..]);
        if (declaredSize != (uint)output.Length)
        {
            throw new TlsReportException("gzip", string.Create(CultureInfo.InvariantCulture, $"truncated or damaged: {output.Length:N0} bytes decompressed, the gzip trailer says {declaredSize:N0}"));
        }

        return output.ToArray();
    }

    /// <summary>Parses and validates the JSON of a report.</summary>
    internal static TlsReport ParseJson(byte[] json, TlsReportLimits limits, DateTimeOffset now, List<TlsReportProblem> notes)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            var valid = System.Text.Unicode.Utf8.ToUtf16(json, new char[json.Length], out var read, out _, replaceInvalidSequences: false);
            throw new TlsReportException(string.Create(CultureInfo.InvariantCulture, $"byte {read + 1}"), $"not UTF-8 text ({valid}): a report is UTF-8 JSON");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var position = (e.BytePositionInLine ?? 0) + 1;
            throw new TlsReportException(string.Create(CultureInfo.InvariantCulture, $"JSON line {line}, byte {position}"), "not valid JSON: " + FirstSentence(e.Message));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new TlsReportException("$", $"a report is a JSON object, not {Describe(root)}");
            }

            var reader = new Reader(limits, notes);
            var organization = reader.RequiredString(root, "$", "organization-name");
            var range = reader.Required(root, "$", "date-range", JsonValueKind.Object);
            var start = reader.Date(range, "$.date-range", "start-datetime");
            var end = reader.Date(range, "$.date-range", "end-datetime");
            if (end <= start)
            {
                throw new TlsReportException("$.date-range", $"end-datetime {Iso(end)} is not after start-datetime {Iso(start)}");
            }

            if (end - start > limits.MaxRange)
            {
                throw new TlsReportException("$.date-range", $"covers {(end - start).TotalDays:0.#} days, more than the {limits.MaxRange.TotalDays:0} accepted (a report covers a day)");
            }

            if (start < limits.EarliestStart)
            {
                throw new TlsReportException("$.date-range.start-datetime", $"{Iso(start)} is before {limits.EarliestStart:yyyy-MM-dd}: no SMTP TLS report can be that old");
            }

            if (end > now + limits.FutureTolerance)
            {
                throw new TlsReportException("$.date-range.end-datetime", $"{Iso(end)} is in the future (now {Iso(now)})");
            }

            var contact = reader.OptionalString(root, "$", "contact-info");
            var reportId = reader.RequiredString(root, "$", "report-id");
            var policiesElement = reader.Required(root, "$", "policies", JsonValueKind.Array);
            var count = policiesElement.GetArrayLength();
            if (count > limits.MaxPolicies)
            {
                throw new TlsReportException("$.policies", string.Create(CultureInfo.InvariantCulture, $"{count:N0} entries, more than the {limits.MaxPolicies:N0} accepted"));
            }

            if (count == 0)
            {
                notes.Add(new TlsReportProblem("$.policies", "empty: the report counts no session"));
            }

            var policies = new List<TlsReportPolicy>(count);
            var index = 0;
            foreach (var element in policiesElement.EnumerateArray())
            {
                policies.Add(reader.Policy(element, string.Create(CultureInfo.InvariantCulture, $"$.policies[{index}]")));
                index++;
            }

            return new TlsReport(organization, start, end, contact, reportId, policies);
        }
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim().TrimEnd('.');
    }

    private static string Iso(DateTimeOffset time) => time.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture);

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>The field-by-field checks, collecting notes.</summary>
    private sealed class Reader(TlsReportLimits limits, List<TlsReportProblem> notes)
    {
        public TlsReportPolicy Policy(JsonElement element, string path)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new TlsReportException(path, $"a policy entry is an object, not {Describe(element)}");
            }

            var policy = Required(element, path, "policy", JsonValueKind.Object);
            var policyPath = path + ".policy";
            var type = RequiredString(policy, policyPath, "policy-type").ToLowerInvariant();
            if (!TlsReportVocabulary.PolicyTypes.Contains(type))
            {
                throw new TlsReportException(policyPath + ".policy-type", $"'{Shorten(type)}' is not one of {string.Join(", ", TlsReportVocabulary.PolicyTypes)}");
            }

            var domain = HostName(RequiredString(policy, policyPath, "policy-domain"));
            var strings = StringList(policy, policyPath, "policy-string");
            var mxHosts = StringList(policy, policyPath, "mx-host").Select(HostName).ToList();

            var summary = Required(element, path, "summary", JsonValueKind.Object);
            var successful = Count(summary, path + ".summary", "total-successful-session-count", required: true);
            var failed = Count(summary, path + ".summary", "total-failure-session-count", required: true);

            var details = new List<TlsReportFailure>();
            if (element.TryGetProperty("failure-details", out var detailsElement) && detailsElement.ValueKind != JsonValueKind.Null)
            {
                var detailsPath = path + ".failure-details";
                if (detailsElement.ValueKind != JsonValueKind.Array)
                {
                    throw new TlsReportException(detailsPath, $"must be an array, not {Describe(detailsElement)}");
                }

                var count = detailsElement.GetArrayLength();
                if (count > limits.MaxFailureDetails)
                {
                    throw new TlsReportException(detailsPath, string.Create(CultureInfo.InvariantCulture, $"{count:N0} entries, more than the {limits.MaxFailureDetails:N0} accepted"));
                }

                var index = 0;
                foreach (var detail in detailsElement.EnumerateArray())
                {
                    details.Add(Failure(detail, string.Create(CultureInfo.InvariantCulture, $"{detailsPath}[{index}]")));
                    index++;
                }

                var detailed = details.Sum(d => d.FailedSessionCount);
                if (detailed > failed)
                {
                    notes.Add(new TlsReportProblem(detailsPath, string.Create(CultureInfo.InvariantCulture, $"the failure details add up to {detailed:N0} sessions, more than total-failure-session-count {failed:N0}")));
                }
            }

            if (type != "no-policy-found" && mxHosts.Count == 0)
            {
                notes.Add(new TlsReportProblem(policyPath, $"no mx-host for a {type} policy"));
            }

            return new TlsReportPolicy(type, strings, domain, mxHosts, successful, failed, details);
        }

        private TlsReportFailure Failure(JsonElement element, string path)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new TlsReportException(path, $"a failure detail is an object, not {Describe(element)}");
            }

            var type = RequiredString(element, path, "result-type").ToLowerInvariant();
            if (!TlsReportVocabulary.ResultTypes.Contains(type))
            {
                if (type.Length > 64 || !type.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                {
                    throw new TlsReportException(path + ".result-type", "not a result type (letters, digits and dashes, at most 64)");
                }

                notes.Add(new TlsReportProblem(path + ".result-type", $"'{type}' is not in the RFC 8460 registry; kept as it is"));
            }

            var hostname = OptionalString(element, path, "receiving-mx-hostname") is { } name ? HostName(name) : null;
            return new TlsReportFailure(
                type,
                OptionalString(element, path, "sending-mta-ip"),
                hostname,
                OptionalString(element, path, "receiving-mx-helo"),
                OptionalString(element, path, "receiving-ip"),
                Count(element, path, "failed-session-count", required: true),
                OptionalString(element, path, "additional-information"),
                OptionalString(element, path, "failure-reason-code"));
        }

        public JsonElement Required(JsonElement parent, string path, string name, JsonValueKind kind)
        {
            if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                throw new TlsReportException(path, $"'{name}' is missing");
            }

            if (value.ValueKind != kind)
            {
                throw new TlsReportException(path + "." + name, $"must be {(kind == JsonValueKind.Object ? "an object" : "an array")}, not {Describe(value)}");
            }

            return value;
        }

        public string RequiredString(JsonElement parent, string path, string name) =>
            OptionalString(parent, path, name) is { Length: > 0 } text ? text : throw new TlsReportException(path, $"'{name}' is missing or empty");

        public string? OptionalString(JsonElement parent, string path, string name)
        {
            if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!,
                JsonValueKind.Number => Noted(value.GetRawText(), path + "." + name, "a number where a string belongs; read as text"),
                _ => throw new TlsReportException(path + "." + name, $"must be a string, not {Describe(value)}"),
            };
            if (text.Length > limits.MaxStringLength)
            {
                throw new TlsReportException(path + "." + name, string.Create(CultureInfo.InvariantCulture, $"{text.Length:N0} characters, more than the {limits.MaxStringLength:N0} accepted"));
            }

            return text.Trim();
        }

        public DateTimeOffset Date(JsonElement parent, string path, string name)
        {
            var text = RequiredString(parent, path, name);
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var time) || text.Length < 10)
            {
                throw new TlsReportException(path + "." + name, $"'{Shorten(text)}' is not an RFC 3339 date-time (e.g. 2026-11-20T00:00:00Z)");
            }

            if (!text.EndsWith('Z') && !text.EndsWith('z') && time.Offset == TimeSpan.Zero && !text.Contains('+', StringComparison.Ordinal) && text.LastIndexOf('-') < 10)
            {
                notes.Add(new TlsReportProblem(path + "." + name, $"'{text}' has no UTC offset; read as UTC"));
                time = new DateTimeOffset(DateTime.SpecifyKind(time.DateTime, DateTimeKind.Utc));
            }

            return time;
        }

        public long Count(JsonElement parent, string path, string name, bool required)
        {
            var where = path + "." + name;
            if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return required ? throw new TlsReportException(path, $"'{name}' is missing") : 0;
            }

            long count;
            if (value.ValueKind == JsonValueKind.Number)
            {
                if (!value.TryGetInt64(out count))
                {
                    throw new TlsReportException(where, $"{value.GetRawText()} is not a whole number of sessions");
                }
            }
            else if (value.ValueKind == JsonValueKind.String)
            {
                var text = value.GetString()!.Trim();
                if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out count))
                {
                    throw new TlsReportException(where, $"'{Shorten(text)}' is not a whole number of sessions");
                }

                notes.Add(new TlsReportProblem(where, "a count given as a string; read as a number"));
            }
            else
            {
                throw new TlsReportException(where, $"must be a number, not {Describe(value)}");
            }

            if (count < 0)
            {
                throw new TlsReportException(where, string.Create(CultureInfo.InvariantCulture, $"{count} is negative"));
            }

            return count > limits.MaxSessionCount
                ? throw new TlsReportException(where, string.Create(CultureInfo.InvariantCulture, $"{count:N0} is beyond any plausible count (at most {limits.MaxSessionCount:N0})"))
                : count;
        }

        private List<string> StringList(JsonElement parent, string path, string name)
        {
            var where = path + "." + name;
            if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return [];
            }

            if (value.ValueKind == JsonValueKind.String)
            {
                notes.Add(new TlsReportProblem(where, "a string where a list of strings belongs; read as a list of one"));
                return [OptionalString(parent, path, name)!];
            }

            if (value.ValueKind != JsonValueKind.Array)
            {
                throw new TlsReportException(where, $"must be a list of strings, not {Describe(value)}");
            }

            var count = value.GetArrayLength();
            if (count > limits.MaxStrings)
            {
                throw new TlsReportException(where, string.Create(CultureInfo.InvariantCulture, $"{count:N0} entries, more than the {limits.MaxStrings:N0} accepted"));
            }

            var list = new List<string>(count);
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                {
                    throw new TlsReportException(string.Create(CultureInfo.InvariantCulture, $"{where}[{index}]"), $"must be a string, not {Describe(item)}");
                }

                var text = item.GetString()!;
                if (text.Length > limits.MaxStringLength)
                {
                    throw new TlsReportException(string.Create(CultureInfo.InvariantCulture, $"{where}[{index}]"), "too long");
                }

                list.Add(text.Trim());
                index++;
            }

            return list;
        }

        private string Noted(string text, string where, string note)
        {
            notes.Add(new TlsReportProblem(where, note));
            return text;
        }

        private static string HostName(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();

        private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
    }
}
