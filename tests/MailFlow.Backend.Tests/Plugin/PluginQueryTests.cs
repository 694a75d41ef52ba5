using System.Text;
using Google.Protobuf;
using MailFlow.Backend.Plugin;
using MailFlow.Backend.Query;
using MailFlow.Contracts.GrafanaPlugin;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;

namespace MailFlow.Backend.Tests.Plugin;

/// <summary>The query model and the data source settings, parsed in process (no host, no InfluxDB).</summary>
public sealed class PluginQueryTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Parse_FullModel_MapsEveryMember()
    {
        var query = Parse("""
            {"refId":"A","queryType":"timeseries","direction":"outbound","connectors":["Contoso","$__internet"],
             "connectorType":"OnPremises","source":"mx1","tls":"TLS1.0","measure":"percent","minMessages":"10","limit":5,
             "datasource":{"type":"mailflow-tls-datasource","uid":"mailflow"},"hide":false}
            """, maxDataPoints: 500, intervalMs: 300_000);

        Assert.Equal(PluginQueryType.TimeSeries, query.Type);
        Assert.Equal(Direction.Outbound, query.Filter.Direction);
        Assert.Equal(["Contoso", QueryFilter.WithoutConnector], query.Filter.Connectors);
        Assert.Equal(ConnectorType.OnPremises, query.Filter.ConnectorType);
        Assert.Equal("mx1", query.Filter.Source);
        Assert.Equal(TlsVersion.Tls10, query.Filter.Tls);
        Assert.True(query.Percent);
        Assert.Equal(10, query.MinMessages);
        Assert.Equal(5, query.Limit);
        Assert.Equal(500, query.MaxPoints);
        Assert.Equal(TimeSpan.FromMinutes(5), query.Interval);
        Assert.Equal(From, query.Filter.From);
    }

    [Theory]
    [InlineData("""{"connectors":"$__all"}""")]
    [InlineData("""{"connectors":["Contoso","All"]}""")]
    [InlineData("""{"connectors":[]}""")]
    [InlineData("""{"direction":"","connectorType":"All","tls":"$__all","source":""}""")]
    [InlineData("{}")]
    public void Parse_AllOrEmptyValues_MeanNoFilter(string json)
    {
        var query = Parse(json);

        Assert.Equal(PluginQueryType.Summary, query.Type);
        Assert.Empty(query.Filter.Connectors);
        Assert.Null(query.Filter.Direction);
        Assert.Null(query.Filter.ConnectorType);
        Assert.Null(query.Filter.Tls);
        Assert.Null(query.Filter.Source);
    }

    [Fact]
    public void Parse_QueryTypeFromDataQuery_UsedWhenTheModelHasNone()
    {
        Assert.Equal(PluginQueryType.ConnectorTlsShare, PluginQuery.Parse("A", "connectorTlsShare", "{}"u8, From, From.AddDays(1), 0, 0).Type);
    }

    [Theory]
    [InlineData("weakciphers", SecurityInsightKind.WeakCiphers)]
    [InlineData("ForcedTlsUnverifiedPeers", SecurityInsightKind.ForcedTlsUnverifiedPeers)]
    [InlineData("", null)]
    [InlineData("$__all", null)]
    public void Parse_Insight_IsAKindByNameOrAllWhenEmpty(string insight, SecurityInsightKind? expected)
    {
        var query = Parse($$"""{"queryType":"securityInsightShares","insight":"{{insight}}"}""");

        Assert.Equal((PluginQueryType.SecurityInsightShares, expected), (query.Type, query.SecurityInsight));
    }

    [Theory]
    [InlineData("""{"queryType":"nope"}""", "unknown queryType 'nope'")]
    [InlineData("""{"direction":"up"}""", "unknown direction")]
    [InlineData("""{"tls":"TLS9"}""", "unknown tls")]
    [InlineData("""{"connectorType":"Friend"}""", "unknown connectorType")]
    [InlineData("""{"measure":"bytes"}""", "unknown measure")]
    // A kind by number would silently pick whatever the enum's order is: only names are accepted.
    [InlineData("""{"queryType":"securityInsightShares","insight":"1"}""", "unknown insight '1': use PartnerUnverifiedCertificates, ForcedTlsUnverifiedPeers, WeakCiphers")]
    [InlineData("""{"connectors":[1]}""", "'connectors' must hold strings")]
    [InlineData("""{"limit":"many"}""", "'limit' must be a number")]
    [InlineData("""[1]""", "must be a JSON object")]
    [InlineData("""{"queryType":""", "not JSON")]
    public void Parse_BadModel_ThrowsWithAMessageForThePanel(string json, string message)
    {
        var error = Assert.Throws<PluginQueryException>(() => Parse(json));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_InfluxDb1WithUserAndPassword_UsesBasicCredentials()
    {
        var options = DataSourceSettings.ToInfluxOptions(Settings("""{"influxVersion":"1","database":"mail","retentionPolicy":"year","user":"grafana"}""", ("password", "pw"), ("token", "tk")));

        Assert.Equal("mail", options.EffectiveDatabase);
        Assert.Equal("year", options.RetentionPolicy);
        Assert.Equal(("grafana", "pw"), (options.Username, options.Password));
        Assert.Null(options.Token);
        Assert.DoesNotContain("pw", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_InfluxDb2WithToken_QueriesTheBucketWithTheToken()
    {
        var options = DataSourceSettings.ToInfluxOptions(Settings("""{"influxVersion":"2","organization":"acme","bucket":"mailflow-bucket","user":"ignored"}""", ("token", "tk")));

        Assert.Equal("mailflow-bucket", options.EffectiveDatabase);
        Assert.Equal("acme", options.Org);
        Assert.Equal("tk", options.Token);
        Assert.Null(options.Username);
    }

    [Theory]
    [InlineData("""{"cacheTtlSeconds":0}""", 0)]
    [InlineData("""{"cacheTtlSeconds":"90"}""", 90)]
    [InlineData("{}", 300)]
    public void Settings_CacheTtlSeconds_SetsTheEngineCache(string jsonData, int seconds)
    {
        var options = DataSourceSettings.ToEngineOptions(Settings(jsonData));

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.CacheTtl);
        Assert.Equal(seconds > 0, options.CacheEnabled);
    }

    [Theory]
    [InlineData("", """{"influxVersion":"1"}""", "has no URL")]
    [InlineData("ftp://x", """{"influxVersion":"1"}""", "not an http")]
    [InlineData("http://x:8086", """{"influxVersion":"9"}""", "the Version '9' is not supported")]
    [InlineData("http://x:8086", """{"influxVersion":"2"}""", "needs a bucket")]
    [InlineData("http://x:8086", "{not json", "jsonData is not JSON")]
    public void Settings_Unusable_ThrowsNamingTheSetting(string url, string jsonData, string message)
    {
        var settings = Settings(jsonData);
        settings.Url = url;

        var error = Assert.Throws<PluginQueryException>(() => DataSourceSettings.ToInfluxOptions(settings));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}", 5.0, 10L)]
    [InlineData("""{"legacyTlsThresholdPercent":2.5,"legacyTlsMinMessages":20}""", 2.5, 20L)]
    [InlineData("""{"legacyTlsThresholdPercent":"7","legacyTlsMinMessages":"30"}""", 7.0, 30L)]
    [InlineData("""{"legacyTlsThresholdPercent":"","legacyTlsMinMessages":""}""", 5.0, 10L)]
    public void Settings_InsightThresholds_ComeFromJsonDataOrTheEngineDefaults(string jsonData, double percent, long minMessages)
    {
        // Defaults: InsightThresholds' 5 % and 10 messages, the exporter report's too.
        var thresholds = DataSourceSettings.ToInsightThresholds(Settings(jsonData));

        Assert.Equal((percent, minMessages), (thresholds.LegacySharePercent, thresholds.MinMessages));
    }

    [Theory]
    [InlineData("""{"legacyTlsThresholdPercent":101}""", "threshold '101'")]
    [InlineData("""{"legacyTlsThresholdPercent":"five"}""", "threshold 'five'")]
    [InlineData("""{"legacyTlsMinMessages":0}""", "minimum messages '0'")]
    [InlineData("""{"legacyTlsMinMessages":2.5}""", "minimum messages '2.5'")]
    public void Settings_InsightThresholdsOutOfRange_ThrowNamingTheField(string jsonData, string message)
    {
        var error = Assert.Throws<PluginQueryException>(() => DataSourceSettings.ToInsightThresholds(Settings(jsonData)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("settings page", error.Message, StringComparison.Ordinal);
    }

    private static PluginQuery Parse(string json, long maxDataPoints = 0, long intervalMs = 0) =>
        PluginQuery.Parse("A", null, Encoding.UTF8.GetBytes(json), From, From.AddDays(1), maxDataPoints, intervalMs);

    private static DataSourceInstanceSettings Settings(string jsonData, params (string Key, string Value)[] secure)
    {
        var settings = new DataSourceInstanceSettings { Uid = "u", Url = "http://127.0.0.1:8086", JsonData = ByteString.CopyFromUtf8(jsonData), LastUpdatedMS = 1 };
        foreach (var (key, value) in secure)
        {
            settings.DecryptedSecureJsonData[key] = value;
        }

        return settings;
    }
}
