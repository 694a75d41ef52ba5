using System.Text.Json;
using MailFlow.Testing;

namespace MailFlow.Exporter.Tests.Influx.Support;

/// <summary>One real influxd for the InfluxDB tests (they run one after another: 2 cores are shared).</summary>
public sealed class InfluxFixture : IDisposable
{
    private int _databases;

    public InfluxDbServer Server { get; } = new();

    /// <summary>A database name no other test uses.</summary>
    public string NewDatabase(string prefix) => $"{prefix}_{Interlocked.Increment(ref _databases)}";

    /// <summary>Runs a query and returns the rows of its first series (empty when none), failing on a statement error.</summary>
    public List<JsonElement[]> Rows(string influxQl, string database)
    {
        using var json = JsonDocument.Parse(Server.Query(influxQl, database));
        var result = json.RootElement.GetProperty("results")[0];
        if (result.TryGetProperty("error", out var error))
        {
            if (error.GetString()!.StartsWith("database not found", StringComparison.Ordinal))
            {
                return []; // Not created yet: no data.
            }

            throw new InvalidOperationException($"{influxQl}: {error.GetString()}");
        }

        if (!result.TryGetProperty("series", out var series))
        {
            return [];
        }

        return series.EnumerateArray()
            .SelectMany(s => s.GetProperty("values").EnumerateArray().Select(v => v.EnumerateArray().Select(c => c.Clone()).ToArray()))
            .ToList();
    }

    /// <summary>A single number answer (e.g. <c>SELECT sum(messages) ...</c>), 0 when there is no data.</summary>
    public long Scalar(string influxQl, string database)
    {
        var rows = Rows(influxQl, database);
        return rows.Count == 0 || rows[0][1].ValueKind == JsonValueKind.Null ? 0 : rows[0][1].GetInt64();
    }

    public void Dispose() => Server.Dispose();
}

[CollectionDefinition(Name)]
public sealed class InfluxCollection : ICollectionFixture<InfluxFixture>
{
    public const string Name = "influxd";
}
