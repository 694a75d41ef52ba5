using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Formats.Csv;
using MailFlow.Exporter.Records;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Formats.Csv;

/// <summary>The generic CSV format, from Fixtures/csv/mailflow.csv; expected rows and problems are in its comment.</summary>
public sealed class CsvFormatTests
{
    private static readonly string CsvFile = Fixtures.Path("csv", "mailflow.csv");

    [Fact]
    public void Parse_Fixture_KeepsGoodRowsAndReportsBadOnesByLine()
    {
        var (sink, _) = CollectingSink.Parse(CsvFile, new CsvFormat());

        Assert.Equal(4, sink.Records.Count);
        Assert.Equal(2, sink.Records.Count(r => r.Direction == Direction.Inbound));
        Assert.Equal(1, sink.Records.Count(r => r.Direction == Direction.Outbound));
        Assert.Equal(1, sink.Records.Count(r => r.Direction == Direction.Submission));

        var warnings = sink.Problems.Where(p => p.Severity == ProblemSeverity.Warning).ToList();
        Assert.Equal([15L, 16L, 17L, 18L], warnings.Select(p => p.Line));
        Assert.Equal(["bad timestamp", "unknown direction", "unknown TLS version", "bad recipients"], warnings.Select(p => p.Reason));

        // The unknown "note" column is a notice on the header line, not an error.
        var notice = Assert.Single(sink.Problems, p => p.Severity == ProblemSeverity.Notice);
        Assert.Equal(10L, notice.Line);
    }

    [Fact]
    public void Parse_Fixture_ReadsColumnsByHeaderName()
    {
        var (sink, _) = CollectingSink.Parse(CsvFile, new CsvFormat());

        var inbound = sink.Records[0];
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 8, 15, 2, TimeSpan.Zero), inbound.Timestamp);
        Assert.Equal(TlsVersion.Tls12, inbound.Tls);
        Assert.Equal("mail.contoso.com", inbound.RemoteHost);
        Assert.Equal("203.0.113.10", inbound.RemoteIp);
        Assert.Equal(2, inbound.Recipients);
        Assert.Equal(48213, inbound.Bytes);

        var outbound = sink.Records[1];
        Assert.Equal(TlsVersion.Tls10, outbound.Tls);
        Assert.Equal("mx.fabrikam.com", outbound.RemoteHost);
        Assert.Equal("Partner \"Fabrikam\", outbound", outbound.ConnectorId);

        var submission = sink.Records[2];
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 7, 17, 0, TimeSpan.Zero), submission.Timestamp.ToUniversalTime());
        Assert.Equal(1, submission.Recipients);

        Assert.Equal(TlsVersion.None, sink.Records[3].Tls);
    }

    [Fact]
    public void Detect_CsvFixture_IsCsv()
    {
        var (_, result) = CollectingSink.Parse(CsvFile);

        Assert.Equal("csv", result.Format);
    }

    [Fact]
    public void Parse_HeaderWithoutRequiredColumn_ReportsErrorAndReadsNothing()
    {
        var path = Path.Combine(Path.GetTempPath(), $"csv-noheader-{Guid.NewGuid():N}.csv");
        File.WriteAllLines(path, ["when,direction,tls", "2026-11-26T08:00:00Z,inbound,TLS1.2"]);
        try
        {
            var (sink, _) = CollectingSink.Parse(path, new CsvFormat());

            Assert.Empty(sink.Records);
            var problem = Assert.Single(sink.Problems);
            Assert.Equal(ProblemSeverity.Error, problem.Severity);
            Assert.Equal(1L, problem.Line);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
