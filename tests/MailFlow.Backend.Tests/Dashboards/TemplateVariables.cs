using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>What Grafana makes of a dashboard's template variables: option values and current values.</summary>
internal static partial class TemplateVariables
{
    /// <summary>
    /// The values each variable can take: a custom list's values (parsed as Grafana does: comma-separated entries,
    /// "text : value" pairs, values trimmed), null for free text (textbox) and data-driven (query) variables.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>?> PossibleValues(JsonObject dashboard) =>
        GrafanaFiles.Variables(dashboard).ToDictionary(
            v => (string)v["name"]!,
            v => (string?)v["type"] == "custom" ? CustomOptions((string)v["query"]!).Select(o => o.Value).ToArray() : (IReadOnlyList<string>?)null);

    /// <summary>A custom variable's options, parsed like Grafana's CustomVariable.</summary>
    public static IReadOnlyList<(string Text, string Value)> CustomOptions(string query) =>
        Entry().Matches(query).Select(m =>
        {
            var text = m.Value.Replace("\\,", ",", StringComparison.Ordinal);
            var pair = TextValue().Match(text);
            return pair.Success
                ? (pair.Groups[1].Value.Trim(), pair.Groups[2].Value.Trim())
                : (text.Trim(), text.Trim());
        }).ToArray();

    [GeneratedRegex(@"(?:\\,|[^,])+")]
    private static partial Regex Entry();

    [GeneratedRegex(@"^\s*(.+)\s:\s(.+)$")]
    private static partial Regex TextValue();
}
