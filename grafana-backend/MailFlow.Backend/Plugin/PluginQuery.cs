using System.Text.Json;
using MailFlow.Backend.Query;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;

namespace MailFlow.Backend.Plugin;

/// <summary>
/// One panel or alert query (DataQuery.json) parsed and validated: see the README's "Query model". Unknown
/// members are ignored (Grafana adds its own, such as <c>datasource</c>, <c>hide</c>, <c>intervalMs</c>).
/// </summary>
internal sealed record PluginQuery
{
    /// <summary>Default <see cref="Limit"/> for peers.</summary>
    public const int DefaultLimit = QuestionDefaults.PeerLimit;

    /// <summary>Default most points of a time series when Grafana sends no maxDataPoints.</summary>
    public const int DefaultMaxPoints = 1000;

    public required string RefId { get; init; }

    public required PluginQueryType Type { get; init; }

    public required QueryFilter Filter { get; init; }

    /// <summary>Time series: <c>percent</c> instead of message counts.</summary>
    public bool Percent { get; init; }

    /// <summary>
    /// connectorTlsShare: connectors with fewer messages yield no value; insights: the legacy insight's minimum
    /// volume. Null = the data source's (jsonData.legacyTlsMinMessages).
    /// </summary>
    public long? MinMessages { get; init; }

    /// <summary>Insights: the legacy share threshold in percent; null = the data source's (jsonData.legacyTlsThresholdPercent).</summary>
    public double? ThresholdPercent { get; init; }

    /// <summary>securityInsightShares: which transit-security insight (<c>insight</c>); null = all.</summary>
    public SecurityInsightKind? SecurityInsight { get; init; }

    /// <summary>Peers: most rows.</summary>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>Connector report: one row per day (Microsoft's report) or one per connector for the whole range.</summary>
    public bool PerDay { get; init; } = true;

    /// <summary>Time series: the panel's interval (Grafana's intervalMS); null = chosen from <see cref="MaxPoints"/>.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>Time series: the panel's maxDataPoints, within the engine's limits.</summary>
    public int MaxPoints { get; init; } = DefaultMaxPoints;

