using System.Text.RegularExpressions;
using MailFlow.Backend.Plugin;
using MailFlow.Backend.Tests.Dashboards;
using MailFlow.Questions;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Plugin;

/// <summary>
/// The table of query types (Plugin/QueryTypes.cs) against what asks for them: the query editor (plugin/src/types.ts),
/// the dashboards and the alert rules. A type offered or used but missing from the table would fail every query.
/// </summary>
public sealed partial class QueryTypesTests
{
    [Fact]
    public void Table_OneEntryPerTypeInEnumOrder_DistinctWireNames()
    {
        var types = Enum.GetValues<PluginQueryType>();

        Assert.Equal(types, QueryTypes.All.Select(entry => entry.Type));
        Assert.All(types, type => Assert.Equal(type, QueryTypes.Of(type).Type));
        Assert.Equal(types.Length, QueryTypes.WireNames.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void Table_UndefinedType_IsRefused()
    {
        var undefined = (PluginQueryType)Enum.GetValues<PluginQueryType>().Length;

        Assert.Throws<ArgumentOutOfRangeException>(() => QueryTypes.Of(undefined));
    }

    [Fact]
    public void Table_HoldsExactlyTheTypesTheEditorOffers()
    {
        var offered = EditorList(QueryTypesList(), "QUERY_TYPES").Values;

        // The editor lists the eight types of the README's query model, then the eight of transit security, the six
        // of SMTP TLS reports, and the peers to contact (securityPeers).
        Assert.Equal(8 + 8 + 6 + 1, offered.Count);
        Assert.Equal(["summary", "timeseries", "connectorReport", "insights", "peers", "connectorTlsShare", "connectors", "thresholds"], offered.Take(8));
        Assert.Subset(offered.ToHashSet(), new HashSet<string> { "tlsrptPolicies", "tlsrptFailureTypes", "tlsrptOrganizations", "tlsrptDays", "tlsrptInsights", "tlsrptInsightShares", "securityInsightShares", "securityPeers" });
        Assert.Equal(offered.Order(StringComparer.Ordinal), QueryTypes.WireNames.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Table_KnowsEveryTypeTheDashboardsAndAlertRulesUse()
    {
        var used = GrafanaFiles.Dashboards()
            .SelectMany(d => GrafanaFiles.DashboardQueries(d.Path, d.Json))
            .Concat(GrafanaFiles.AlertQueries())
            .Select(q => (Where: q.Where, Type: (string?)q.Model["queryType"]))
            .ToList();

        Assert.NotEmpty(used);
        Assert.All(used, q => Assert.True(q.Type is { } type && QueryTypes.TryParse(type, out _), $"{q.Where}: queryType '{q.Type}' is not in the table"));
    }

    [Fact]
    public void Editor_OffersExactlyTheSecurityInsightKindsTheModelAccepts()
    {
        var (list, offered) = EditorList(SecurityInsightsList(), "SECURITY_INSIGHTS");

        // All (the shared empty option) first, then every kind once, each by a name the query model accepts: an option the
        // backend refused would fail the alert query, a missing one could not be chosen.
        Assert.StartsWith("ALL,", list.TrimStart(), StringComparison.Ordinal);
        Assert.Equal(Enum.GetNames<SecurityInsightKind>().Order(StringComparer.Ordinal), offered.Order(StringComparer.Ordinal));
        foreach (var name in offered)
        {
            var json = $$"""{"queryType":"securityInsightShares","insight":"{{name}}"}""";
            var query = PluginQuery.Parse("A", null, System.Text.Encoding.UTF8.GetBytes(json), DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), 0, 0);
            Assert.Equal(name, query.SecurityInsight.ToString());
        }
    }

    /// <summary>A list of plugin/src/types.ts: its text between the brackets and the <c>value: '...'</c> of its entries.</summary>
    private static (string Text, List<string> Values) EditorList(Regex list, string name)
    {
        var source = File.ReadAllText(Path.Combine(RepoPaths.Root, "grafana-backend", "plugin", "src", "types.ts"));
        var match = list.Match(source);
        Assert.True(match.Success, $"plugin/src/types.ts has no {name} list");
        var text = match.Groups["list"].Value;
        return (text, QueryTypeValue().Matches(text).Select(m => m.Groups["value"].Value).ToList());
    }

    [GeneratedRegex(@"export const QUERY_TYPES = \[(?<list>.*?)\] as const;", RegexOptions.Singleline)]
    private static partial Regex QueryTypesList();

    [GeneratedRegex(@"export const SECURITY_INSIGHTS: [^=]*= \[(?<list>.*?)\];", RegexOptions.Singleline)]
    private static partial Regex SecurityInsightsList();

    [GeneratedRegex(@"value: '(?<value>[^']*)'")]
    private static partial Regex QueryTypeValue();
}
