using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>
/// The plugin's query model (DataQuery.json, the contract between the plugin and the dashboards), written down
/// independently of the plugin's code so that a drift on either side fails a test.
/// </summary>
internal static partial class QueryModel
{
    public static readonly string[] QueryTypes = ["summary", "timeseries", "connectorReport", "insights", "peers", "connectorTlsShare", "connectors", "thresholds",
        "securityDirections", "securityConnectors", "securityAuthSeries", "securityCipherSeries", "blocked", "plaintextDomains", "securityInsights", "securityInsightShares",
        // SMTP TLS reports (RFC 8460).
        "tlsrptPolicies", "tlsrptFailureTypes", "tlsrptOrganizations", "tlsrptDays", "tlsrptInsights", "tlsrptInsightShares",
        // Transit security, continued.
        "securityPeers"];
    public static readonly string[] Directions = ["", "inbound", "outbound", "submission"];
    public static readonly string[] ConnectorTypes = ["", "Partner", "OnPremises", "Internet", "Submission"];
    public static readonly string[] TlsVersions = ["", "none", "SSLv3", "TLS1.0", "TLS1.1", "TLS1.2", "TLS1.3", "unknown"];
    public static readonly string[] Measures = ["messages", "percent"];
    public static readonly string[] SecurityInsightKinds = ["", "PartnerUnverifiedCertificates", "ForcedTlsUnverifiedPeers", "WeakCiphers"];

    /// <summary>The members of the plugin's query model (docs/grafana-plugin.md, "Query model").</summary>
    public static readonly string[] ModelKeys =
        ["queryType", "direction", "connectors", "connectorType", "source", "tls", "measure", "minMessages", "thresholdPct", "limit", "perDay", "insight"];

    /// <summary>Keys of the model plus those Grafana itself adds to every query.</summary>
    private static readonly HashSet<string> KnownKeys = [.. ModelKeys, "refId", "datasource", "hide", "intervalMs", "maxDataPoints", "key"];

    /// <summary>
    /// The problems of one query model, empty when it is valid. <paramref name="variables"/> maps each template variable
    /// the query may use to the values it can take (null: free text), so a variable is checked like the value it becomes.
    /// </summary>
    public static IReadOnlyList<string> Problems(JsonObject model, IReadOnlyDictionary<string, IReadOnlyList<string>?> variables)
    {
        var problems = new List<string>();
        foreach (var (key, _) in model)
        {
            if (!KnownKeys.Contains(key))
            {
                problems.Add($"unknown field \"{key}\"");
            }
        }

        var queryType = (string?)model["queryType"];
        if (queryType is null || !QueryTypes.Contains(queryType))
        {
            problems.Add($"queryType \"{queryType}\" is not one of {string.Join(", ", QueryTypes)}");
        }

        if (model["refId"] is null)
        {
            problems.Add("refId missing");
        }

        CheckString(model, "direction", Directions, variables, problems);
        CheckString(model, "connectorType", ConnectorTypes, variables, problems);
        CheckString(model, "tls", TlsVersions, variables, problems);
        CheckString(model, "source", null, variables, problems);
        CheckString(model, "measure", Measures, variables, problems);
        CheckString(model, "insight", SecurityInsightKinds, variables, problems);

        if (model["connectors"] is { } connectors)
        {
            if (connectors is not JsonArray array || array.Any(c => c is not JsonValue value || !value.TryGetValue<string>(out _)))
            {
                problems.Add("connectors must be an array of strings");
            }
            else
            {
                foreach (var name in array.Select(c => (string)c!))
                {
                    CheckVariables("connectors", name, null, variables, problems);
                }
            }
        }

        CheckInteger(model, "minMessages", 0, problems);
        CheckInteger(model, "limit", 1, problems);

        switch (queryType)
        {
            case "timeseries" when model["measure"] is null:
                problems.Add("timeseries needs measure (messages or percent)");
                break;
            case "connectorTlsShare" when string.IsNullOrEmpty((string?)model["tls"]):
                problems.Add("connectorTlsShare needs the TLS version whose share it measures");
                break;
            case "peers" or "blocked" or "plaintextDomains" or "securityPeers" when model["limit"] is null:
                problems.Add(queryType + " needs a limit");
                break;
            case "securityAuthSeries" or "securityCipherSeries" when model["measure"] is null:
                problems.Add(queryType + " needs measure (messages or percent)");
                break;
        }

        return problems;
    }

    /// <summary>Names of the template variables a text refers to ($name, ${name} or ${name:format}).</summary>
    /// <remarks>Names starting with "__" are Grafana's built-ins or the plugin's special values ($__internet), not variables.</remarks>
    public static IEnumerable<string> VariableNames(string text) =>
        VariableReference().Matches(text)
            .Select(m => m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Value)
            .Where(name => !name.StartsWith("__", StringComparison.Ordinal));

    [GeneratedRegex(@"\$\{(?<braced>\w+)(:\w+)?\}|\$(?<plain>\w+)")]
    private static partial Regex VariableReference();

    private static void CheckString(JsonObject model, string key, string[]? allowed, IReadOnlyDictionary<string, IReadOnlyList<string>?> variables, List<string> problems)
    {
        if (model[key] is not { } node)
        {
            return;
        }

        if (node is not JsonValue value || !value.TryGetValue<string>(out var text))
        {
            problems.Add($"{key} must be a string");
            return;
        }

        if (!text.Contains('$', StringComparison.Ordinal))
        {
            if (allowed is not null && !allowed.Contains(text))
            {
                problems.Add($"{key} \"{text}\" is not one of {string.Join(", ", allowed.Select(a => $"\"{a}\""))}");
            }

            return;
        }

        CheckVariables(key, text, allowed, variables, problems);
    }

    private static void CheckVariables(string key, string text, string[]? allowed, IReadOnlyDictionary<string, IReadOnlyList<string>?> variables, List<string> problems)
    {
        foreach (var name in VariableNames(text))
        {
            if (!variables.TryGetValue(name, out var values))
            {
                problems.Add($"{key} uses ${name}, which is not a variable of this dashboard");
            }
            else if (allowed is not null)
            {
                if (values is null)
                {
                    problems.Add($"{key} uses the free-text variable ${name} but only takes {string.Join(", ", allowed)}");
                }
                else
                {
                    problems.AddRange(values.Where(v => !allowed.Contains(v)).Select(v => $"{key} can become \"{v}\" through ${name}"));
                }
            }
        }
    }

    private static void CheckInteger(JsonObject model, string key, long minimum, List<string> problems)
    {
        if (model[key] is not { } node)
        {
            return;
        }

        long? number = node is not JsonValue value ? null
            : value.TryGetValue<long>(out var integer) ? integer
            : value.TryGetValue<double>(out var real) && real == Math.Floor(real) ? (long)real
            : null;
        if (number is null)
        {
            problems.Add($"{key} must be an integer");
        }
        else if (number < minimum)
        {
            problems.Add($"{key} must be at least {minimum}");
        }
    }
}
