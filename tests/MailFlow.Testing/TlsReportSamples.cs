using System.IO.Compression;
using System.Text.Json;

namespace MailFlow.Testing;

/// <summary>
/// The sample SMTP TLS reports of samples/tlsrpt/ and their totals, summed here straight from the JSON with
/// JsonDocument (not with the program's reader), so that tests compare the program against an independent count.
/// By hand, from samples/tools/make_tlsrpt_samples.py:
/// <list type="bullet">
/// <item>successful: Google 11-24 1,200; Google 11-25 1,180 (example.com) + 60 (example.net); Microsoft 11-25 800 (sts)
/// + 300 (tlsa); Company-X 11-25 5,326; Fabrikam 11-26 40 (no-policy-found): 8,906 in all;</item>
/// <item>failed: 0; 35 + 7; 12 + 4; 303; 6: 367 in all;</item>
/// <item>by result type: certificate-expired 35 (Google) + 12 (Microsoft) + 100 (Company-X) = 147; starttls-not-supported
/// 200 (Company-X) + 4 (Fabrikam) = 204; validation-failure 3; tlsa-invalid 3; dnssec-invalid 1;
/// sts-policy-fetch-error 7; certificate-host-mismatch 2: 367, the failed total again.</item>
/// </list>
/// </summary>
public static class TlsReportSamples
{
    /// <summary>samples/tlsrpt.</summary>
    public static string Folder => Path.Combine(RepoPaths.Root, "samples", "tlsrpt");

    /// <summary>samples/tlsrpt/reports: the five reports as files (.json and .json.gz).</summary>
    public static string ReportsFolder => Path.Combine(Folder, "reports");

    /// <summary>samples/tlsrpt/tlsrpt.mbox: three of them as report e-mails.</summary>
    public static string Mbox => Path.Combine(Folder, "tlsrpt.mbox");

    /// <summary>samples/tlsrpt/Maildir: the other two, and a message that is not a report.</summary>
    public static string Maildir => Path.Combine(Folder, "Maildir");

    /// <summary>The hand sums above, for tests that also check the independent count itself.</summary>
    public static Totals ByHand { get; } = new(
        8906,
        367,
        new Dictionary<string, long>
        {
            ["certificate-expired"] = 147,
            ["starttls-not-supported"] = 204,
            ["validation-failure"] = 3,
            ["tlsa-invalid"] = 3,
            ["dnssec-invalid"] = 1,
            ["sts-policy-fetch-error"] = 7,
            ["certificate-host-mismatch"] = 2,
        },
        5);

    /// <summary>The report files' bytes as stored (gzip or JSON) by file name.</summary>
    public static IReadOnlyList<(string Name, byte[] Bytes)> Files() =>
        Directory.GetFiles(ReportsFolder).Order(StringComparer.Ordinal).Select(path => (Path.GetFileName(path), File.ReadAllBytes(path))).ToList();

    /// <summary>The JSON text of a stored report (gunzipped when it is gzip).</summary>
    public static byte[] Json(byte[] stored)
    {
        if (stored.Length < 2 || stored[0] != 0x1f || stored[1] != 0x8b)
        {
            return stored;
        }

        using var input = new GZipStream(new MemoryStream(stored), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>Sums the sample files' JSON: every policy's summary counts and every failure detail by result type.</summary>
    public static Totals Count()
    {
        long successful = 0, failed = 0;
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        var reports = 0;
        foreach (var (_, bytes) in Files())
        {
            using var json = JsonDocument.Parse(Json(bytes));
            reports++;
            foreach (var policy in json.RootElement.GetProperty("policies").EnumerateArray())
            {
                var summary = policy.GetProperty("summary");
                successful += Number(summary.GetProperty("total-successful-session-count"));
                failed += Number(summary.GetProperty("total-failure-session-count"));
                if (policy.TryGetProperty("failure-details", out var details))
                {
                    foreach (var detail in details.EnumerateArray())
                    {
                        var type = detail.GetProperty("result-type").GetString()!;
                        byType[type] = byType.GetValueOrDefault(type) + Number(detail.GetProperty("failed-session-count"));
                    }
                }
            }
        }

        return new Totals(successful, failed, byType, reports);
    }

    // Microsoft's sample writes its counts as strings, as real ones do.
    private static long Number(JsonElement element) => element.ValueKind == JsonValueKind.String ? long.Parse(element.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : element.GetInt64();

    /// <summary>Session totals of a set of reports.</summary>
    public sealed record Totals(long Successful, long Failed, IReadOnlyDictionary<string, long> FailedByResultType, int Reports);
}