    /// <summary>
    /// Parses a query. <paramref name="queryType"/> is DataQuery.queryType (Grafana copies the model's
    /// <c>queryType</c> there); the model's own member wins when both are set. Throws
    /// <see cref="PluginQueryException"/> with a message for the panel when the model is wrong.
    /// </summary>
    public static PluginQuery Parse(string refId, string? queryType, ReadOnlySpan<byte> json, DateTimeOffset from, DateTimeOffset to, long maxDataPoints, long intervalMs)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.IsEmpty ? "{}"u8.ToArray() : json.ToArray());
        }
        catch (JsonException e)
        {
            throw new PluginQueryException($"the query model is not JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new PluginQueryException("the query model must be a JSON object");
            }

            var typeText = Text(root, "queryType") ?? queryType;
            var type = ParseType(typeText);
            var filter = new QueryFilter
            {
                From = from,
                To = to,
                Direction = Optional(root, "direction", "direction (inbound, outbound, submission or empty for all)", static (string t, out Direction d) => Directions.TryParseWire(t, out d)),
                ConnectorType = Optional(root, "connectorType", "connectorType (Partner, OnPremises, Internet, Submission or empty for all)", static (string t, out ConnectorType c) => ConnectorTypes.TryParseWire(t, out c)),
                Tls = Optional(root, "tls", "tls (none, SSLv3, TLS1.0, TLS1.1, TLS1.2, TLS1.3, unknown or empty for all)", static (string t, out TlsVersion v) => TlsVersions.TryParseWire(t, out v)),
                Connectors = Connectors(root),
                Source = AllMeansEmpty(Text(root, "source")),
            };

            var measure = Text(root, "measure");
            if (measure is not (null or "" or "messages" or "percent"))
            {
                throw new PluginQueryException($"unknown measure '{measure}': use messages or percent");
            }

            return new PluginQuery
            {
                RefId = refId,
                Type = type,
                Filter = filter,
                Percent = measure == "percent",
                MinMessages = Number(root, "minMessages") is { } min ? checked((long)min) : null,
                ThresholdPercent = Number(root, "thresholdPct"),
                SecurityInsight = InsightKind(AllMeansEmpty(Text(root, "insight"))),
                Limit = Number(root, "limit") is { } limit ? (int)Math.Clamp(limit, 1, QueryLimits.MaxPeers) : DefaultLimit,
                PerDay = !root.TryGetProperty("perDay", out var perDay) || perDay.ValueKind != JsonValueKind.False,
                Interval = intervalMs > 0 ? TimeSpan.FromMilliseconds(intervalMs) : null,
                MaxPoints = maxDataPoints > 0 ? (int)Math.Min(maxDataPoints, QueryLimits.MaxPoints) : DefaultMaxPoints,
            };
        }
    }

    private static PluginQueryType ParseType(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return PluginQueryType.Summary;
        }

        // An unknown name is an error naming the known ones: never a guess at one of them.
        return QueryTypes.TryParse(text.Trim(), out var type)
            ? type
            : throw new PluginQueryException($"unknown queryType '{text}': use one of {string.Join(", ", QueryTypes.WireNames)}");
    }

    /// <summary><c>insight</c>: a <see cref="SecurityInsightKind"/> by name (case-insensitive), never by number.</summary>
    private static SecurityInsightKind? InsightKind(string? text)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var kind in Enum.GetValues<SecurityInsightKind>())
        {
            if (string.Equals(kind.ToString(), text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return kind;
            }
        }

        throw new PluginQueryException($"unknown insight '{text}': use {string.Join(", ", Enum.GetValues<SecurityInsightKind>())} or empty for all");
    }

    private delegate bool TryParse<T>(string text, out T value);

    private static T? Optional<T>(JsonElement root, string name, string description, TryParse<T> parse)
        where T : struct
    {
        var text = AllMeansEmpty(Text(root, name));
        if (text is null)
        {
            return null;
        }

        return parse(text, out var value) ? value : throw new PluginQueryException($"unknown {description}: '{text}'");
    }

    /// <summary>Grafana's "All" of a template variable arrives as its allValue or as the literal <c>$__all</c>.</summary>
    private static string? AllMeansEmpty(string? text) =>
        string.IsNullOrWhiteSpace(text) || text is "$__all" or "*" || string.Equals(text, "all", StringComparison.OrdinalIgnoreCase) ? null : text;

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => throw new PluginQueryException($"'{name}' must be a string"),
        } : null;

    private static double? Number(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind is JsonValueKind.Null)
        {
            return null;
        }

        // Template variables make numbers arrive as strings ("10").
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString();
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed))
            {
                return parsed;
            }
        }
        else if (value.ValueKind == JsonValueKind.Number)
        {
            return value.GetDouble();
        }

        throw new PluginQueryException($"'{name}' must be a number");
    }

    /// <summary><c>connectors</c>: an array of names, or one name; "All" means no filter.</summary>
    private static IReadOnlyList<string> Connectors(JsonElement root)
    {
        if (!root.TryGetProperty("connectors", out var value) || value.ValueKind is JsonValueKind.Null)
        {
            // Tolerate the singular spelling a hand-written panel may use.
            if (!root.TryGetProperty("connector", out value) || value.ValueKind is JsonValueKind.Null)
            {
                return [];
            }
        }

        var names = new List<string>();
        if (value.ValueKind == JsonValueKind.String)
        {
            names.Add(value.GetString()!);
        }
        else if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                names.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw new PluginQueryException("'connectors' must hold strings"));
            }
        }
        else
        {
            throw new PluginQueryException("'connectors' must be an array of connector names");
        }

        // One "All" among the values selects everything.
        return names.Any(n => AllMeansEmpty(n) is null) ? [] : names.Distinct(StringComparer.Ordinal).ToList();
    }
}

/// <summary>A query model the plugin cannot run; the message is shown on the panel.</summary>
internal sealed class PluginQueryException(string message) : Exception(message);
