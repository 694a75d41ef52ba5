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

    /// <summary>
    /// Each diagnosis of "Save &amp; test", shown on the data source page: the advice names the page's own fields
    /// (URL, Version, Database, Bucket, Rollups, the TLS 1.0 insight's fields), never a command-line flag (checked
    /// for every message in <see cref="Health"/>); naming the exporter's command to run is fine.
    /// </summary>
    [Theory]
    [InlineData("unreachable", "ERROR", "InfluxDB is unreachable at http://127.0.0.1:1/", "Check the URL on this page")]
    [InlineData("missing", "ERROR", "the database 'nope' does not exist", "Fix the Database on this page (the Bucket on InfluxDB 2.x)")]
    [InlineData("empty", "OK", "no mail-flow data yet", "start the exporter (mailflow-exporter)")]
    [InlineData("no-url", "ERROR", "has no URL", "set the InfluxDB URL (e.g. http://influxdb:8086) on its settings page")]
    [InlineData("no-rollups", "ERROR", "no rollups ('mailflow_messages_1d')", "Run the exporter's rollup command (mailflow-exporter rollup)")]
    [InlineData("no-rollups", "ERROR", "no rollups", "or turn off the Rollups switch on this page")]
    [InlineData("bad-version", "ERROR", "the Version '3' is not supported", "choose InfluxDB 1.x / 3.x or InfluxDB 2.x on the data source's settings page")]
    [InlineData("no-bucket", "ERROR", "InfluxDB 2.x needs a bucket", "set it on the data source's settings page")]
    [InlineData("bad-threshold", "ERROR", "the TLS 1.0 insight threshold 'lots'", "is not a percentage between 0 and 100")]
    [InlineData("bad-minimum", "ERROR", "the TLS 1.0 insight's minimum messages '0'", "is not a whole number of at least 1")]
    public void CheckHealth_BrokenSetups_SayWhatIsWrongAndWhichFieldToFix(string setup, string status, string diagnosis, string advice)
    {
        var settings = setup switch
        {
            "unreachable" => harness.Settings(url: "http://127.0.0.1:1"),
            "missing" => harness.Settings(database: "nope"),
            "empty" => harness.Settings(database: "empty"),
            "no-rollups" => harness.Settings(database: "minutes_only"),
            "no-url" => harness.Settings(url: string.Empty),
            _ => harness.Settings(),
        };
        var jsonData = settings["jsonData"]!.AsObject();
        switch (setup)
        {
            case "bad-version":
                jsonData["influxVersion"] = "3";
                break;
            case "no-bucket":
                jsonData["influxVersion"] = "2";
                jsonData.Remove("database");
                break;
            case "bad-threshold":
                jsonData["legacyTlsThresholdPercent"] = "lots";
                break;
            case "bad-minimum":
                jsonData["legacyTlsMinMessages"] = 0;
                break;
        }

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
    [InlineData("", "fill in User and Password (InfluxDB 1.x) or choose InfluxDB 2.x and fill in Token on this page")]
    [InlineData("wrong-password", "Check the Password of User 'admin' on this page")]
    [InlineData("token", "Check the Token on this page")]
    public void CheckHealth_CredentialsRefused_SaysWhichCredentialToFix(string password, string advice)
    {
        using var server = new AuthInfluxServer();
        var settings = harness.Settings(url: server.Url.ToString());
        if (password == "token")
        {
            // InfluxDB 2.x settings: the token is sent, and this server refuses it.
            settings["jsonData"]!["influxVersion"] = "2";
            settings["secureJsonData"] = new JsonObject { ["token"] = "not-a-valid-token" };
        }
        else if (password.Length > 0)
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
        Assert.DoesNotContain("not-a-valid-token", health["message"]!.GetValue<string>(), StringComparison.Ordinal);
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
        var health = answer.Json["health"]!.AsObject();

        // Shown on Grafana's data source page, where command-line flags (--influx-url...) mean nothing.
        Assert.DoesNotMatch(@"--[a-z]", health["message"]!.GetValue<string>());
        return health;
    }
}
