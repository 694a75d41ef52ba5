using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using MailFlow.Api.V1;
using MailFlow.Backend.Influx;
using MailFlow.Backend.Tests.Api;
using MailFlow.Backend.Tests.Dashboards;
using MailFlow.Testing;

namespace MailFlow.Backend.Tests.Questions;

/// <summary>
/// The SMTP TLS report questions behind the three faces: the sample reports go through the real <c>mailflow-exporter
/// report --tlsrpt --output json</c>, and through the real <c>mailflow-exporter tlsrpt</c> into a private influxd, asked
/// there through the public gRPC API over a real channel and through the packaged plugin under the Go host. The
/// per-policy shares, the failures by type, by organisation and per day, and the insight must be the same in all
/// three, and their sums must be the samples' totals counted independently (<see cref="TlsReportSamples.Count"/>).
/// </summary>
public sealed class TlsReportAgreementTests
{
    /// <summary>
    /// The whole sample week, and a window cut inside days (11-25 12:00 to 11-26 06:00): reports count by their day,
    /// so the second window holds the days 11-25 and 11-26 whole, and leaves Google's report of 11-24 out.
    /// </summary>
    public static TheoryData<string, string> Windows => new()
    {
        { "2026-11-20T00:00:00Z", "2026-11-27T00:00:00Z" },
        { "2026-11-25T12:00:00Z", "2026-11-26T06:00:00Z" },
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public async Task Report_Api_Plugin_GiveTheSameAnswers_AndTheSamplesTotals(string fromText, string toText)
    {
        var from = DateTimeOffset.Parse(fromText, CultureInfo.InvariantCulture);
        var to = DateTimeOffset.Parse(toText, CultureInfo.InvariantCulture);
        var (exit, output) = ExporterIngest.Run(["report", "--tlsrpt", TlsReportSamples.ReportsFolder, "--from", fromText, "--to", toText, "--output", "json"]);
        Assert.True(exit == 0, output);
        var report = FromReport(JsonNode.Parse(output[..(output.LastIndexOf('}') + 1)])!.AsObject());

        using var influx = new InfluxDbServer();
        influx.Query($"CREATE DATABASE {MailFlowData.Database}");
        var written = ExporterIngest.Run(["tlsrpt", TlsReportSamples.ReportsFolder, "--influx-url", influx.Url.ToString().TrimEnd('/'), "--influx-database", MailFlowData.Database]);
        Assert.True(written.ExitCode == 0, written.Output);

        Answers api;
        await using (var server = await ApiServer.StartAsync(new InfluxOptions { Url = influx.Url, Database = MailFlowData.Database }))
        {
            api = await FromApiAsync(server.Client, from, to);
        }

        var plugin = FromPlugin(influx, from, to);

        // The independent count: the sample files' JSON summed by day, policy domain and MX host.
        var expected = Expected(from, to);
        Assert.Equal(expected.Policies, report.Policies);
        Assert.Equal(expected.Types, report.Types);
        Assert.Equal(expected.Organizations, report.Organizations);
        Assert.Equal(expected.Days, report.Days);
        Assert.Equal(expected.Insights, report.Insights);
        foreach (var (face, answers) in new[] { ("gRPC API", api), ("plugin", plugin) })
        {
            Assert.True(report.Policies.SequenceEqual(answers.Policies), $"per policy, report vs {face}: {string.Join("; ", answers.Policies)}");
            Assert.True(report.Types.SequenceEqual(answers.Types), $"by result type, report vs {face}: {string.Join("; ", answers.Types)}");
            Assert.True(report.Organizations.SequenceEqual(answers.Organizations), $"by organisation, report vs {face}: {string.Join("; ", answers.Organizations)}");
            Assert.True(report.Days.SequenceEqual(answers.Days), $"per day, report vs {face}: {string.Join("; ", answers.Days)}");
            Assert.True(report.Insights.SequenceEqual(answers.Insights), $"insights, report vs {face}: {string.Join("; ", answers.Insights)}");
        }

        if (from.Day == 20)
        {
            // Over the whole week, the hand sums of TlsReportSamples: 8,906 successful, 367 failed, 147 certificate-expired...
            var byHand = TlsReportSamples.ByHand;
            Assert.Equal($"{byHand.Successful}/{byHand.Failed}", Sum(report.Days));
            Assert.Equal($"{byHand.Successful}/{byHand.Failed}", Sum(report.Organizations));
            Assert.Equal(byHand.FailedByResultType.ToDictionary(t => t.Key, t => t.Value), report.Types.ToDictionary(t => t.Split('=')[0], t => long.Parse(t.Split('=')[1], CultureInfo.InvariantCulture)));

            // Only example.com's MX pair (8,506 + 350 sessions, 3.95 %) is at least 2 % with at least 100 sessions.
            Assert.Equal(["SendersReportTlsFailures|Senders report TLS failures reaching mx1.example.com,mx2.example.com|8856|350|3.95"], report.Insights);
        }
    }

    /// <summary>Every answer as text: "domain|mx=ok/failed/pct", "type=sessions", "org=ok/failed/pct", "yyyy-MM-dd=ok/failed/pct", insights in order.</summary>
    private sealed record Answers(List<string> Policies, List<string> Types, List<string> Organizations, List<string> Days, List<string> Insights);

    private static Answers NewAnswers() => new([], [], [], [], []);

    private static string Counts(long successful, long failed, double percent) => string.Create(CultureInfo.InvariantCulture, $"{successful}/{failed}/{percent:0.00}");

    private static string Insight(string id, string title, long sessions, long failed, double percent) => string.Create(CultureInfo.InvariantCulture, $"{id}|{title}|{sessions}|{failed}|{percent:0.00}");

    private static string Sum(IEnumerable<string> rows)
    {
        long successful = 0, failed = 0;
        foreach (var counts in rows.Select(r => r[(r.LastIndexOf('=') + 1)..].Split('/')))
        {
            successful += long.Parse(counts[0], CultureInfo.InvariantCulture);
            failed += long.Parse(counts[1], CultureInfo.InvariantCulture);
        }

        return $"{successful}/{failed}";
    }

    private static Answers FromReport(JsonObject json)
    {
        var answers = NewAnswers();
        foreach (var p in json["policies"]!.AsArray())
        {
            answers.Policies.Add($"{p!["policyDomain"]}|{p["mxHost"]}=" + Counts((long)p["successful"]!, (long)p["failed"]!, (double)p["failedPercent"]!));
        }

        foreach (var t in json["resultTypes"]!.AsArray())
        {
            answers.Types.Add($"{t!["resultType"]}={(long)t["sessions"]!}");
        }

        foreach (var o in json["organizations"]!.AsArray())
        {
            answers.Organizations.Add($"{o!["organization"]}=" + Counts((long)o["successful"]!, (long)o["failed"]!, (double)o["failedPercent"]!));
        }

        foreach (var d in json["days"]!.AsArray())
        {
            answers.Days.Add($"{d!["date"]}=" + Counts((long)d["successful"]!, (long)d["failed"]!, (double)d["failedPercent"]!));
        }

        foreach (var i in json["insights"]!.AsArray())
        {
            answers.Insights.Add(Insight((string)i!["id"]!, (string)i["title"]!, (long)i["totalSessions"]!, (long)i["failedSessions"]!, (double)i["failedPercent"]!));
        }

        return answers;
    }

    private static async Task<Answers> FromApiAsync(MailFlowInsights.MailFlowInsightsClient client, DateTimeOffset from, DateTimeOffset to)
    {
        var answers = NewAnswers();
        Filter Window() => new() { From = Timestamp.FromDateTimeOffset(from), To = Timestamp.FromDateTimeOffset(to) };
        foreach (var p in (await client.GetTlsReportPoliciesAsync(new GetTlsReportPoliciesRequest { Filter = Window() })).Policies)
        {
            answers.Policies.Add($"{p.PolicyDomain}|{p.MxHost}=" + Counts(p.Sessions.Successful, p.Sessions.Failed, p.Sessions.FailedPercent));
        }

        foreach (var t in (await client.GetTlsReportFailureTypesAsync(new GetTlsReportFailureTypesRequest { Filter = Window() })).FailureTypes)
        {
            answers.Types.Add($"{t.ResultType}={t.Sessions}");
        }

        foreach (var o in (await client.GetTlsReportOrganizationsAsync(new GetTlsReportOrganizationsRequest { Filter = Window() })).Organizations)
        {
            answers.Organizations.Add($"{o.Organization}=" + Counts(o.Sessions.Successful, o.Sessions.Failed, o.Sessions.FailedPercent));
        }

        foreach (var d in (await client.GetTlsReportDaysAsync(new GetTlsReportDaysRequest { Filter = Window() })).Days)
        {
            answers.Days.Add(d.Day.ToDateTimeOffset().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "=" + Counts(d.Sessions.Successful, d.Sessions.Failed, d.Sessions.FailedPercent));
        }

        foreach (var i in (await client.GetTlsReportInsightsAsync(new GetTlsReportInsightsRequest { Filter = Window() })).Insights)
        {
            answers.Insights.Add(Insight(i.Id, i.Title, i.Sessions.Successful + i.Sessions.Failed, i.Sessions.Failed, i.Sessions.FailedPercent));
        }

        return answers;
    }

    private static Answers FromPlugin(InfluxDbServer influx, DateTimeOffset from, DateTimeOffset to)
    {
        var settings = new JsonObject
        {
            ["id"] = 1,
            ["uid"] = GrafanaFiles.DataSourceUid,
            ["name"] = "MailFlow",
            ["url"] = influx.Url.ToString().TrimEnd('/'),
            ["jsonData"] = new JsonObject { ["influxVersion"] = "1", ["database"] = MailFlowData.Database },
            ["secureJsonData"] = new JsonObject(),
        };
        HostQuery Query(string queryType) => new(queryType, from, to, 1000, 86_400_000, new JsonObject { ["refId"] = queryType, ["queryType"] = queryType });
        var answer = DashboardPluginHost.Instance.Query(settings,
            [Query("tlsrptPolicies"), Query("tlsrptFailureTypes"), Query("tlsrptOrganizations"), Query("tlsrptDays"), Query("tlsrptInsights")]);

        IReadOnlyList<Dictionary<string, JsonNode?>> Rows(string refId) => DecodedFrames.Rows(Assert.Single(DecodedFrames.Of(answer, refId, refId)));
        var answers = NewAnswers();
        foreach (var p in Rows("tlsrptPolicies"))
        {
            answers.Policies.Add($"{DecodedFrames.Text(p["policy_domain"])}|{DecodedFrames.Text(p["mx_host"])}=" + Counts(DecodedFrames.Long(p["successful"]), DecodedFrames.Long(p["failed"]), DecodedFrames.Double(p["failed_pct"])));
        }

        foreach (var t in Rows("tlsrptFailureTypes"))
        {
            answers.Types.Add($"{DecodedFrames.Text(t["result_type"])}={DecodedFrames.Long(t["sessions"])}");
        }

        foreach (var o in Rows("tlsrptOrganizations"))
        {
            answers.Organizations.Add($"{DecodedFrames.Text(o["organization"])}=" + Counts(DecodedFrames.Long(o["successful"]), DecodedFrames.Long(o["failed"]), DecodedFrames.Double(o["failed_pct"])));
        }

        foreach (var d in Rows("tlsrptDays"))
        {
            // Timestamps decode as milliseconds or nanoseconds since the epoch, depending on the unit.
            var time = DecodedFrames.Long(d["time"]);
            var day = DateTimeOffset.FromUnixTimeMilliseconds(time > 100_000_000_000_000 ? time / 1_000_000 : time);
            answers.Days.Add(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "=" + Counts(DecodedFrames.Long(d["successful"]), DecodedFrames.Long(d["failed"]), DecodedFrames.Double(d["failed_pct"])));
        }

        foreach (var i in Rows("tlsrptInsights"))
        {
            answers.Insights.Add(Insight(DecodedFrames.Text(i["id"])!, DecodedFrames.Text(i["insight"])!, DecodedFrames.Long(i["sessions"]), DecodedFrames.Long(i["failed"]), DecodedFrames.Double(i["failed_pct"])));
        }

        return answers;
    }

    /// <summary>
    /// The answers counted straight from the sample files' JSON (not with the program's reader): a report's day is the
    /// UTC date of the middle of its date-range; a policy's MX hosts are its mx-host entries (a list, or a string as
    /// Microsoft's sample writes it), lower case, sorted and joined with commas. The insight uses the documented
    /// defaults: 2 % failed with at least 100 sessions.
    /// </summary>
    private static Answers Expected(DateTimeOffset from, DateTimeOffset to)
    {
        var policies = new SortedDictionary<string, (long Ok, long Failed)>(StringComparer.Ordinal);
        var organizations = new Dictionary<string, (long Ok, long Failed)>(StringComparer.Ordinal);
        var days = new SortedDictionary<string, (long Ok, long Failed)>(StringComparer.Ordinal);
        var types = new Dictionary<string, long>(StringComparer.Ordinal);
        var firstDay = from.UtcDateTime.Date;
        var endDay = to.UtcDateTime.TimeOfDay == TimeSpan.Zero ? to.UtcDateTime.Date : to.UtcDateTime.Date.AddDays(1);
        for (var day = firstDay; day < endDay; day = day.AddDays(1))
        {
            days[day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)] = (0, 0);
        }

        foreach (var (_, bytes) in TlsReportSamples.Files())
        {
            using var json = JsonDocument.Parse(TlsReportSamples.Json(bytes));
            var root = json.RootElement;
            var range = root.GetProperty("date-range");
            var start = DateTimeOffset.Parse(range.GetProperty("start-datetime").GetString()!, CultureInfo.InvariantCulture);
            var end = DateTimeOffset.Parse(range.GetProperty("end-datetime").GetString()!, CultureInfo.InvariantCulture);
            var reportDay = (start.UtcDateTime + ((end - start) / 2)).Date;
            if (reportDay < firstDay || reportDay >= endDay)
            {
                continue;
            }

            var organization = root.GetProperty("organization-name").GetString()!;
            var dayKey = reportDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            foreach (var policy in root.GetProperty("policies").EnumerateArray())
            {
                var applied = policy.GetProperty("policy");
                var domain = applied.GetProperty("policy-domain").GetString()!.ToLowerInvariant().TrimEnd('.');
                var mx = !applied.TryGetProperty("mx-host", out var hosts) ? []
                    : hosts.ValueKind == JsonValueKind.String ? [hosts.GetString()!]
                    : hosts.EnumerateArray().Select(h => h.GetString()!).ToArray();
                var mxKey = string.Join(",", mx.Select(h => h.ToLowerInvariant().TrimEnd('.')).Where(h => h.Length > 0).Distinct().Order(StringComparer.Ordinal));
                var summary = policy.GetProperty("summary");
                var ok = Number(summary.GetProperty("total-successful-session-count"));
                var failed = Number(summary.GetProperty("total-failure-session-count"));
                Add(policies, $"{domain}|{mxKey}", ok, failed);
                Add(organizations, organization, ok, failed);
                Add(days, dayKey, ok, failed);
                if (policy.TryGetProperty("failure-details", out var details))
                {
                    foreach (var detail in details.EnumerateArray())
                    {
                        var type = detail.GetProperty("result-type").GetString()!;
                        types[type] = types.GetValueOrDefault(type) + Number(detail.GetProperty("failed-session-count"));
                    }
                }
            }
        }

        var answers = NewAnswers();
        answers.Policies.AddRange(policies.Where(p => p.Value.Ok + p.Value.Failed > 0).Select(p => $"{p.Key}=" + Counts(p.Value.Ok, p.Value.Failed, Percent(p.Value))));
        answers.Types.AddRange(types.Where(t => t.Value > 0).OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));
        answers.Organizations.AddRange(organizations.Where(o => o.Value.Ok + o.Value.Failed > 0).OrderByDescending(o => o.Value.Failed).ThenBy(o => o.Key, StringComparer.Ordinal)
            .Select(o => $"{o.Key}=" + Counts(o.Value.Ok, o.Value.Failed, Percent(o.Value))));
        answers.Days.AddRange(days.Select(d => $"{d.Key}=" + Counts(d.Value.Ok, d.Value.Failed, Percent(d.Value))));
        answers.Insights.AddRange(policies
            .Where(p => p.Value.Ok + p.Value.Failed >= 100 && p.Value.Failed > 0 && Percent(p.Value) >= 2)
            .OrderByDescending(p => Percent(p.Value)).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => Insight("SendersReportTlsFailures", "Senders report TLS failures reaching " + (p.Key.Split('|')[1] is { Length: > 0 } mx ? mx : p.Key.Split('|')[0]), p.Value.Ok + p.Value.Failed, p.Value.Failed, Percent(p.Value))));
        return answers;
    }

    private static void Add<TDictionary>(TDictionary sums, string key, long ok, long failed)
        where TDictionary : IDictionary<string, (long Ok, long Failed)>
    {
        var previous = sums.TryGetValue(key, out var found) ? found : (0, 0);
        sums[key] = (previous.Ok + ok, previous.Failed + failed);
    }

    private static double Percent((long Ok, long Failed) counts) => counts.Ok + counts.Failed == 0 ? 0 : 100.0 * counts.Failed / (counts.Ok + counts.Failed);

    private static long Number(JsonElement element) => element.ValueKind == JsonValueKind.String ? long.Parse(element.GetString()!, CultureInfo.InvariantCulture) : element.GetInt64();
}
