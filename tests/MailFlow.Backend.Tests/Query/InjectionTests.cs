using MailFlow.Backend.Influx;
using MailFlow.Backend.Query;
using MailFlow.Backend.Tests.Support;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;

namespace MailFlow.Backend.Tests.Query;

/// <summary>
/// Hostile values in filters: each returns exactly the rows of the connector (or source) so named, or
/// InvalidArgument, never other data and never an InfluxDB error.
/// </summary>
[Collection(ConnectorCollection.Name)]
public sealed class InjectionTests(ConnectorFixture fixture)
{
    [Fact]
    public async Task Connector_QuoteBackslashDoubleQuote_MatchesOnlyThatConnector()
    {
        var summary = await fixture.Engine.GetTlsSummaryAsync(ConnectorFixture.Range with { Connectors = ["O'Brien\\Mail \"Ltd\""] });

        // The fixture gives O'Brien\Mail "Ltd" 3 TLS1.0 messages, nothing else.
        Assert.Equal(new TlsCounts { Tls10 = 3 }, Assert.Single(summary.Directions).Messages);
    }

    [Fact]
    public async Task Connector_RegexMetacharacters_MatchedLiterally()
    {
        var summary = await fixture.Engine.GetTlsSummaryAsync(ConnectorFixture.Range with { Connectors = ["(.*)|x"] });

        // Taken as a regex, (.*)|x would match all 200 messages; as a name it has 6.
        Assert.Equal(new TlsCounts { Tls12 = 6 }, Assert.Single(summary.Directions).Messages);
    }

    [Theory]
    [InlineData(".*")]
    [InlineData("Contoso' OR connector =~ /.*/ OR connector = '")]
    [InlineData("Contoso\\' OR '1'='1")]
    [InlineData("Contoso\\")]
    [InlineData("' ; DROP DATABASE mailflow_fixture; SELECT '")]
    [InlineData("/.*/")]
    [InlineData("\" OR \"\"=\"")]
    [InlineData("Contoso') OR (connector != '")]
    public async Task Connector_InjectionAttempt_NoRows(string hostile)
    {
        var summary = await fixture.Engine.GetTlsSummaryAsync(ConnectorFixture.Range with { Connectors = [hostile] });
        var peers = await fixture.Engine.GetLegacyPeersAsync(new LegacyPeersRequest(ConnectorFixture.Range with { Connectors = [hostile] }));

        Assert.Empty(summary.Directions);
        Assert.Empty(peers);

        // And the data is still all there.
        var all = await fixture.Engine.GetTlsSummaryAsync(ConnectorFixture.Range);
        Assert.Equal(200, all.Directions.Sum(d => d.Messages.Total));
    }

    [Theory]
    [InlineData("Contoso\nFabrikam Relay")]
    [InlineData("Contoso\r")]
    [InlineData("Contoso\0")]
    [InlineData("")]
    public async Task Connector_ControlCharactersOrEmpty_InvalidArgument(string hostile)
    {
        var error = await Assert.ThrowsAsync<MailFlowQueryException>(() => fixture.Engine.GetTlsSummaryAsync(ConnectorFixture.Range with { Connectors = [hostile] }));

        Assert.Equal(QueryErrorKind.InvalidArgument, error.Kind);
    }

    [Fact]
    public async Task Source_Injection_NoRows()
    {
        var summary = await fixture.Engine.GetTlsSummaryAsync(ConnectorFixture.Range with { Source = "mx1' OR source = 'mx2" });

        Assert.Empty(summary.Directions);
    }

    [Fact]
    public async Task Source_Newline_InvalidArgument()
    {
        var error = await Assert.ThrowsAsync<MailFlowQueryException>(() => fixture.Engine.GetTlsSummaryAsync(ConnectorFixture.Range with { Source = "mx1\nmx2" }));

        Assert.Equal(QueryErrorKind.InvalidArgument, error.Kind);
    }

    [Fact]
    public async Task Filter_UndefinedEnumValues_InvalidArgument()
    {
        await AssertInvalid(ConnectorFixture.Range with { Direction = (Direction)42 });
        await AssertInvalid(ConnectorFixture.Range with { ConnectorType = (ConnectorType)42 });
        await AssertInvalid(ConnectorFixture.Range with { Tls = (TlsVersion)42 });
    }

    [Fact]
    public async Task Filter_BadRanges_InvalidArgument()
    {
        await AssertInvalid(new QueryFilter { From = ConnectorFixture.Day2, To = ConnectorFixture.Day1 });
        await AssertInvalid(new QueryFilter { From = ConnectorFixture.Day1, To = ConnectorFixture.Day1 });
        await AssertInvalid(new QueryFilter { From = ConnectorFixture.Day1, To = ConnectorFixture.Day1.AddDays(401) });
        await AssertInvalid(new QueryFilter { From = new DateTimeOffset(1960, 1, 1, 0, 0, 0, TimeSpan.Zero), To = ConnectorFixture.Day1 });
        await AssertInvalid(new QueryFilter { From = ConnectorFixture.Day1, To = DateTimeOffset.MaxValue });
    }

    [Fact]
    public async Task Filter_TooManyConnectors_InvalidArgument()
    {
        await AssertInvalid(ConnectorFixture.Range with { Connectors = Enumerable.Range(0, QueryLimits.MaxConnectors + 1).Select(i => "c" + i).ToList() });
        await AssertInvalid(ConnectorFixture.Range with { Connectors = [new string('x', QueryLimits.MaxNameLength + 1)] });
    }

    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("O'Brien", @"'O\'Brien'")]
    [InlineData(@"a\b", @"'a\\b'")]
    [InlineData(@"end\", @"'end\\'")]
    [InlineData("two\nlines", @"'two\nlines'")]
    [InlineData("say \"hi\"", "'say \"hi\"'")]
    public void QuoteString_EscapesBackslashQuoteNewline(string value, string expected)
    {
        Assert.Equal(expected, InfluxQl.QuoteString(value));
    }

    [Fact]
    public void QuoteIdentifier_EscapesDoubleQuote()
    {
        Assert.Equal("\"a\\\"b\"", InfluxQl.QuoteIdentifier("a\"b"));
    }

    private async Task AssertInvalid(QueryFilter filter)
    {
        var error = await Assert.ThrowsAsync<MailFlowQueryException>(() => fixture.Engine.GetTlsSummaryAsync(filter));
        Assert.Equal(QueryErrorKind.InvalidArgument, error.Kind);
    }
}
