using System.Text.Json.Nodes;

namespace MailFlow.Backend.Tests.Plugin;

/// <summary>CheckHealth, CollectMetrics and CallResource through the packaged plugin under the Grafana-like host.</summary>
[Collection(PluginCollection.Name)]
public sealed class PluginDiagnosticsTests(PluginHarness harness)
{
    [Fact]
    public void CheckHealth_FixtureDatabase_OkWithLatestData()
    {
        var health = Health(harness.Settings());

        // The latest point of the fixture is the out-of-range one at 2026-11-04 00:00.
        Assert.Equal("OK", health["status"]!.GetValue<string>());
        Assert.Contains("Data source is working", health["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("2026-11-04 00:00 UTC", health["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("ok", health["details"]!["check"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("unreachable", "ERROR", "unreachable", "Check the URL")]
    [InlineData("missing", "ERROR", "does not exist", "Fix the database")]
    [InlineData("empty", "OK", "no mail-flow data yet", "start the exporter")]
    [InlineData("no-url", "ERROR", "has no URL", "settings page")]
    [InlineData("no-rollups", "ERROR", "no rollups", "mailflow-exporter rollup --from")]
    public void CheckHealth_BrokenSetups_SayWhatIsWrongAndWhatToDo(string setup, string status, string diagnosis, string advice)
    {
        var settings = setup switch
        {
            "unreachable" => harness.Settings(url: "http://127.0.0.1:1"),
            "missing" => harness.Settings(database: "nope"),
            "empty" => harness.Settings(database: "empty"),
            "no-rollups" => harness.Settings(database: "minutes_only"),
            _ => harness.Settings(url: string.Empty),
        };

        var health = Health(settings);

        Assert.Equal(status, health["status"]!.GetValue<string>());
        Assert.Contains(diagnosis, health["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(advice, health["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void CheckHealth_MinutesWithoutRollupsAndRollupsOff_Ok()
    {
        var settings = harness.Settings(database: "minutes_only", lastUpdated: 2);
        settings["jsonData"]!["rollups"] = false;

        var health = Health(settings);

        Assert.Equal("OK", health["status"]!.GetValue<string>());
        Assert.Equal("ok", health["details"]!["check"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("", "set a user and password")]
    [InlineData("wrong-password", "Check the password of user 'admin'")]
    public void CheckHealth_CredentialsRefused_SaysWhichCredentialToFix(string password, string advice)
    {
        using var server = new AuthInfluxServer();
        var settings = harness.Settings(url: server.Url.ToString());
        if (password.Length > 0)
        {
            settings["jsonData"]!["user"] = AuthInfluxServer.User;
            settings["secureJsonData"]!["password"] = password;
        }
        else
        {
            settings["secureJsonData"] = new JsonObject();
        }

        var health = Health(settings);

        Assert.Equal("ERROR", health["status"]!.GetValue<string>());
        Assert.Contains("refused the credentials", health["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(advice, health["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", health["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void CallResource_EditorLists_JsonWithConnectorsFromTheRange()
    {
        var range = $"?from={PluginHarness.Day1.ToUnixTimeMilliseconds()}&to={PluginHarness.End.ToUnixTimeMilliseconds()}";
        var answer = harness.Host(new JsonObject
        {
            ["settings"] = harness.Settings(),
            ["resources"] = new JsonArray(
                new JsonObject { ["path"] = "connectors" + range },
                new JsonObject { ["path"] = "directions" },
                new JsonObject { ["path"] = "tls-versions" },
                new JsonObject { ["path"] = "nothing-here" }),
        });

        Assert.Empty(answer.Errors);
        var resources = answer.Json["resources"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.All(resources, r => Assert.Equal("application/json", r["contentType"]!.GetValue<string>()));
        var connectors = JsonNode.Parse(resources[0]["body"]!.GetValue<string>())!.AsArray();
        Assert.Equal(200, resources[0]["code"]!.GetValue<int>());
        var contoso = connectors.Single(c => c!["name"]!.GetValue<string>() == "Contoso")!;
        Assert.Equal(("Partner", "inbound", true, 100L), (contoso["connectorType"]!.GetValue<string>(), contoso["direction"]!.GetValue<string>(), contoso["forcedTls"]!.GetValue<bool>(), contoso["messages"]!.GetValue<long>()));
        Assert.Equal(4, connectors.Count);
        Assert.Equal("""["inbound","outbound","submission"]""", resources[1]["body"]!.GetValue<string>());
        Assert.Equal("""["none","SSLv3","TLS1.0","TLS1.1","TLS1.2","TLS1.3","unknown"]""", resources[2]["body"]!.GetValue<string>());
        Assert.Equal(404, resources[3]["code"]!.GetValue<int>());
    }

    [Fact]
    public void CollectMetrics_AfterQueries_PrometheusTextWithProcessAndQueryCounters()
    {
        var answer = harness.Host(new JsonObject
        {
            ["settings"] = harness.Settings(),
            ["queries"] = new JsonArray(PluginHarness.Query("A", new JsonObject { ["queryType"] = "summary" }), PluginHarness.Query("B", new JsonObject { ["queryType"] = "bogus" })),
            ["metrics"] = true,
        });

        var text = answer.Json["metrics"]!.GetValue<string>();
        Assert.Contains("# TYPE process_resident_memory_bytes gauge", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^process_resident_memory_bytes [1-9][0-9]+$", text);
        Assert.Matches(@"(?m)^process_cpu_seconds_total [0-9.]+", text);
        Assert.Contains("mailflow_plugin_queries_total{query_type=\"summary\",outcome=\"ok\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("mailflow_plugin_queries_total{query_type=\"invalid\",outcome=\"error\"} 1\n", text, StringComparison.Ordinal);
    }

    private JsonObject Health(JsonObject settings)
    {
        var answer = harness.Host(new JsonObject { ["settings"] = settings, ["health"] = true });
        Assert.Empty(answer.Errors);
        return answer.Json["health"]!.AsObject();
    }
}
