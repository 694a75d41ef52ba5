using MailFlow.Backend.Influx;
using MailFlow.Backend.Query;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Support;

/// <summary>
/// A real influxd loaded with Fixtures/connectors.lp. Expected answers for <see cref="Range"/> (day 1 and day 2),
/// counted by hand from that file:
/// <list type="bullet">
/// <item>inbound: Contoso 8+9 TLS1.2, 2 TLS1.0, 1 none, 1 TLS1.3 (21); internet 50 TLS1.2, 10 none, 5 unknown (65);
/// O'Brien 3 TLS1.0; (.*)|x 6 TLS1.2. Totals: none 11, TLS1.0 5, TLS1.2 73, TLS1.3 1, unknown 5 = 95.</item>
/// <item>outbound: Fabrikam 20+30 TLS1.2, 5 TLS1.1 (55); internet 40 TLS1.3, 10 TLS1.2 (50). Totals: TLS1.1 5,
/// TLS1.2 60, TLS1.3 40 = 105.</item>
/// <item>the 100 Contoso messages of 2026-03-06 lie outside the range.</item>
/// </list>
/// </summary>
public sealed class ConnectorFixture : IDisposable
{
    public const string Database = "mailflow_fixture";

    public static readonly DateTimeOffset Day1 = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Day2 = Day1.AddDays(1);

    public ConnectorFixture()
    {
        Influx = new InfluxDbServer();
        Influx.Query("CREATE DATABASE " + Database);
        Load(Influx, Database, Path.Combine(AppContext.BaseDirectory, "Fixtures", "connectors.lp"));
        Client = new InfluxQlClient(Options);
        Engine = new MailFlowQueryEngine(Client);
    }

    public InfluxDbServer Influx { get; }

    public InfluxQlClient Client { get; }

    public MailFlowQueryEngine Engine { get; }

    public InfluxOptions Options => new() { Url = Influx.Url, Database = Database };

    /// <summary>Day 1 and day 2, with optional filters.</summary>
    public static QueryFilter Range => new() { From = Day1, To = Day1.AddDays(2) };

    /// <summary>Writes a line-protocol file (comment lines skipped) and builds its rollup tiers.</summary>
    public static void Load(InfluxDbServer server, string database, string path) => FixtureLoader.WriteFile(server, database, path);

    public void Dispose()
    {
        Client.Dispose();
        Influx.Dispose();
    }
}

/// <summary>Tests sharing one loaded influxd.</summary>
[CollectionDefinition(Name)]
public sealed class ConnectorCollection : ICollectionFixture<ConnectorFixture>
{
    public const string Name = "connector fixture";
}
