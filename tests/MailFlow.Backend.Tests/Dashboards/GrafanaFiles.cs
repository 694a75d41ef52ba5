using System.Globalization;
using System.Text.Json.Nodes;
using MailFlow.Testing;
using YamlDotNet.RepresentationModel;

namespace MailFlow.Backend.Tests.Dashboards;

/// <summary>A query sent to the MailFlow data source, found in a dashboard panel, a variable or an alert rule.</summary>
/// <param name="Where">Where it was found, for failure messages (file, panel or rule, refId).</param>
/// <param name="Model">The query model as written in the file (before template interpolation).</param>
/// <param name="RelativeRange">Alert rules only: the relative time range (from, to) in seconds before now.</param>
internal sealed record FileQuery(string Where, JsonObject Model, (long From, long To)? RelativeRange = null);

/// <summary>
/// Reads the repository's Grafana files (dashboards/*.json and dashboards/provisioning/**.yaml) the way Grafana's
/// provisioning does, so that tests check the files users get, not copies.
/// </summary>
internal static class GrafanaFiles
{
    public const string DataSourceUid = "mailflow";
    public const string PluginId = "mailflow-tls-datasource";

    public static string DashboardsDirectory => Path.Combine(RepoPaths.Root, "dashboards");

    public static string ProvisioningDirectory => Path.Combine(DashboardsDirectory, "provisioning");

    public static IReadOnlyList<string> DashboardPaths =>
        Directory.GetFiles(DashboardsDirectory, "*.json", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal).ToArray();

    public static JsonObject Dashboard(string path) =>
        JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidDataException(path + " is not a JSON object");

    public static IReadOnlyList<(string Path, JsonObject Json)> Dashboards() =>
        DashboardPaths.Select(path => (path, Dashboard(path))).ToArray();

    /// <summary>Every panel, rows' nested panels included.</summary>
    public static IEnumerable<JsonObject> Panels(JsonObject dashboard)
    {
        foreach (var panel in dashboard["panels"]?.AsArray() ?? [])
        {
            var obj = panel!.AsObject();
            yield return obj;
            foreach (var nested in obj["panels"]?.AsArray() ?? [])
            {
                yield return nested!.AsObject();
            }
        }
    }

    public static IEnumerable<JsonObject> Variables(JsonObject dashboard) =>
        (dashboard["templating"]?["list"]?.AsArray() ?? []).Select(v => v!.AsObject());

    /// <summary>Every panel target and every query variable's query of a dashboard.</summary>
    public static IEnumerable<FileQuery> DashboardQueries(string path, JsonObject dashboard)
    {
        var file = Path.GetFileName(path);
        foreach (var panel in Panels(dashboard))
        {
            foreach (var target in panel["targets"]?.AsArray() ?? [])
            {
                yield return new FileQuery($"{file} panel \"{panel["title"]}\" refId {target?["refId"]}", target!.AsObject());
            }
        }

        foreach (var variable in Variables(dashboard).Where(v => (string?)v["type"] == "query"))
        {
            if (variable["query"] is JsonObject query)
            {
                yield return new FileQuery($"{file} variable ${variable["name"]}", query);
            }
        }
    }

    /// <summary>Datasource uid of a panel target: the target's own, else the panel's.</summary>
    public static string? DatasourceUid(JsonObject panel, JsonObject target) =>
        (string?)target["datasource"]?["uid"] ?? (string?)panel["datasource"]?["uid"];

    public static JsonObject Yaml(params string[] relativeToProvisioning) =>
        YamlFile(Path.Combine([ProvisioningDirectory, .. relativeToProvisioning]));

    /// <summary>A YAML file as JSON (first document), aliases resolved and merge keys (&lt;&lt;) applied as Compose does.</summary>
    public static JsonObject YamlFile(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        return ToJson(stream.Documents[0].RootNode)?.AsObject() ?? throw new InvalidDataException(path + " is empty");
    }

    /// <summary>The provisioned data source's jsonData (provisioning/datasources/mailflow.yaml), before environment expansion.</summary>
    public static JsonObject DataSourceJsonData() =>
        Yaml("datasources", "mailflow.yaml")["datasources"]![0]!["jsonData"]!.AsObject();

    /// <summary>The TLS 1.0 insight's threshold (percent) and minimum volume, as the data source defines them for the plugin.</summary>
    public static (double Percent, long MinMessages) InsightThresholds()
    {
        var json = DataSourceJsonData();
        return (Number(json["legacyTlsThresholdPercent"]), (long)Number(json["legacyTlsMinMessages"]));
    }

    /// <summary>A JSON number (integer or not) as a double.</summary>
    public static double Number(JsonNode? node) =>
        double.Parse(node?.ToJsonString() ?? throw new InvalidDataException("a number is missing"), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Every alert rule group of the alerting folder.</summary>
    public static IEnumerable<JsonObject> AlertRuleGroups() =>
        Directory.GetFiles(Path.Combine(ProvisioningDirectory, "alerting"), "*.yaml").Order(StringComparer.Ordinal)
            .SelectMany(path => Yaml("alerting", Path.GetFileName(path))["groups"]?.AsArray() ?? [])
            .Select(group => group!.AsObject());

    public static IEnumerable<JsonObject> AlertRules() =>
        Directory.GetFiles(Path.Combine(ProvisioningDirectory, "alerting"), "*.yaml").Order(StringComparer.Ordinal)
            .Select(path => Yaml("alerting", Path.GetFileName(path)))
            .SelectMany(doc => doc["groups"]?.AsArray() ?? [])
            .SelectMany(group => group!["rules"]?.AsArray() ?? [])
            .Select(rule => rule!.AsObject());

    /// <summary>Every data item of every alert rule that goes to a data source (not a server-side expression).</summary>
    public static IEnumerable<FileQuery> AlertQueries() =>
        from rule in AlertRules()
        from item in rule["data"]!.AsArray()
        where (string?)item!["datasourceUid"] != "__expr__"
        select new FileQuery(
            $"alert rule {rule["uid"]} refId {item!["refId"]}",
            item["model"]!.AsObject(),
            ((long)item["relativeTimeRange"]!["from"]!, (long)item["relativeTimeRange"]!["to"]!));

    /// <summary>
    /// YAML to JSON with YAML 1.2 core-schema scalars: plain numbers and booleans become JSON numbers and booleans
    /// (as Grafana's YAML reader types them), quoted scalars stay strings.
    /// </summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => Mapping(map),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } scalar => Plain(scalar.Value),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidDataException("Unsupported YAML node " + node.NodeType),
    };

    private static JsonObject Mapping(YamlMappingNode map)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = ((YamlScalarNode)key).Value!;
            if (name == "<<")
            {
                continue;
            }

            result[name] = ToJson(value);
        }

        // Merge keys: explicit keys win, then the merged mappings in order.
        foreach (var merged in map.Children.Where(kv => ((YamlScalarNode)kv.Key).Value == "<<").Select(kv => kv.Value))
        {
            var sources = merged is YamlSequenceNode list ? list.Children : [merged];
            foreach (var source in sources.Cast<YamlMappingNode>())
            {
                foreach (var (name, value) in Mapping(source))
                {
                    if (!result.ContainsKey(name))
                    {
                        result[name] = value?.DeepClone();
                    }
                }
            }
        }

        return result;
    }

    private static JsonNode? Plain(string? text) => text switch
    {
        null or "" or "~" or "null" => null,
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer) => JsonValue.Create(integer),
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) => JsonValue.Create(real),
        _ => JsonValue.Create(text),
    };
}
