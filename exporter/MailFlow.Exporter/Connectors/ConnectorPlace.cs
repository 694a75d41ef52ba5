using YamlDotNet.RepresentationModel;

namespace MailFlow.Exporter.Connectors;

/// <summary>
/// Where one connector entry and its keys are written in the connectors file, from the YAML parser's node
/// positions, so that every validation error names the file and line to fix: the offending key's line (or a
/// list item's, for a bad address), else the entry's first line.
/// </summary>
internal sealed class ConnectorPlace
{
    private readonly string _source;
    private readonly string _label;
    private readonly YamlMappingNode? _entry;

    private ConnectorPlace(string source, string label, YamlMappingNode? entry)
    {
        _source = source;
        _label = label;
        _entry = entry;
    }

    public static ConnectorPlace Of(string source, int index, string? name, YamlMappingNode? entry) =>
        new(source, $"connector #{index + 1}{(string.IsNullOrWhiteSpace(name) ? "" : $" '{name}'")}", entry);

    /// <summary>An error at a key of the entry (its line), or at the entry when the key is absent.</summary>
    public ConnectorConfigException Error(string? key, string message) => new($"{_source}:{LineOf(key)}: {_label}: {message}");

    /// <summary>An error at an item of a list under <c>match</c> (e.g. one address of <c>remoteIps</c>).</summary>
    public ConnectorConfigException MatchItemError(string key, int index, string message)
    {
        var line = Node(_entry, "match") is YamlMappingNode match && Node(match, key) is YamlSequenceNode items && index < items.Children.Count
            ? items.Children[index].Start.Line
            : LineOf("match");
        return new($"{_source}:{line}: {_label}: {message}");
    }

    private long LineOf(string? key)
    {
        if (key is not null && _entry is not null)
        {
            foreach (var (k, _) in _entry.Children)
            {
                if (k is YamlScalarNode scalar && scalar.Value == key)
                {
                    return k.Start.Line;
                }
            }
        }

        return _entry?.Start.Line ?? 0;
    }

    private static YamlNode? Node(YamlMappingNode? mapping, string key) =>
        mapping is not null && mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) ? node : null;
}
