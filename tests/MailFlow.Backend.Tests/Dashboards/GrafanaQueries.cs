using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>
/// What Grafana's frontend does to a panel's target before it reaches the plugin: template variables replaced by
/// their values (a multi-value variable alone in a <c>connectors</c> element becomes several elements), the
/// dashboard's or the panel's relative time range resolved, maxDataPoints and the interval filled in.
/// </summary>
internal static partial class GrafanaQueries
{
    /// <summary>Grafana's maxDataPoints for a panel without its own: about the width of a panel in pixels.</summary>
    public const long DefaultMaxDataPoints = 1000;

    /// <summary>The DataQuery of a panel target, with <paramref name="values"/> as the variables' values.</summary>
    public static HostQuery ForPanel(JsonObject dashboard, JsonObject panel, JsonObject target, IReadOnlyDictionary<string, string[]> values, DateTimeOffset now)
    {
        var (from, to) = panel["timeFrom"] is { } timeFrom
            ? (now - Duration((string)timeFrom!), now)
            : (Relative((string)dashboard["time"]!["from"]!, now), Relative((string)dashboard["time"]!["to"]!, now));
        var maxDataPoints = (long?)panel["maxDataPoints"] ?? DefaultMaxDataPoints;
        var auto = (long)Math.Ceiling((to - from).TotalMinutes / maxDataPoints) * 60_000;
        var minimum = panel["interval"] is { } interval ? (long)Duration((string)interval!).TotalMilliseconds : 0;
        var model = Interpolate(target, values);
        return new HostQuery((string)target["refId"]!, from, to, maxDataPoints, Math.Max(auto, minimum), model);
    }

    /// <summary>The DataQuery of an alert rule's data item, as the rule evaluator sends it at <paramref name="now"/>.</summary>
    public static HostQuery ForAlert(FileQuery query, DateTimeOffset now) =>
        new((string)query.Model["refId"]!, now.AddSeconds(-query.RelativeRange!.Value.From), now.AddSeconds(-query.RelativeRange.Value.To),
            (long?)query.Model["maxDataPoints"] ?? 43_200, (long?)query.Model["intervalMs"] ?? 60_000, query.Model.DeepClone().AsObject());

    /// <summary>Each variable's current value as written in the dashboard (a query variable's All is resolved later).</summary>
    public static Dictionary<string, string[]> CurrentValues(JsonObject dashboard) =>
        GrafanaFiles.Variables(dashboard).ToDictionary(
            v => (string)v["name"]!,
            v => v["current"]?["value"] switch
            {
                JsonArray array => array.Select(x => (string)x!).ToArray(),
                JsonValue value => [(string)value!],
                _ => [""],
            });

    /// <summary>The target with every $variable replaced; Grafana's own fields (datasource, refId) kept.</summary>
    public static JsonObject Interpolate(JsonObject target, IReadOnlyDictionary<string, string[]> values)
    {
        var result = new JsonObject();
        foreach (var (key, node) in target)
        {
            result[key] = node switch
            {
                JsonValue value when value.TryGetValue<string>(out var text) => JsonValue.Create(Replace(text, values)),
                JsonArray array when key == "connectors" => new JsonArray(array.SelectMany(item => Expand((string)item!, values)).Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
                _ => node?.DeepClone(),
            };
        }

        return result;
    }

    /// <summary>Resolves "now", "now-7d", "now-24h"...</summary>
    public static DateTimeOffset Relative(string text, DateTimeOffset now) =>
        text == "now" ? now : text.StartsWith("now-", StringComparison.Ordinal) ? now - Duration(text[4..]) : throw new ArgumentException("unsupported time " + text);

    /// <summary>"7d", "24h", "10m", "30s".</summary>
    public static TimeSpan Duration(string text)
    {
        var number = double.Parse(text[..^1], CultureInfo.InvariantCulture);
        return text[^1] switch
        {
            'd' => TimeSpan.FromDays(number),
            'h' => TimeSpan.FromHours(number),
            'm' => TimeSpan.FromMinutes(number),
            's' => TimeSpan.FromSeconds(number),
            _ => throw new ArgumentException("unsupported duration " + text),
        };
    }

    private static IEnumerable<string> Expand(string text, IReadOnlyDictionary<string, string[]> values)
    {
        var whole = WholeVariable().Match(text);
        if (whole.Success && values.TryGetValue(whole.Groups["name"].Value, out var many))
        {
            return many;
        }

        return [Replace(text, values)];
    }

    private static string Replace(string text, IReadOnlyDictionary<string, string[]> values) =>
        Reference().Replace(text, m =>
        {
            var name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Value;
            return values.TryGetValue(name, out var value) ? string.Join(',', value) : m.Value;
        });

    [GeneratedRegex(@"^\$(\{(?<name>\w+)\}|(?<name>\w+))$")]
    private static partial Regex WholeVariable();

    [GeneratedRegex(@"\$\{(?<braced>\w+)(:\w+)?\}|\$(?<plain>\w+)")]
    private static partial Regex Reference();
}
