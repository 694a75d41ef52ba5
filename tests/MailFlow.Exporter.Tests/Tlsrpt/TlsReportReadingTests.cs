using System.Text.Json;
using MailFlow.Exporter.Tests.Support;
using MailFlow.Exporter.Tlsrpt;
using MailFlow.Testing;
using MailFlow.TlsReports;

namespace MailFlow.Exporter.Tests.Tlsrpt;

/// <summary>
/// The sample reports read from their files and from the report e-mails of the mbox and the Maildir give the totals
/// counted independently from the JSON (TlsReportSamples: 8,906 successful, 367 failed sessions, by result type).
/// </summary>
public sealed class TlsReportReadingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void IndependentCount_IsTheHandSum()
    {
        var counted = TlsReportSamples.Count();

        Assert.Equal(TlsReportSamples.ByHand.Successful, counted.Successful);
        Assert.Equal(TlsReportSamples.ByHand.Failed, counted.Failed);
        Assert.Equal(TlsReportSamples.ByHand.FailedByResultType.OrderBy(p => p.Key), counted.FailedByResultType.OrderBy(p => p.Key));
    }

    [Fact]
    public void Files_And_Mailboxes_GiveTheIndependentTotals()
    {
        var expected = TlsReportSamples.Count();
        var files = TlsReportReader.Read([TlsReportSamples.ReportsFolder], Now);
        var mail = TlsReportReader.Read([TlsReportSamples.Mbox, TlsReportSamples.Maildir], Now);

        foreach (var batch in new[] { files, mail })
        {
            Assert.Empty(batch.Problems);
            AssertTotals(expected, batch);
        }

        // 3 messages in the mbox, 3 in the Maildir (cur/ and new/), one of them not a report.
        Assert.Equal(6, mail.Messages);
        Assert.Equal(1, mail.MessagesWithoutReport);
        Assert.Equal(0, files.Messages);
    }

    [Fact]
    public void SameReports_FromFilesAndMail_CountOnce()
    {
        var batch = TlsReportReader.Read([TlsReportSamples.ReportsFolder, TlsReportSamples.Mbox, TlsReportSamples.Maildir], Now);

        Assert.Empty(batch.Problems);
        Assert.Equal(5, batch.Duplicates); // each of the 5 reports is read twice
        AssertTotals(TlsReportSamples.Count(), batch);
        Assert.Contains(batch.Notes, n => n.Contains("counted once", StringComparison.Ordinal) && n.Contains("tlsrpt.mbox: message 1", StringComparison.Ordinal));
    }

    [Fact]
    public void SameReport_HasSamePoints_OtherReportOfSameDay_OtherTimestamp()
    {
        var google = TlsReportReader.Read([Path.Combine(TlsReportSamples.ReportsFolder, "google-2026-11-25.json.gz")], Now).Reports.Single();
        var fromMail = TlsReportReader.Read([TlsReportSamples.Mbox], Now).Reports.Single(r => r.Report.OrganizationName == "Google Inc.");
        var microsoft = TlsReportReader.Read([Path.Combine(TlsReportSamples.ReportsFolder, "microsoft-2026-11-25.json")], Now).Reports.Single();

        Assert.Equal(google.Points.ToLineProtocol(), fromMail.Points.ToLineProtocol());
        // Both about 2026-11-25: the same day, each at its own second of it.
        Assert.Equal(new DateOnly(2026, 11, 25), google.Report.Day);
        Assert.Equal(new DateOnly(2026, 11, 25), microsoft.Report.Day);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero), google.Points.Time.AddSeconds(-TlsReportPoints.SlotSeconds("Google Inc.", "2026-11-25T00:00:00Z_example.com")));
        Assert.NotEqual(google.Points.Time, microsoft.Points.Time);
        Assert.Equal(google.Points.Time.UtcDateTime.Date, microsoft.Points.Time.UtcDateTime.Date);
    }

    [Fact]
    public void Microsoft_Oddities_AreNotedOnce_AndRead()
    {
        var read = TlsReportReader.Read([Path.Combine(TlsReportSamples.ReportsFolder, "microsoft-2026-11-25.json")], Now);
        var report = read.Reports.Single().Report;

        // Counts as strings: 800 + 300 successful; mx-host a string for the tlsa policy.
        Assert.Equal(1100, report.SuccessfulSessions);
        Assert.Equal(["mx1.example.com"], report.Policies[1].MxHosts);
        Assert.Single(read.Notes, n => n.Contains("a count given as a string", StringComparison.Ordinal) && n.Contains("(7 places", StringComparison.Ordinal));
        Assert.Single(read.Notes, n => n.Contains("$.policies[1].policy.mx-host", StringComparison.Ordinal));
    }

    [Fact]
    public void ReportCommand_Json_Table_Csv()
    {
        var json = ExporterProcess.Run(["report", "--tlsrpt", TlsReportSamples.Mbox, TlsReportSamples.Maildir, "--output", "json"]);
        Assert.True(json.ExitCode == 0, json.StdErr);
        using var document = JsonDocument.Parse(json.StdOut);
        var domains = document.RootElement.GetProperty("domains").EnumerateArray().ToDictionary(d => d.GetProperty("policyDomain").GetString()!, d => (d.GetProperty("successful").GetInt64(), d.GetProperty("failed").GetInt64()));
        // example.com: 1,200 + 1,180 + 800 + 300 + 5,326 successful; 35 + 12 + 4 + 303 failed.
        Assert.Equal((8806L, 354L), domains["example.com"]);
        Assert.Equal((60L, 7L), domains["example.net"]);
        Assert.Equal((40L, 6L), domains["example.org"]);
        Assert.Equal(5, document.RootElement.GetProperty("input").GetProperty("reports").GetInt32());

        var table = ExporterProcess.Run(["report", "--tlsrpt", TlsReportSamples.ReportsFolder]);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("Failures by result type and receiving MX", table.StdOut, StringComparison.Ordinal);
        Assert.Matches(@"2026-11-25\s+Company-X\s+sts\s+example\.com\s+validation-failure\s+198\.51\.100\.12\s+3", table.StdOut);

        var csv = ExporterProcess.Run(["report", "--tlsrpt", TlsReportSamples.ReportsFolder, "--output", "csv", "--from", "2026-11-26"]);
        Assert.Equal(0, csv.ExitCode);
        var lines = csv.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("section,date,organization,policy_type", lines[0], StringComparison.Ordinal);
        // From 2026-11-26 only Fabrikam's report: one sessions row and its two failure rows.
        Assert.Equal(["sessions,2026-11-26,Fabrikam,no-policy-found,example.org,,,,40,6,,13.04", "failures,2026-11-26,Fabrikam,no-policy-found,example.org,,certificate-host-mismatch,mx2.example.com,,,2,", "failures,2026-11-26,Fabrikam,no-policy-found,example.org,,starttls-not-supported,mx1.example.com,,,4,"], lines[1..]);
    }

    internal static void AssertTotals(TlsReportSamples.Totals expected, TlsReportBatch batch)
    {
        Assert.Equal(expected.Reports, batch.Reports.Count);
        Assert.Equal(expected.Successful, batch.Reports.Sum(r => r.Points.Sessions.Sum(s => s.Successful)));
        Assert.Equal(expected.Failed, batch.Reports.Sum(r => r.Points.Sessions.Sum(s => s.Failed)));
        var byType = batch.Reports.SelectMany(r => r.Points.Failures).GroupBy(f => f.ResultType).ToDictionary(g => g.Key, g => g.Sum(f => f.Sessions));
        Assert.Equal(expected.FailedByResultType.OrderBy(p => p.Key), byType.OrderBy(p => p.Key));
    }
}
