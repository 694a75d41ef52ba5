using MailFlow.Contracts.Schema;
using MailFlow.Exporter.Cli;
using MailFlow.Questions;

namespace MailFlow.Exporter.Tests.Architecture;

/// <summary>What the exporter may depend on: the shared contracts, never Grafana's plugin protocol.</summary>
public sealed class LayeringTests
{
    [Fact]
    public void SharedContracts_HoldNoPluginProtocolType()
    {
        var pluginTypes = typeof(InfluxSchema).Assembly.GetTypes()
            .Where(t => t.Namespace is { } ns && (ns.Contains("GrafanaPlugin", StringComparison.Ordinal) || ns.Contains("GoPlugin", StringComparison.Ordinal)))
            .Select(t => t.FullName)
            .ToList();

        Assert.Empty(pluginTypes);
        Assert.Contains(typeof(InfluxSchema).Assembly.GetTypes(), t => t.Namespace == "MailFlow.Api.V1"); // The public API stays shared.
    }

    [Fact]
    public void Exporter_ReferencesNoPluginProtocolAssembly()
    {
        var references = typeof(ReportCommand).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();

        Assert.Contains("MailFlow.Contracts", references);
        Assert.DoesNotContain(references, name => name!.Contains("Plugin", StringComparison.Ordinal));
    }

    [Fact]
    public void Questions_KnowNeitherInfluxDbNorGrpcNorGrafana()
    {
        // The questions are answered over an interface of totals: the report's memory or the engine's InfluxDB.
        var references = typeof(MailFlowQuestions).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("MailFlow.Contracts", references);
        Assert.All(references, name => Assert.True(name == "MailFlow.Contracts" || name.StartsWith("System", StringComparison.Ordinal), $"MailFlow.Questions references {name}"));
        Assert.Contains("MailFlow.Questions", typeof(ReportCommand).Assembly.GetReferencedAssemblies().Select(a => a.Name));
    }
}
