using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using MailFlow.Exporter.Tests.Influx.Support;
using MailFlow.Exporter.Tests.Support;
using MailFlow.Exporter.Tlsrpt;
using MailFlow.Testing;
using MailFlow.TlsReports;

namespace MailFlow.Exporter.Tests.Tlsrpt;

/// <summary>
/// Bad reports (truncated gzip, invalid JSON, wrong types, huge arrays, negative counts, dates out of range,
/// duplicated report-ids) each give one clear problem naming the file and the place in it, never a stack trace;
/// mutations of the samples never make the reader throw; and a run over bad reports leaves what InfluxDB holds as it was.
/// </summary>
[Collection(InfluxCollection.Name)]
public sealed class TlsReportBadInputTests(InfluxFixture influx) : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("mailflow-tlsrpt-bad-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Company-X's report (RFC 8460's example) as JSON to damage.</summary>
    private static JsonObject Sample() =>
        JsonNode.Parse(TlsReportSamples.Json(File.ReadAllBytes(Path.Combine(TlsReportSamples.ReportsFolder, "company-x-2026-11-25.json.gz"))))!.AsObject();

    public static TheoryData<string, string, string> BadReports => new()
    {
        // name, expected place, expected reason (fragments)
        { "truncated.json.gz", "gzip", "truncated" },
        { "invalid.json", "JSON line 3, byte", "not valid JSON" },
        { "policies-object.json", "$.policies", "must be an array, not an object" },
        { "count-bool.json", "$.policies[0].summary.total-successful-session-count", "must be a number, not a boolean" },
        { "count-fraction.json", "$.policies[0].failure-details[1].failed-session-count", "2.5 is not a whole number" },
        { "huge-array.json", "$.policies[0].failure-details", "10,001 entries, more than the 10,000 accepted" },
        { "negative.json", "$.policies[0].summary.total-failure-session-count", "-303 is negative" },
        { "year-1970.json", "$.date-range.start-datetime", "before 2018-01-01" },
        { "future.json", "$.date-range.end-datetime", "is in the future" },
        { "reversed.json", "$.date-range", "is not after start-datetime" },
        { "bad-date.json", "$.date-range.start-datetime", "is not an RFC 3339 date-time" },
        { "no-report-id.json", "$", "'report-id' is missing or empty" },
        { "policy-type.json", "$.policies[0].policy.policy-type", "'dane' is not one of sts, tlsa, no-policy-found" },
        { "bomb.json.gz", "gzip", "gzip bomb" },
    };

    private string Write(string name)
    {
        var report = Sample();
        byte[] bytes;
        switch (name)
        {
            case "truncated.json.gz":
                var whole = File.ReadAllBytes(Path.Combine(TlsReportSamples.ReportsFolder, "company-x-2026-11-25.json.gz"));
                bytes = whole[..(whole.Length / 2)];
                break;
            case "invalid.json":
                bytes = Encoding.UTF8.GetBytes("{\n  \"organization-name\": \"Company-X\",\n  \"report-id\": \"x\" \"policies\": []\n}");
                break;
            case "bomb.json.gz":
                // 40 MB of spaces inside a string: a few KB of gzip that would fill memory if decompressed whole.
                using (var buffer = new MemoryStream())
                {
                    using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
                    {
                        gzip.Write("{\"organization-name\": \""u8);
                        var spaces = new byte[1 << 20];
                        Array.Fill(spaces, (byte)' ');
                        for (var i = 0; i < 40; i++)
                        {
                            gzip.Write(spaces);
                        }

                        gzip.Write("\"}"u8);
                    }

                    bytes = buffer.ToArray();
                }

                break;
            default:
                Damage(name, report);
                bytes = Encoding.UTF8.GetBytes(report.ToJsonString());
                break;
        }

        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void Damage(string name, JsonObject report)
    {
        var policy = report["policies"]![0]!.AsObject();
        switch (name)
        {
            case "policies-object.json":
                report["policies"] = new JsonObject { ["policy"] = "x" };
                break;
            case "count-bool.json":
                policy["summary"]!["total-successful-session-count"] = true;
                break;
            case "count-fraction.json":
                policy["failure-details"]![1]!["failed-session-count"] = 2.5;
                break;
            case "huge-array.json":
                var details = new JsonArray();
                for (var i = 0; i < 10_001; i++)
                {
                    details.Add(new JsonObject { ["result-type"] = "certificate-expired", ["failed-session-count"] = 1 });
                }

                policy["failure-details"] = details;
                break;
            case "negative.json":
                policy["summary"]!["total-failure-session-count"] = -303;
                break;
            case "year-1970.json":
                report["date-range"] = new JsonObject { ["start-datetime"] = "1970-01-01T00:00:00Z", ["end-datetime"] = "1970-01-01T23:59:59Z" };
                break;
            case "future.json":
                report["date-range"] = new JsonObject { ["start-datetime"] = "2099-01-01T00:00:00Z", ["end-datetime"] = "2099-01-01T23:59:59Z" };
                break;
            case "reversed.json":
                report["date-range"] = new JsonObject { ["start-datetime"] = "2026-11-25T23:59:59Z", ["end-datetime"] = "2026-11-25T00:00:00Z" };
                break;
            case "bad-date.json":
                report["date-range"]!["start-datetime"] = "yesterday";
                break;
            case "no-report-id.json":
                report.Remove("report-id");
                break;
            case "policy-type.json":
                policy["policy"]!["policy-type"] = "dane";
                break;
            default:
                throw new ArgumentException(name);
        }
    }

    [Theory]
    [MemberData(nameof(BadReports))]
    public void BadReport_OneClearProblem_NamingFileAndPlace(string name, string where, string reason)
    {
        var path = Write(name);

        var batch = TlsReportReader.Read([path], Now);

        Assert.Empty(batch.Reports);
        var problem = Assert.Single(batch.Problems);
        Assert.StartsWith(path + ": " + where, problem, StringComparison.Ordinal);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
        Assert.EndsWith("report not used", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicatedReportId_WithOtherCounts_SecondCopyRefused()
    {
        var first = Path.Combine(_directory, "a.json");
        var second = Path.Combine(_directory, "b.json");
        var report = Sample();
        File.WriteAllText(first, report.ToJsonString());
        report["policies"]![0]!["summary"]!["total-successful-session-count"] = 1;
        File.WriteAllText(second, report.ToJsonString());

        var batch = TlsReportReader.Read([first, second], Now);

        // The first copy counts (5,326 successful), the second is named as a problem and not used.
        Assert.Equal(5326, batch.Reports.Single().Report.SuccessfulSessions);
        var problem = Assert.Single(batch.Problems);
        Assert.Equal($"{second}: report-id '5065427c-23d3-47ca-b6e0-946ea0e8c4be' of 'Company-X' was already read from {first} with other counts: this copy is not used", problem);
    }

    [Fact]
    public void NotAReport_And_MessageWithBrokenPart_AreNamed()
    {
        var text = Path.Combine(_directory, "notes.txt");
        File.WriteAllText(text, "\u0001\u0002 binary junk");
        var mbox = Path.Combine(_directory, "broken.mbox");
        var sample = File.ReadAllText(TlsReportSamples.Mbox);
        // The first message's base64 gzip cut in the middle: that part is refused, the other two messages still count.
        var start = sample.IndexOf("H4sI", StringComparison.Ordinal);
        File.WriteAllText(mbox, sample[..(start + 200)] + "\n\n--=_tlsrpt_google-2026-11-25--\n\n" + sample[sample.IndexOf("From noreply-smtp-tls-reporting@microsoft.com", StringComparison.Ordinal)..]);

        var batch = TlsReportReader.Read([text, mbox], Now);

        Assert.Contains($"{text}: neither a TLS report (JSON or gzip), an mbox nor an e-mail message", batch.Problems);
        Assert.Contains(batch.Problems, p => p.StartsWith($"{mbox}: message 1 (byte 0, Message-ID <google-2026-11-25@google.com>): part 'google.com!example.com!1795564800!1795651199!google-2026-11-25.json.gz' (application/tlsrpt+gzip): gzip: ", StringComparison.Ordinal));
        Assert.Equal(2, batch.Reports.Count);
    }

    /// <summary>
    /// Fuzz-style: 1,500 deterministic mutations of the sample reports (cuts, flipped and deleted bytes, junk
    /// inserted, numbers replaced by negative, huge, fractional or string values, gzip cut short). The reader never
    /// throws; what it refuses has a place and a one-line reason; what it accepts has sane counts.
    /// </summary>
    [Fact]
    public void Mutations_NeverThrow_AndAreEitherValidOrExplained()
    {
        var random = new Random(20261205);
        var samples = TlsReportSamples.Files().Select(f => TlsReportSamples.Json(f.Bytes)).ToList();
        var refused = 0;
        var accepted = 0;
        string[] replacements = ["-1", "1e30", "2.5", "\"12x\"", "[]", "{}", "null", "true", "99999999999999999999"];
        for (var i = 0; i < 1500; i++)
        {
            var json = samples[i % samples.Count];
            byte[] mutated;
            switch (random.Next(7))
            {
                case 0:
                    mutated = json[..random.Next(json.Length)];
                    break;
                case 1:
                    mutated = (byte[])json.Clone();
                    mutated[random.Next(json.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    var at = random.Next(json.Length);
                    mutated = [.. json[..at], .. json[Math.Min(json.Length, at + random.Next(1, 40))..]];
                    break;
                case 3:
                    var junk = new byte[random.Next(1, 8)];
                    random.NextBytes(junk);
                    var where = random.Next(json.Length);
                    mutated = [.. json[..where], .. junk, .. json[where..]];
                    break;
                case 4:
                    var text = Encoding.UTF8.GetString(json);
                    var digits = System.Text.RegularExpressions.Regex.Matches(text, "(?<=: )\"?[0-9]+\"?");
                    var match = digits[random.Next(digits.Count)];
                    mutated = Encoding.UTF8.GetBytes(text[..match.Index] + replacements[random.Next(replacements.Length)] + text[(match.Index + match.Length)..]);
                    break;
                case 5:
                    var gzipped = Gzip(json);
                    mutated = gzipped[..random.Next(2, gzipped.Length - 1)];
                    break;
                default:
                    var gz = Gzip(json);
                    gz[random.Next(10, gz.Length)] ^= 0x55;
                    mutated = gz;
                    break;
            }

            var result = TlsReportParser.Read(mutated, null, null, Now);
            if (result.Report is { } report)
            {
                accepted++;
                Assert.All(report.Policies, p => Assert.True(p.SuccessfulSessions >= 0 && p.FailedSessions >= 0));
                Assert.True(report.End > report.Start);
                Assert.NotEmpty(TlsReportPoints.For(report).ToLineProtocol());
            }
            else
            {
                refused++;
                Assert.False(string.IsNullOrWhiteSpace(result.Error!.Reason));
                Assert.DoesNotContain('\n', result.Error.ToString());
                Assert.DoesNotContain("Exception", result.Error.ToString(), StringComparison.Ordinal);
            }
        }

        // Most mutations break a report, some leave it valid (a flipped bit in a string): both paths ran.
        Assert.True(refused > 500, $"refused {refused}");
        Assert.True(accepted > 10, $"accepted {accepted}");
    }

    /// <summary>The samples stored by the real program, then a run over bad reports only: InfluxDB holds what it held.</summary>
    [Fact]
    public void BadReports_LeaveStoredTotalsAlone()
    {
        var database = influx.NewDatabase("tlsrpt_bad");
        var url = influx.Server.Url.ToString();
        var good = ExporterProcess.Run(["tlsrpt", TlsReportSamples.ReportsFolder, "--influx-url", url, "--influx-database", database]);
        Assert.True(good.ExitCode == 0, good.StdOut + good.StdErr);
        var expected = TlsReportSamples.Count();
        AssertStored(database, expected);

        foreach (var name in BadReports.Select(row => (string)row[0]))
        {
            Write(name);
        }

        var bad = ExporterProcess.Run(["tlsrpt", _directory, "--influx-url", url, "--influx-database", database]);

        Assert.Equal(1, bad.ExitCode); // nothing could be read
        Assert.Contains("reports   0 (0 duplicates counted once); 14 problems", bad.StdOut, StringComparison.Ordinal);
        Assert.Contains("points    0 (nothing to write)", bad.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", bad.StdOut + bad.StdErr, StringComparison.Ordinal);
        AssertStored(database, expected);
    }

    /// <summary>The real program twice over the files, then over the mbox and Maildir: the totals of one pass.</summary>
    [Fact]
    public void Tlsrpt_WritesTotals_ExactlyOnce()
    {
        var database = influx.NewDatabase("tlsrpt_once");
        var url = influx.Server.Url.ToString();
        var first = ExporterProcess.Run(["tlsrpt", TlsReportSamples.ReportsFolder, "--influx-url", url, "--influx-database", database]);
        Assert.True(first.ExitCode == 0, first.StdOut + first.StdErr);
        // Points: sessions 1 + 2 + 2 + 1 + 1 = 7 (one per report and policy series); failures 0 + 2 + 3 + 3 + 2 = 10
        // (per result type and receiving MX: Google's two certificate-expired details at mx2 are one point).
        Assert.Contains("points    17 written to", first.StdOut, StringComparison.Ordinal);
        AssertStored(database, TlsReportSamples.Count());

        Assert.Equal(0, ExporterProcess.Run(["tlsrpt", TlsReportSamples.ReportsFolder, "--influx-url", url, "--influx-database", database]).ExitCode);
        Assert.Equal(0, ExporterProcess.Run(["tlsrpt", TlsReportSamples.Mbox, TlsReportSamples.Maildir, "--influx-url", url, "--influx-database", database]).ExitCode);

        AssertStored(database, TlsReportSamples.Count());
        Assert.Equal(7, influx.Scalar("SELECT count(successful) FROM tlsrpt_sessions", database));
        Assert.Equal(10, influx.Scalar("SELECT count(sessions) FROM tlsrpt_failures", database));
    }

    private void AssertStored(string database, TlsReportSamples.Totals expected)
    {
        Assert.Equal(expected.Successful, influx.Scalar("SELECT sum(successful) FROM tlsrpt_sessions", database));
        Assert.Equal(expected.Failed, influx.Scalar("SELECT sum(failed) FROM tlsrpt_sessions", database));
        foreach (var (type, sessions) in expected.FailedByResultType)
        {
            Assert.Equal(sessions, influx.Scalar($"SELECT sum(sessions) FROM tlsrpt_failures WHERE result_type = '{type}'", database));
        }
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }
}
