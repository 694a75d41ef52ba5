using System.IO.Compression;
using System.Text;
using System.Text.Json;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Cli;

/// <summary>The report command as a user runs it: the real program, real files, exit codes and messages.</summary>
public sealed class ReportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mailflow-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Two inbound messages in one Postfix log: a TLS 1.2 one from mx.fabrikam.com and a plaintext one (same
    // smtpd pid reused for a new session without TLS).
    private const string TwoMessages = """
        2026-11-26T10:00:00+00:00 mx1 postfix/smtpd[100]: connect from mx.fabrikam.com[198.51.100.20]
        2026-11-26T10:00:00+00:00 mx1 postfix/smtpd[100]: Anonymous TLS connection established from mx.fabrikam.com[198.51.100.20]: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)
        2026-11-26T10:00:01+00:00 mx1 postfix/smtpd[100]: 4AAAAAAAAAA1: client=mx.fabrikam.com[198.51.100.20]
        2026-11-26T10:00:01+00:00 mx1 postfix/qmgr[9]: 4AAAAAAAAAA1: from=<a@fabrikam.com>, size=1000, nrcpt=1 (queue active)
        2026-11-26T10:00:02+00:00 mx1 postfix/smtpd[100]: disconnect from mx.fabrikam.com[198.51.100.20] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7
        2026-11-26T11:00:00+00:00 mx1 postfix/smtpd[100]: connect from mail.spam.example[192.0.2.7]
        2026-11-26T11:00:01+00:00 mx1 postfix/smtpd[100]: 4AAAAAAAAAA2: client=mail.spam.example[192.0.2.7]
        2026-11-26T11:00:01+00:00 mx1 postfix/qmgr[9]: 4AAAAAAAAAA2: from=<b@spam.example>, size=500, nrcpt=1 (queue active)
        2026-11-26T11:00:02+00:00 mx1 postfix/smtpd[100]: disconnect from mail.spam.example[192.0.2.7] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5

        """;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static JsonElement Json(ExporterProcess.Result result)
    {
        Assert.True(result.ExitCode == 0, result.StdErr);
        return JsonDocument.Parse(result.StdOut).RootElement;
    }

    [Fact]
    public void Report_Json_CountsMessagesByTls()
    {
        var log = Write("mail.log", TwoMessages);

        var json = Json(ExporterProcess.Run(["report", log, "--output", "json"]));

        var inbound = json.GetProperty("directions").GetProperty("inbound");
        Assert.Equal(2, inbound.GetProperty("messages").GetInt64());
        Assert.Equal(1, inbound.GetProperty("tls").GetProperty("TLS1.2").GetInt64());
        Assert.Equal(1, inbound.GetProperty("tls").GetProperty("none").GetInt64());
    }

    [Fact]
    public void Report_GzipAndStdin_ReadLikePlainFiles()
    {
        var gz = Path.Combine(_dir, "mail.log.1.gz");
        using (var file = File.Create(gz))
        using (var zip = new GZipStream(file, CompressionLevel.Fastest))
        {
            zip.Write(Encoding.UTF8.GetBytes(TwoMessages));
        }

        var fromGzip = Json(ExporterProcess.Run(["report", gz, "--output", "json"]));
        var fromStdin = Json(ExporterProcess.Run(["report", "-", "--output", "json"], stdin: TwoMessages));

        Assert.Equal(2, fromGzip.GetProperty("directions").GetProperty("inbound").GetProperty("messages").GetInt64());
        Assert.Equal(2, fromStdin.GetProperty("directions").GetProperty("inbound").GetProperty("messages").GetInt64());
    }

    [Fact]
    public void Report_GarbageBetweenGoodLines_KeepsGoodLinesAndNamesTheBadLine()
    {
        // Line 4 is garbage; the two messages around it still count.
        var lines = TwoMessages.Split('\n').ToList();
        lines.Insert(3, "\u0001\u0002 this is not a syslog line at all");
        var log = Write("mixed.log", string.Join('\n', lines));

        var json = Json(ExporterProcess.Run(["report", log, "--output", "json"]));

        Assert.Equal(2, json.GetProperty("directions").GetProperty("inbound").GetProperty("messages").GetInt64());
        var input = json.GetProperty("input");
        Assert.Equal(1, input.GetProperty("linesNotUnderstood").GetInt64());
        var example = input.GetProperty("problems")[0].GetProperty("examples")[0];
        Assert.Equal(log, example.GetProperty("source").GetString());
        Assert.Equal(4, example.GetProperty("line").GetInt64());
    }

    [Fact]
    public void Report_BinaryFileBesideGoodLog_ReportsItAndStillSucceeds()
    {
        var good = Write("mail.log", TwoMessages);
        var binary = Path.Combine(_dir, "image.bin");
        File.WriteAllBytes(binary, [0x89, 0x50, 0x4E, 0x47, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52]);

        var result = ExporterProcess.Run(["report", good, binary]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"{binary}: binary data, not a text log", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("From the internet without a connector", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_NothingReadable_ExitsOneWithoutStackTrace()
    {
        var text = Write("notes.txt", "shopping list\nmilk\neggs\n");

        var result = ExporterProcess.Run(["report", text]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("unknown log format", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_BadConnectorsFile_ExitsTwoNamingFileAndLine()
    {
        var log = Write("mail.log", TwoMessages);
        var connectors = Write("connectors.yaml", "connectors:\n  - name: A\n    type: Partner\n    direction: inbound\n    match: { remoteIps: [300.1.1.1] }\n");

        var result = ExporterProcess.Run(["report", log, "--connectors", connectors]);

        Assert.Equal(2, result.ExitCode);
        // The bad address is on line 5 ("    match: { remoteIps: [300.1.1.1] }").
        Assert.Contains($"{connectors}:5: connector #1 'A': '300.1.1.1' in remoteIps is not an IP address", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_MissingInput_ExitsTwoWithMessage()
    {
        var result = ExporterProcess.Run(["report", Path.Combine(_dir, "absent.log")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("absent.log: no such file or directory", result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_ExplicitWindow_LeavesOutMessagesAfterIt()
    {
        var log = Write("mail.log", TwoMessages);

        // The plaintext message is at 11:00:01, after the window's end.
        var json = Json(ExporterProcess.Run(["report", log, "--output", "json", "--from", "2026-11-26T00:00:00Z", "--to", "2026-11-26T10:30:00Z"]));

        Assert.Equal(1, json.GetProperty("directions").GetProperty("inbound").GetProperty("messages").GetInt64());
        Assert.Equal(1, json.GetProperty("input").GetProperty("recordsOutsideWindow").GetInt64());
    }

    [Fact]
    public void Report_Csv_HasHeaderAndOneRowPerTlsVersion()
    {
        var log = Write("mail.log", TwoMessages);

        var result = ExporterProcess.Run(["report", log, "--output", "csv"]);

        var lines = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("section,date,direction,connector,connector_type,forced_tls,tls,messages,percent,peer,sources,last_seen,last_host,last_ip,auth,cipher,reason,severity,total,threshold_percent,title,advice", lines[0]);
        Assert.Contains("widget,,inbound,,,,TLS1.2,1,50,,,,,,,,,,,,,", lines);
        Assert.Contains("day,2026-11-26,inbound,,,,none,1,50,,,,,,,,,,,,,", lines);
        // The plaintext message (11:00:01, mail.spam.example, logged by mx1) is the one legacy peer, last seen in the minute 11:00.
        Assert.Contains("peer,,inbound,From the internet without a connector,Internet,,none,1,,spam.example,mx1,2026-11-26T11:00:00Z,mail.spam.example,192.0.2.7,,,,,,,,", lines);
    }

    [Fact]
    public void Report_SampleLogs_ListEachLegacyPeerOnceWithTheSummedCountAndItsMailServers()
    {
        // The quick start's report. fabrikam.com's TLS 1.0 mail in samples/logs, counted per file (every file's
        // Fabrikam mail lies inside the default window 2026-11-20 .. 2026-11-26):
        // inbound:
        //   csv/mailflow.csv (server gw1.example.com):
        //     awk -F, '$2=="inbound" && $7=="fabrikam.com"' | all TLSv1                                        -> 15
        //   exchange/SMTPRECV* (EX01): sessions from 198.51.100.20 negotiate SP_PROT-TLS1_0_SERVER only;
        //     "Queued Mail for Delivery" answers in them                                                     -> 16
        //   exim/mainlog (no host name in the log: no server listed): '<=' lines with H=mx.fabrikam.com, X=TLSv1 -> 10
        //   postfix/mail.log (mx1): 'client=mx.fabrikam.com' lines; every TLS session from it is "TLSv1 with" -> 42
        //   sendmail/maillog (mail): from=<..@fabrikam.com> relay=mx.fabrikam.com; STARTTLS version=TLSv1 only -> 21
        //   = 104
        // outbound:
        //   csv: awk -F, '$2=="outbound" && $8=="fabrikam.com"', all TLSv1                                     -> 10
        //   exchange/SMTPSEND* (EX01): "queued as" answers in "Outbound to Fabrikam" sessions with SP_PROT-TLS1_0_CLIENT -> 11
        //   exim: '=>' lines to fabrikam with X=TLSv1                                                          -> 3
        //   postfix: postfix/smtp status=sent relay=mx.fabrikam.com; those TLS sessions are all "TLSv1 with"   -> 28
        //   = 52
        var json = Json(ExporterProcess.Run(["report", "samples/logs", "--connectors", "samples/connectors.yaml", "--output", "json"]));

        var fabrikam = json.GetProperty("peers").EnumerateArray().Where(p => p.GetProperty("peer").GetString() == "fabrikam.com").ToList();
        var rows = fabrikam.Select(p => (p.GetProperty("direction").GetString(), p.GetProperty("connector").GetString(), p.GetProperty("tls").GetString(), p.GetProperty("messages").GetInt64())).ToList();
        Assert.Equal([("inbound", "Fabrikam", "TLS1.0", 104L), ("outbound", "Fabrikam outbound", "TLS1.0", 52L)], rows.Order());
        var inbound = fabrikam.Single(p => p.GetProperty("direction").GetString() == "inbound");
        Assert.Equal(["EX01", "gw1.example.com", "mail", "mx1"], inbound.GetProperty("sources").EnumerateArray().Select(s => s.GetString()));
        // No peer is listed twice for the same direction, connector and TLS version.
        var keys = json.GetProperty("peers").EnumerateArray().Select(p => string.Join('|', p.GetProperty("peer"), p.GetProperty("direction"), p.GetProperty("connector"), p.GetProperty("tls"))).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
    }

    [Fact]
    public void Report_SampleLogs_ShowTheInsightsTheSamplesWereWrittenFor()
    {
        // samples/tools/make_postfix_sendmail_samples.py: Fabrikam (Partner) is on TLS 1.0 both ways, and the
        // on-premises relay (Forced TLS) sends one plaintext message a day.
        var json = Json(ExporterProcess.Run(["report", "samples/logs", "--connectors", "samples/connectors.yaml", "--output", "json"]));

        var ids = json.GetProperty("insights").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToHashSet();
        Assert.Contains("InboundPartnerTls10", ids);
        Assert.Contains("OutboundPartnerTls10", ids);
        Assert.Contains("InboundPlaintextOnForcedTlsConnector", ids);
        Assert.All(json.GetProperty("input").GetProperty("files").EnumerateArray(), f => Assert.Equal(JsonValueKind.Null, f.GetProperty("error").ValueKind));
    }

    [Theory]
    // make_postfix_sendmail_samples.py writes 7 days x 13 hours. Postfix per hour: 1 internet + 1 Contoso + 1 relay
    // inbound, Fabrikam on even hours (8..18: 6 a day), 1 relay plaintext a day -> 7*(13*3+6+1) = 322 inbound;
    // 1 submission an hour -> 91; outbound 1 internet an hour + Fabrikam and Contoso on hours 9,12,15,18 -> 7*(13+8) = 147.
    [InlineData("samples/logs/postfix", 322, 147, 91)]
    // Sendmail per hour: 1 internet inbound, Fabrikam in and Contoso out on hours 8,12,16, plus 1 "TLSv1/SSLv3"
    // peer a day -> 7*(13+3+1) = 119 inbound, 7*3 = 21 outbound.
    [InlineData("samples/logs/sendmail", 119, 21, 0)]
    public void Report_GeneratedSamples_CountWhatTheGeneratorWrote(string folder, long inbound, long outbound, long submission)
    {
        var json = Json(ExporterProcess.Run(["report", folder, "--output", "json"]));

        var directions = json.GetProperty("directions");
        Assert.Equal(inbound, directions.GetProperty("inbound").GetProperty("messages").GetInt64());
        Assert.Equal(outbound, directions.GetProperty("outbound").GetProperty("messages").GetInt64());
        Assert.Equal(submission, directions.GetProperty("submission").GetProperty("messages").GetInt64());
        Assert.Equal(0, json.GetProperty("input").GetProperty("linesNotUnderstood").GetInt64());
    }
}
