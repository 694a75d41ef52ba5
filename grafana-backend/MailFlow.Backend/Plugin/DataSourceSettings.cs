using System.Globalization;
using System.Text.Json;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Query;
using MailFlow.Contracts.GrafanaPlugin;

using MailFlow.Questions;

namespace MailFlow.Backend.Plugin;

/// <summary>
/// The data source's settings page, as Grafana sends it (DataSourceInstanceSettings): <c>url</c>;
/// <c>jsonData</c> {influxVersion "1"|"2", database, retentionPolicy, organization, bucket, user, timeoutSeconds,
/// cacheTtlSeconds, rollups, legacyTlsThresholdPercent, legacyTlsMinMessages};
/// <c>decryptedSecureJsonData</c> {password, token}. Secrets go into <see cref="InfluxOptions"/> and nowhere else.
/// </summary>
internal static class DataSourceSettings
{
    /// <summary>Builds the InfluxDB options; throws <see cref="PluginQueryException"/> naming the setting to fix.</summary>
    public static InfluxOptions ToInfluxOptions(DataSourceInstanceSettings? settings)
    {
        if (settings is null)
        {
            throw new PluginQueryException("the request carries no data source settings (is the plugin used as a data source?)");
        }

        if (string.IsNullOrWhiteSpace(settings.Url))
        {
            throw new PluginQueryException("the data source has no URL: set the InfluxDB URL (e.g. http://influxdb:8086) on its settings page");
        }

        if (!Uri.TryCreate(settings.Url.Trim(), UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new PluginQueryException($"the data source URL '{settings.Url}' is not an http:// or https:// URL");
        }

        var json = ReadJsonData(settings.JsonData.Span);
        var version = json.GetValueOrDefault("influxVersion") ?? "1";
        if (version is not ("1" or "2"))
        {
            throw new PluginQueryException($"the Version '{version}' is not supported: choose InfluxDB 1.x / 3.x or InfluxDB 2.x on the data source's settings page");
        }

        var secure = settings.DecryptedSecureJsonData;
        var token = Blank(secure.GetValueOrDefault("token"));
        var password = Blank(secure.GetValueOrDefault("password"));
        var user = Blank(json.GetValueOrDefault("user")) ?? Blank(settings.User) ?? Blank(settings.BasicAuthUser);
        var options = new InfluxOptions
        {
            Url = url,
            Database = Blank(json.GetValueOrDefault("database")) ?? Blank(settings.Database),
            RetentionPolicy = Blank(json.GetValueOrDefault("retentionPolicy")),
            Org = Blank(json.GetValueOrDefault("organization")),
            Bucket = Blank(json.GetValueOrDefault("bucket")),
            SettingNames = InfluxSettingNames.DataSourcePage,
        };

        // 2.x speaks tokens first; 1.x user/password first. Only one kind of credentials is ever sent.
        if (version == "2" ? token is not null : user is null && token is not null)
        {
            options.Token = token;
        }
        else if (user is not null)
        {
            options.Username = user;
            options.Password = password;
        }

        if (json.GetValueOrDefault("timeoutSeconds") is { } timeoutText
            && double.TryParse(timeoutText, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            options.Timeout = TimeSpan.FromSeconds(Math.Min(seconds, 300));
        }

        if (version == "2" && options.Database is null && options.Bucket is null)
        {
            throw new PluginQueryException("InfluxDB 2.x needs a bucket: set it on the data source's settings page");
        }

        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new PluginQueryException("data source settings: " + e.Message);
        }

        return options;
    }

    /// <summary>
    /// The engine's options: <c>jsonData.cacheTtlSeconds</c> sets how long sums of settled (past) buckets are kept
    /// (0 disables the cache; default <see cref="QueryEngineOptions.DefaultCacheTtl"/>); <c>jsonData.rollups</c>
    /// false reads minute points only (see <see cref="QueryEngineOptions.UseRollups"/>).
    /// </summary>
    public static QueryEngineOptions ToEngineOptions(DataSourceInstanceSettings settings)
    {
        var options = new QueryEngineOptions();
        var jsonData = ReadJsonData(settings.JsonData.Span);
        if (jsonData.GetValueOrDefault("cacheTtlSeconds") is { } text
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            options.CacheTtl = TimeSpan.FromSeconds(Math.Min(seconds, 86_400));
        }

        if (jsonData.GetValueOrDefault("rollups") is { } rollups && bool.TryParse(rollups, out var useRollups))
        {
            options.UseRollups = useRollups;
        }

        return options;
    }

    /// <summary>
    /// When the "significant TLS1.0 mail flow" insight is active, for the insights query and the alert rules (the
    /// one place both read): <c>jsonData.legacyTlsThresholdPercent</c> (share of a connector's messages, 0..100) and
    /// <c>jsonData.legacyTlsMinMessages</c> (fewest messages in the range for a share to count); each unset one
    /// keeps the engine's default (<see cref="InsightThresholds"/>).
    /// </summary>
    public static InsightThresholds ToInsightThresholds(DataSourceInstanceSettings settings)
    {
        var jsonData = ReadJsonData(settings.JsonData.Span);
        var thresholds = InsightThresholds.Default;
        if (Blank(jsonData.GetValueOrDefault("legacyTlsThresholdPercent")) is { } percentText)
        {
            if (!double.TryParse(percentText, NumberStyles.Float, CultureInfo.InvariantCulture, out var percent) || !(percent is >= 0 and <= 100))
            {
                throw new PluginQueryException($"the TLS 1.0 insight threshold '{percentText}' on the data source's settings page is not a percentage between 0 and 100");
            }

            thresholds = thresholds with { LegacySharePercent = percent };
        }

        if (Blank(jsonData.GetValueOrDefault("legacyTlsMinMessages")) is { } minText)
        {
            if (!long.TryParse(minText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var min) || min < 1)
            {
                throw new PluginQueryException($"the TLS 1.0 insight's minimum messages '{minText}' on the data source's settings page is not a whole number of at least 1");
            }

            thresholds = thresholds with { MinMessages = min };
        }

        return thresholds;
    }

    /// <summary>The InfluxDB version chosen on the settings page, for logs.</summary>
    public static string Version(DataSourceInstanceSettings settings) => ReadJsonData(settings.JsonData.Span).GetValueOrDefault("influxVersion") ?? "1";

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>Top-level string, number and boolean members of jsonData, as text.</summary>
    private static Dictionary<string, string> ReadJsonData(ReadOnlySpan<byte> json)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json.IsEmpty)
        {
            return values;
        }

        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return values;
            }

            foreach (var member in document.RootElement.EnumerateObject())
            {
                switch (member.Value.ValueKind)
                {
                    case JsonValueKind.String:
                        values[member.Name] = member.Value.GetString()!;
                        break;
                    case JsonValueKind.Number:
                    case JsonValueKind.True:
                    case JsonValueKind.False:
                        values[member.Name] = member.Value.GetRawText();
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            throw new PluginQueryException("the data source's jsonData is not JSON: " + e.Message);
        }

        return values;
    }
}
