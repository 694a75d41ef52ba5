using System.Text;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Formats.Csv;
using MailFlow.Exporter.Formats.Exchange;
using MailFlow.Exporter.Formats.Exim;
using MailFlow.Exporter.Tests.Support;

namespace MailFlow.Exporter.Tests.Formats;

/// <summary>Each fixture is claimed by its own format only: the others stay below the detection threshold.</summary>
public sealed class ExchangeEximCsvDetectionTests
{
    public static TheoryData<string, string> OwnFixtures => new()
    {
        { "exchange/SMTPRECV-fixture.LOG", "exchange" },
        { "exchange/SMTPSEND-fixture.LOG", "exchange" },
        { "exim/mainlog", "exim" },
        { "csv/mailflow.csv", "csv" },
    };

    [Theory]
    [MemberData(nameof(OwnFixtures))]
    public void Detect_Fixture_OnlyItsOwnFormatIsConfident(string fixture, string expected)
    {
        var sample = Sample(Fixtures.Path(fixture.Split('/')));

        foreach (var format in LogFormats.All)
        {
            var score = format.Detect(sample);
            if (format.Name == expected)
            {
                Assert.True(score >= FormatDetector.MinimumConfidence, $"{format.Name} scored {score} on its own fixture");
            }
            else
            {
                Assert.True(score < FormatDetector.MinimumConfidence, $"{format.Name} scored {score} on {fixture}");
            }
        }
    }

    [Fact]
    public void Detect_OtherFormatsFixtures_NotClaimedByExchangeEximOrCsv()
    {
        var others = Directory.EnumerateFiles(Fixtures.Path(), "*", SearchOption.AllDirectories)
            .Where(path => !path.Contains("/exchange/", StringComparison.Ordinal) && !path.Contains("/exim/", StringComparison.Ordinal)
                && !path.Contains("/csv/", StringComparison.Ordinal))
            .ToList();
        ILogFormat[] mine = [new ExchangeFormat(), new EximFormat(), new CsvFormat()];

        foreach (var path in others)
        {
            var sample = Sample(path);
            foreach (var format in mine)
            {
                Assert.True(format.Detect(sample) < FormatDetector.MinimumConfidence, $"{format.Name} claims {path}");
            }
        }
    }

    private static List<string> Sample(string path) =>
        File.ReadLines(path, Encoding.UTF8).Select(l => l.TrimStart('\uFEFF')).Where(l => l.Length > 0).Take(FormatDetector.SampleLines).ToList();
}
