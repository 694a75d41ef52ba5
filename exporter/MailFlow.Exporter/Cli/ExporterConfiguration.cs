using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace MailFlow.Exporter.Cli;

/// <summary>
/// Builds the configuration of <c>ingest</c> and <c>run</c>: <c>appsettings.json</c> in the working folder, the
/// file given by <c>--config</c> (JSON or YAML), environment variables prefixed <c>MAILFLOW_</c> (sections
/// separated by <c>__</c>: <c>MAILFLOW_INFLUX__URL</c>, <c>MAILFLOW_FOLLOW__PATHS__0</c>), then the
/// <c>INFLUX_*</c> variables and flags (the overrides), later sources winning.
/// </summary>
public static class ExporterConfiguration
{
    public static IConfigurationRoot Build(string? configFile, IDictionary<string, string?> overrides)
    {
        var builder = new ConfigurationBuilder();
        var defaultFile = Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json");
        if (File.Exists(defaultFile))
        {
            builder.AddJsonFile(defaultFile, optional: true);
        }

        if (!string.IsNullOrWhiteSpace(configFile))
        {
            if (!File.Exists(configFile))
            {
                throw new CliError($"--config {configFile}: no such file");
            }

            var extension = Path.GetExtension(configFile).ToLowerInvariant();
            if (extension is ".yaml" or ".yml")
            {
                builder.AddInMemoryCollection(ReadYaml(configFile));
            }
            else
            {
                builder.AddJsonFile(Path.GetFullPath(configFile), optional: false);
            }
        }

        builder.AddEnvironmentVariables("MAILFLOW_");
        builder.AddInMemoryCollection(overrides);
        try
        {
            return builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            throw new CliError($"--config {configFile}: {e.Message}");
        }
    }

    /// <summary>Flattens a YAML mapping into configuration keys (<c>Influx:Url</c>, <c>Follow:Paths:0</c>).</summary>
    public static Dictionary<string, string?> ReadYaml(string path)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new CliError($"{path} line {e.Start.Line}: {e.Message}");
        }

        if (yaml.Documents.Count > 0)
        {
            Flatten(yaml.Documents[0].RootNode, "", values);
        }

        return values;
    }

    private static void Flatten(YamlNode node, string prefix, Dictionary<string, string?> values)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? "";
                    Flatten(value, prefix.Length == 0 ? name : prefix + ":" + name, values);
                }

                break;
            case YamlSequenceNode sequence:
                var index = 0;
                foreach (var item in sequence.Children)
                {
                    Flatten(item, prefix + ":" + index.ToString(System.Globalization.CultureInfo.InvariantCulture), values);
                    index++;
                }

                break;
            case YamlScalarNode scalar:
                values[prefix] = scalar.Value;
                break;
        }
    }
}
