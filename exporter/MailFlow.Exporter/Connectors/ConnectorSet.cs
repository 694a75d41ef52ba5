using System.Net;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Connectors;

/// <summary>
/// The connectors declared in a YAML file (see samples/connectors.yaml and the README), in file order. A message
/// takes the first connector whose direction and match rules fit it; otherwise the implicit one for its direction.
/// </summary>
public sealed class ConnectorSet : IConnectorClassifier
{
    private readonly ConnectorRule[] _rules;

    private ConnectorSet(ConnectorRule[] rules) => _rules = rules;

    /// <summary>No declared connectors: every message takes the implicit connector of its direction.</summary>
    public static ConnectorSet Empty { get; } = new([]);

    /// <summary>The declared connectors, in matching order.</summary>
    public IReadOnlyList<ConnectorRule> Rules => _rules;

    public ConnectorInfo Classify(in MailRecord record)
    {
        // Authenticated submissions are clients, not connectors, as in Microsoft's "SMTP Auth clients".
        if (record.Direction == Direction.Submission)
        {
            return ConnectorInfo.SubmissionClients;
        }

        IPAddress? ip = null;
        var ipParsed = false;
        foreach (var rule in _rules)
        {
            if (rule.Matches(record, ref ip, ref ipParsed))
            {
                return rule.Connector;
            }
        }

        return ConnectorInfo.Default(record.Direction);
    }

    /// <summary>Loads and validates a connectors file; throws <see cref="ConnectorConfigException"/> naming the file and line.</summary>
    public static ConnectorSet Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConnectorConfigException($"{path}: cannot read the connectors file: {e.Message}");
        }

        return Parse(text, path);
    }

    /// <summary>Parses connectors YAML; <paramref name="sourceName"/> is used in error messages.</summary>
    public static ConnectorSet Parse(string yaml, string sourceName)
    {
        // Read from the node tree, not with YamlDotNet's reflection deserializer, so that the Native AOT build
        // needs no reflection; the nodes also give every error its line.
        var entries = ConnectorYaml.Read(yaml, sourceName);
        if (entries.Count == 0)
        {
            return Empty;
        }

        var rules = new List<ConnectorRule>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < entries.Count; i++)
        {
            var (entry, node) = entries[i];
            var place = ConnectorPlace.Of(sourceName, i, entry.Name, node);
            var rule = ConnectorRule.Create(entry, place);
            if (!names.Add(rule.Connector.Name + "\n" + rule.DirectionsText))
            {
                throw place.Error("name", "the name is used twice for the same direction; names must be unique");
            }

            rules.Add(rule);
        }

        return new ConnectorSet([.. rules]);
    }
}

/// <summary>One declared connector as written in YAML.</summary>
internal sealed class ConnectorEntry
{
    public string? Name { get; set; }
    public string? Type { get; set; }
    public string? Direction { get; set; }
    public bool ForcedTls { get; set; }
    public ConnectorMatch? Match { get; set; }
}

/// <summary>A connector's match rules: every key given must match (AND); any value of a key may match (OR).</summary>
internal sealed class ConnectorMatch
{
    public List<string>? RemoteIps { get; set; }
    public List<string>? RemoteHosts { get; set; }
    public List<string>? SenderDomains { get; set; }
    public List<string>? RecipientDomains { get; set; }
    public List<string>? Services { get; set; }
    public List<string>? ConnectorIds { get; set; }
}
