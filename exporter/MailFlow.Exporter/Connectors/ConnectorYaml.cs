using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MailFlow.Exporter.Connectors;

/// <summary>
/// Reads a connectors file's node tree into <see cref="ConnectorEntry"/> values, key by key. Shape errors
/// (unknown key, a list where text is expected, broken YAML) name the file and the line; the values themselves
/// are checked by <see cref="ConnectorRule.Create"/>.
/// </summary>
internal static class ConnectorYaml
{
    private const string Allowed = "allowed: connectors[].name, type, direction, forcedTls, match{remoteIps, remoteHosts, senderDomains, recipientDomains, services, connectorIds}";

    /// <summary>The connector entries in file order, each with its node (for the lines of later errors).</summary>
    public static IReadOnlyList<(ConnectorEntry Entry, YamlMappingNode Node)> Read(string yaml, string sourceName)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ConnectorConfigException($"{sourceName}:{e.Start.Line}: {e.InnerException?.Message ?? e.Message}");
        }

        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            return [];
        }

        var root = stream.Documents[0].RootNode as YamlMappingNode
            ?? throw Error(sourceName, stream.Documents[0].RootNode, "the file must be a mapping with a 'connectors' list");
        YamlNode? list = null;
        foreach (var (key, value) in root.Children)
        {
            if (Name(key) != "connectors")
            {
                throw Error(sourceName, key, $"unknown key '{Name(key)}'; {Allowed}");
            }

            list = value;
        }

        if (list is null || IsNull(list))
        {
            return [];
        }

        if (list is not YamlSequenceNode items)
        {
            throw Error(sourceName, list, "'connectors' must be a list of connectors");
        }

        var entries = new List<(ConnectorEntry, YamlMappingNode)>();
        foreach (var item in items.Children)
        {
            var node = item as YamlMappingNode ?? throw Error(sourceName, item, "each connector must be a mapping (name, type, direction, forcedTls, match)");
            entries.Add((ReadEntry(node, sourceName), node));
        }

        return entries;
    }

    private static ConnectorEntry ReadEntry(YamlMappingNode node, string sourceName)
    {
        var entry = new ConnectorEntry();
        foreach (var (key, value) in node.Children)
        {
            var name = Name(key);
            switch (name)
            {
                case "name":
                    entry.Name = Text(value, name, sourceName);
                    break;
                case "type":
                    entry.Type = Text(value, name, sourceName);
                    break;
                case "direction":
                    entry.Direction = Text(value, name, sourceName);
                    break;
                case "forcedTls":
                    entry.ForcedTls = Flag(value, name, sourceName);
                    break;
                case "match":
                    entry.Match = IsNull(value) ? null : ReadMatch(value as YamlMappingNode ?? throw Error(sourceName, value, "'match' must be a mapping of rules"), sourceName);
                    break;
                default:
                    throw Error(sourceName, key, $"unknown key '{name}'; {Allowed}");
            }
        }

        return entry;
    }

    private static ConnectorMatch ReadMatch(YamlMappingNode node, string sourceName)
    {
        var match = new ConnectorMatch();
        foreach (var (key, value) in node.Children)
        {
            var name = Name(key);
            var values = name is "remoteIps" or "remoteHosts" or "senderDomains" or "recipientDomains" or "services" or "connectorIds"
                ? List(value, name, sourceName)
                : throw Error(sourceName, key, $"unknown key '{name}' under match; {Allowed}");
            switch (name)
            {
                case "remoteIps": match.RemoteIps = values; break;
                case "remoteHosts": match.RemoteHosts = values; break;
                case "senderDomains": match.SenderDomains = values; break;
                case "recipientDomains": match.RecipientDomains = values; break;
                case "services": match.Services = values; break;
                default: match.ConnectorIds = values; break;
            }
        }

        return match;
    }

    private static string? Text(YamlNode node, string key, string sourceName) => node switch
    {
        _ when IsNull(node) => null,
        YamlScalarNode scalar => scalar.Value,
        _ => throw Error(sourceName, node, $"'{key}' must be a single value, not a list or mapping"),
    };

    /// <summary>YAML 1.1 booleans, as the YAML libraries read them (true/false, yes/no, on/off, y/n).</summary>
    private static bool Flag(YamlNode node, string key, string sourceName) => Text(node, key, sourceName)?.Trim().ToLowerInvariant() switch
    {
        null or "false" or "no" or "off" or "n" => false,
        "true" or "yes" or "on" or "y" => true,
        var other => throw Error(sourceName, node, $"'{key}' must be true or false (got '{other}')"),
    };

    private static List<string>? List(YamlNode node, string key, string sourceName)
    {
        if (IsNull(node))
        {
            return null;
        }

        var items = node as YamlSequenceNode ?? throw Error(sourceName, node, $"'{key}' must be a list, e.g. [{key switch { "remoteIps" => "203.0.113.0/24", "services" => "smtp", "connectorIds" => "EX01\\Default Frontend EX01", _ => "example.com" }}]");
        return [.. items.Children.Select(item => Text(item, key, sourceName) ?? "")];
    }

    private static string Name(YamlNode key) => key is YamlScalarNode scalar ? scalar.Value ?? "" : key.ToString();

    /// <summary>An empty value, <c>~</c> or <c>null</c> (unquoted), as YAML's core schema reads them.</summary>
    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static ConnectorConfigException Error(string sourceName, YamlNode node, string message) =>
        new($"{sourceName}:{node.Start.Line}: {message}");
}
