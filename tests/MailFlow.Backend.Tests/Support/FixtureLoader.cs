using System.Globalization;
using MailFlow.Exporter.Rollups;
using MailFlow.Exporter.Sinks;
using MailFlow.Testing;
using ExporterInfluxOptions = MailFlow.Exporter.Sinks.InfluxOptions;

namespace MailFlow.Backend.Tests.Support;

/// <summary>
/// Leaves a real influxd as the exporter would: hand-written minute points (line protocol, precision seconds),
/// then the rollup tiers built from them by the exporter's own rollup code, as <c>mailflow-exporter rollup</c> does.
/// </summary>
public static class FixtureLoader
{
    /// <summary>Writes the lines (blank and <c>#</c> lines skipped) into <paramref name="database"/> and builds its tiers.</summary>
    public static void Write(InfluxDbServer server, string database, IEnumerable<string> lineProtocol)
    {
        var lines = lineProtocol.Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        server.Write(database, string.Join('\n', lines));
        var seconds = lines.Select(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).ToList();
        using var writer = new InfluxPointWriter(new ExporterInfluxOptions { Url = server.Url.ToString().TrimEnd('/'), Database = database });
        var plan = RollupPlan.ForRange(DateTimeOffset.FromUnixTimeSeconds(seconds.Min()), DateTimeOffset.FromUnixTimeSeconds(seconds.Max() + 60));
        writer.WriteRollupsAsync(plan, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>Writes a line-protocol file.</summary>
    public static void WriteFile(InfluxDbServer server, string database, string path) => Write(server, database, File.ReadAllLines(path));
}
