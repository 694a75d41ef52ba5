using MailFlow.Backend.Plugin.Frames;
using MailFlow.Backend.Query;
using MailFlow.Contracts.Vocabulary;

using MailFlow.Questions;

namespace MailFlow.Backend.Plugin;

/// <summary>
/// The query types of the plugin's query model (<c>queryType</c>). A new type is a value here and its entry in
/// <see cref="QueryTypes.Build"/>; the compiler refuses a value without an entry (CS8509 is an error). Its question
/// belongs in MailFlow.Questions (shared with the report and the API) and is asked through
/// <see cref="IMailFlowQueries.AskAsync"/>, so the engine's interface does not grow.
/// </summary>
internal enum PluginQueryType
{
    Summary,
    TimeSeries,
    ConnectorReport,
    Insights,
    Peers,
    ConnectorTlsShare,
    Connectors,
    Thresholds,

    // Transit security (issue 13): TransitSecurityQueries.
    SecurityDirections,
    SecurityConnectors,
    SecurityAuthSeries,
    SecurityCipherSeries,
    Blocked,
    PlaintextDomains,
    SecurityInsights,
    SecurityInsightShares,
    // SMTP TLS reports (RFC 8460): QueryTypes.TlsReports.cs.
    TlsReportPolicies,
    TlsReportFailureTypes,
    TlsReportOrganizations,
    TlsReportDays,
    TlsReportInsights,
    TlsReportInsightShares,

    // Transit security, continued: the peers to contact.
    SecurityPeers,
}

/// <summary>What a query type's entry runs with.</summary>
/// <param name="Thresholds">The data source's insight thresholds (jsonData).</param>
/// <param name="Executed">The InfluxQL statements run so far, for the frames' meta (Grafana's query inspector).</param>
internal sealed record QueryRun(PluginQuery Query, IMailFlowQueries Engine, InsightThresholds Thresholds, Func<string?> Executed);

/// <summary>One query type: its wire name (<c>queryType</c>) and how it runs (request, engine call, frames).</summary>
internal sealed record QueryTypeEntry(PluginQueryType Type, string WireName, Func<QueryRun, CancellationToken, Task<IReadOnlyList<DataFrame>>> RunAsync);

/// <summary>
/// The table of query types: each is one entry of <see cref="Build"/> — its wire name, how its engine request is
/// made from the parsed model (<see cref="PluginQuery"/>), the engine call, and how the answer becomes frames, as the
/// README's query model describes them (field names, types, units, labels). Nothing here knows InfluxDB.
/// </summary>
internal static partial class QueryTypes
{
    /// <summary>Every query type in <see cref="PluginQueryType"/> order (the editor's and error messages' order).</summary>
    public static IReadOnlyList<QueryTypeEntry> All { get; } = [.. Enum.GetValues<PluginQueryType>().Select(Build)];

    /// <summary>The entry of a query type.</summary>
    public static QueryTypeEntry Of(PluginQueryType type) =>
        (uint)type < (uint)All.Count ? All[(int)type] : throw new ArgumentOutOfRangeException(nameof(type), type, "not a query type");

    /// <summary>The query type of a wire name (case-insensitive), or false.</summary>
    public static bool TryParse(string text, out PluginQueryType type)
    {
        foreach (var entry in All)
        {
            if (string.Equals(entry.WireName, text, StringComparison.OrdinalIgnoreCase))
            {
                type = entry.Type;
                return true;
            }
        }

        type = default;
        return false;
    }

    /// <summary>The wire names of every query type, for the editor's list and error messages.</summary>
    public static IEnumerable<string> WireNames => All.Select(entry => entry.WireName);

    // No discard arm: a value without an entry is a compile error (CS8509), not a silently wrong answer. CS8524 only
    // concerns unnamed values (casts), which Of refuses before they get here.
#pragma warning disable CS8524
    private static QueryTypeEntry Build(PluginQueryType type) => type switch
    {
        PluginQueryType.Summary => Entry(type, "summary",
            static run => run.Query.Filter,
            static (engine, filter, ct) => engine.GetTlsSummaryAsync(filter, ct),
            static (answer, _, executed) => [Summary(answer, executed)]),
        PluginQueryType.TimeSeries => Entry(type, "timeseries",
            static run => new TlsTimeSeriesRequest(run.Query.Filter, run.Query.Interval, run.Query.MaxPoints),
            static (engine, request, ct) => engine.GetTlsTimeSeriesAsync(request, ct),
            static (answer, query, executed) => TimeSeries(answer, query.Percent, executed)),
        PluginQueryType.ConnectorReport => Entry(type, "connectorReport",
            static run => new ConnectorReportRequest(run.Query.Filter, run.Query.PerDay),
            static (engine, request, ct) => engine.GetConnectorReportAsync(request, ct),
            static (answer, _, executed) => [ConnectorReport(answer, executed)]),
        PluginQueryType.Insights => Entry(type, "insights",
            static run => new InsightsRequest(run.Query.Filter, QueryThresholds(run)),
            static (engine, request, ct) => engine.GetInsightsAsync(request, ct),
            static (answer, _, executed) => [Insights(answer, executed)]),
        PluginQueryType.Peers => Entry(type, "peers",
            static run => new LegacyPeersRequest(run.Query.Filter, run.Query.Limit),
            static (engine, request, ct) => engine.GetLegacyPeersAsync(request, ct),
            static (answer, _, executed) => [Peers(answer, executed)]),
        PluginQueryType.ConnectorTlsShare => Entry(type, "connectorTlsShare",
            static run => new ConnectorTlsShareRequest(run.Query.Filter, run.Query.MinMessages ?? run.Thresholds.MinMessages),
            static (engine, request, ct) => engine.GetConnectorTlsSharesAsync(request, ct),
            static (answer, _, executed) => ConnectorTlsShares(answer, executed)),
        PluginQueryType.Connectors => Entry(type, "connectors",
            static run => run.Query.Filter,
            static (engine, filter, ct) => engine.GetConnectorsAsync(filter, ct),
            static (answer, _, executed) => [Connectors(answer, executed)]),
        PluginQueryType.Thresholds => Entry(type, "thresholds",
            static run => run.Thresholds,
            static (_, thresholds, _) => Task.FromResult(thresholds),
            static (answer, _, _) => [Thresholds(answer)]),

        // Transit security (issue 13).
        PluginQueryType.SecurityDirections => Entry(type, "securityDirections",
            static run => run.Query.Filter,
            static (engine, filter, ct) => engine.GetSecurityDirectionsAsync(filter, ct),
            static (answer, _, executed) => [SecurityBreakdown("securityDirections", answer.Select(d => (d.Direction, (ConnectorSecurity?)null, d.Messages)), executed)]),
        PluginQueryType.SecurityConnectors => Entry(type, "securityConnectors",
            static run => run.Query.Filter,
            static (engine, filter, ct) => engine.GetTransitSecurityAsync(filter, ct),
            static (answer, _, executed) => [SecurityBreakdown("securityConnectors", answer.Connectors.Select(c => (c.Direction, (ConnectorSecurity?)c, c.Messages)), executed)]),
        PluginQueryType.SecurityAuthSeries => Entry(type, "securityAuthSeries",
            static run => new SecurityTimeSeriesRequest(run.Query.Filter, SecurityDimension.Auth, run.Query.Interval, run.Query.MaxPoints),
            static (engine, request, ct) => engine.GetSecurityTimeSeriesAsync(request, ct),
            static (answer, query, executed) => SecuritySeries(answer, query.Percent, executed)),
        PluginQueryType.SecurityCipherSeries => Entry(type, "securityCipherSeries",
            static run => new SecurityTimeSeriesRequest(run.Query.Filter, SecurityDimension.Cipher, run.Query.Interval, run.Query.MaxPoints),
            static (engine, request, ct) => engine.GetSecurityTimeSeriesAsync(request, ct),
            static (answer, query, executed) => SecuritySeries(answer, query.Percent, executed)),
        PluginQueryType.Blocked => Entry(type, "blocked",
            static run => run,
            static (engine, run, ct) => engine.GetBlockedAsync(run.Query.Filter, run.Query.Limit, ct),
            static (answer, _, executed) => [Blocked(answer, executed)]),
        PluginQueryType.PlaintextDomains => Entry(type, "plaintextDomains",
            static run => run,
            static (engine, run, ct) => engine.GetPlaintextDomainsAsync(run.Query.Filter, run.Query.Limit, ct),
            static (answer, _, executed) => [PlaintextDomains(answer, executed)]),
        PluginQueryType.SecurityInsights => Entry(type, "securityInsights",
            static run => run.Query.Filter,
            static (engine, filter, ct) => engine.GetSecurityInsightsAsync(filter, ct),
            static (answer, _, executed) => [SecurityInsights(answer, executed)]),
        PluginQueryType.SecurityInsightShares => Entry(type, "securityInsightShares",
            static run => run.Query.Filter,
            static (engine, filter, ct) => engine.GetSecurityInsightsAsync(filter, ct),
            static (answer, query, executed) => SecurityInsightShares(answer, query.SecurityInsight, executed)),
        // SMTP TLS reports (RFC 8460).
        PluginQueryType.TlsReportPolicies => Entry(type, "tlsrptPolicies",
            static run => run.Query.Filter,
            static (engine, filter, ct) => engine.AskTlsReportsAsync("tlsrpt_policies", filter, static (totals, c) => TlsReportQuestions.FailedShareByPolicyAsync(totals, c), ct),
            static (answer, _, executed) => [TlsReportPolicies(answer, executed)]),
        PluginQueryType.TlsReportFailureTypes => Entry(type, "tlsrptFailureTypes",
            static run => run.Query.Filter,
            static (engine, filter, ct) => engine.AskTlsReportsAsync("tlsrpt_failure_types", filter, static (totals, c) => TlsReportQuestions.FailuresByResultTypeAsync(totals, c), ct),
            static (answer, _, executed) => [TlsReportFailureTypes(answer, executed)]),
        PluginQueryType.TlsReportOrganizations => Entry(type, "tlsrptOrganizations",
            static run => run.Query.Filter,
            static (engine, filter, ct) => engine.AskTlsReportsAsync("tlsrpt_organizations", filter, static (totals, c) => TlsReportQuestions.FailuresByOrganizationAsync(totals, c), ct),
            static (answer, _, executed) => [TlsReportOrganizations(answer, executed)]),
        PluginQueryType.TlsReportDays => Entry(type, "tlsrptDays",
            static run => run.Query.Filter,
            static (engine, filter, ct) => engine.AskTlsReportsAsync("tlsrpt_days", filter, static (totals, c) => TlsReportQuestions.FailuresPerDayAsync(totals, c), ct),
            static (answer, _, executed) => [TlsReportDays(answer, executed)]),
        PluginQueryType.TlsReportInsights => Entry(type, "tlsrptInsights",
            static run => (run.Query.Filter, Thresholds: TlsReportQueryThresholds(run.Query)),
            static (engine, request, ct) => engine.AskTlsReportsAsync("tlsrpt_insights", request.Filter, (totals, c) => TlsReportQuestions.InsightsAsync(totals, request.Thresholds, c), ct),
            static (answer, _, executed) => [TlsReportInsights(answer, executed)]),
        PluginQueryType.TlsReportInsightShares => Entry(type, "tlsrptInsightShares",
            static run => (run.Query.Filter, Thresholds: TlsReportQueryThresholds(run.Query)),
            static (engine, request, ct) => engine.AskTlsReportsAsync("tlsrpt_insights", request.Filter, (totals, c) => TlsReportQuestions.InsightsAsync(totals, request.Thresholds, c), ct),
            static (answer, _, executed) => TlsReportInsightShares(answer, executed)),
        PluginQueryType.SecurityPeers => Entry(type, "securityPeers",
            static run => run,
            static (engine, run, ct) => engine.GetSecurityPeersAsync(run.Query.Filter, run.Query.Limit, ct),
            static (answer, _, executed) => [SecurityPeers(answer, executed)]),
    };
#pragma warning restore CS8524

    /// <summary>
    /// An entry from its three steps: the engine request from the parsed model and the data source's settings, the
    /// engine call, and the frames of the answer (given the statements the call ran).
    /// </summary>
    private static QueryTypeEntry Entry<TRequest, TAnswer>(
        PluginQueryType type,
        string wireName,
        Func<QueryRun, TRequest> request,
        Func<IMailFlowQueries, TRequest, CancellationToken, Task<TAnswer>> ask,
        Func<TAnswer, PluginQuery, string?, IReadOnlyList<DataFrame>> frames) =>
        new(type, wireName, async (run, cancellationToken) =>
        {
            var answer = await ask(run.Engine, request(run), cancellationToken).ConfigureAwait(false);
            return frames(answer, run.Query, run.Executed());
        });

    /// <summary>Insights: the data source's thresholds, the query's own thresholdPct and minMessages winning.</summary>
    private static InsightThresholds QueryThresholds(QueryRun run)
    {
        var thresholds = run.Thresholds;
        if (run.Query.ThresholdPercent is { } percent)
        {
            thresholds = thresholds with { LegacySharePercent = percent };
        }

        if (run.Query.MinMessages is { } min)
        {
            thresholds = thresholds with { MinMessages = min };
        }

        return thresholds;
    }

    /// <summary>summary: direction, tls, messages, percent; every direction with messages x every TLS version.</summary>
    internal static DataFrame Summary(TlsSummary summary, string? executed)
    {
        var direction = FrameField.String("direction");
        var tls = FrameField.String("tls");
        var messages = FrameField.Int64("messages", FieldConfig.Messages);
        var percent = FrameField.Float64("percent", FieldConfig.Percent);
        foreach (var row in summary.Rows())
        {
            direction.Add(row.Direction.ToWire());
            tls.Add(row.Tls.ToWire());
            messages.Add(row.Messages);
            percent.Add(row.Percent);
        }

        return new DataFrame("summary", FrameMeta.ForTable(executed), direction, tls, messages, percent);
    }

    /// <summary>timeseries: one frame per (direction, tls): time + value, labelled, displayed "inbound TLS1.2".</summary>
    internal static IReadOnlyList<DataFrame> TimeSeries(TlsTimeSeries answer, bool percent, string? executed)
    {
        var frames = new List<DataFrame>(answer.Series.Count);
        foreach (var series in answer.Series)
        {
            var name = series.Direction.ToWire() + " " + series.Tls.ToWire();
            var time = FrameField.Time("time");
            var value = FrameField.Float64("value", percent ? FieldConfig.Percent with { DisplayName = name } : FieldConfig.Messages with { DisplayName = name })
                .WithLabels(("direction", series.Direction.ToWire()), ("tls", series.Tls.ToWire()));
            foreach (var point in series.Points)
            {
                time.Add(point.Time);
                value.Add(percent ? point.Percent : point.Messages);
            }

            frames.Add(new DataFrame(name, FrameMeta.ForTimeSeriesMulti(executed), time, value));
        }

        return frames;
    }

    /// <summary>connectorReport: Microsoft's Connector report, one row per day per connector and direction.</summary>
    internal static DataFrame ConnectorReport(IReadOnlyList<ConnectorReportRow> rows, string? executed)
    {
        var date = FrameField.Time("date");
        var direction = FrameField.String("direction");
        var connector = FrameField.String("connector");
        var type = FrameField.String("connector_type");
        var forced = FrameField.Bool("forced_tls", new FieldConfig(DisplayName: "Forced TLS"));
        var none = FrameField.Float64("none_pct", FieldConfig.Percent with { DisplayName = "No TLS %" });
        var tls10 = FrameField.Float64("tls10_pct", FieldConfig.Percent with { DisplayName = "TLS 1.0 %" });
        var tls11 = FrameField.Float64("tls11_pct", FieldConfig.Percent with { DisplayName = "TLS 1.1 %" });
        var tls12 = FrameField.Float64("tls12_pct", FieldConfig.Percent with { DisplayName = "TLS 1.2 %" });
        var tls13 = FrameField.Float64("tls13_pct", FieldConfig.Percent with { DisplayName = "TLS 1.3 %" });
        var unknown = FrameField.Float64("unknown_pct", FieldConfig.Percent with { DisplayName = "Unknown TLS %" });
        var messages = FrameField.Int64("messages", FieldConfig.Messages with { DisplayName = "Volume" });
        foreach (var row in rows)
        {
            date.Add(row.Date);
            direction.Add(row.Direction.ToWire());
            connector.Add(row.Connector);
            type.Add(row.ConnectorType.ToWire());
            forced.Add(row.ForcedTls);
            none.Add(row.Messages.Percent(TlsVersion.None));
            tls10.Add(row.Messages.Percent(TlsVersion.Tls10));
            tls11.Add(row.Messages.Percent(TlsVersion.Tls11));
            tls12.Add(row.Messages.Percent(TlsVersion.Tls12));
            tls13.Add(row.Messages.Percent(TlsVersion.Tls13));
            unknown.Add(row.Messages.Percent(TlsVersion.Unknown));
            messages.Add(row.Messages.Total);
        }

        return new DataFrame("connectorReport", FrameMeta.ForTable(executed), date, direction, connector, type, forced, none, tls10, tls11, tls12, tls13, unknown, messages);
    }

    /// <summary>insights: the active insights with their share, threshold and stable id.</summary>
    internal static DataFrame Insights(IReadOnlyList<Insight> insights, string? executed) =>
        ConnectorInsights("insights", withTls: true, insights.Select(i => new ConnectorInsightRow(
            i.Title, i.SeverityWire, i.Direction, i.Connector, i.ConnectorType, i.Tls, i.SharePercent, i.Messages, i.ThresholdPercent, i.Id)), executed);

    /// <summary>An insight on one connector and direction, legacy TLS (<see cref="Insight"/>) or transit security (<see cref="SecurityInsight"/>).</summary>
    private readonly record struct ConnectorInsightRow(
        string Title, string Severity, Direction Direction, string Connector, ConnectorType ConnectorType, TlsVersion? Tls, double SharePercent, long Messages, double ThresholdPercent, string Id);

    /// <summary>
    /// insights / securityInsights: insight, severity, direction, connector, connector_type, [tls,] share_pct,
    /// messages, threshold_pct, id. id last: panels made before it keep their columns.
    /// </summary>
    private static DataFrame ConnectorInsights(string name, bool withTls, IEnumerable<ConnectorInsightRow> rows, string? executed)
    {
        var title = FrameField.String("insight");
        var severity = FrameField.String("severity");
        var direction = FrameField.String("direction");
        var connector = FrameField.String("connector");
        var type = FrameField.String("connector_type");
        var tls = FrameField.String("tls");
        var share = FrameField.Float64("share_pct", FieldConfig.Percent);
        var messages = FrameField.Int64("messages", FieldConfig.Messages);
        var threshold = FrameField.Float64("threshold_pct", FieldConfig.Percent);
        var id = FrameField.String("id");
        foreach (var row in rows)
        {
            title.Add(row.Title);
            severity.Add(row.Severity);
            direction.Add(row.Direction.ToWire());
            connector.Add(row.Connector);
            type.Add(row.ConnectorType.ToWire());
            if (withTls)
            {
                tls.Add(row.Tls!.Value.ToWire());
            }

            share.Add(row.SharePercent);
            messages.Add(row.Messages);
            threshold.Add(row.ThresholdPercent);
            id.Add(row.Id);
        }

        return new DataFrame(name, FrameMeta.ForTable(executed), [title, severity, direction, connector, type, .. withTls ? [tls] : Array.Empty<FrameField>(), share, messages, threshold, id]);
    }

    /// <summary>peers: remote peers still on plaintext or legacy TLS, busiest first; <c>sources</c> lists their mail servers.</summary>
    internal static DataFrame Peers(IReadOnlyList<LegacyPeer> peers, string? executed)
    {
        var peer = FrameField.String("peer");
        var direction = FrameField.String("direction");
        var connector = FrameField.String("connector");
        var tls = FrameField.String("tls");
        var messages = FrameField.Int64("messages", FieldConfig.Messages);
        var lastSeen = FrameField.Time("last_seen", new FieldConfig(DisplayName: "Last seen"));
        var sources = FrameField.String("sources", new FieldConfig(DisplayName: "Mail servers"));
        foreach (var row in peers)
        {
            peer.Add(row.Peer);
            direction.Add(row.Direction.ToWire());
            connector.Add(row.Connector);
            tls.Add(row.Tls.ToWire());
            messages.Add(row.Messages);
            lastSeen.Add(row.LastSeen);
            sources.Add(string.Join(", ", row.Sources));
        }

        return new DataFrame("peers", FrameMeta.ForTable(executed), peer, direction, connector, tls, messages, lastSeen, sources);
    }

    /// <summary>connectorTlsShare: numeric-multi, one frame per (connector, direction[, tls]) for multi-dimensional alerts.</summary>
    internal static IReadOnlyList<DataFrame> ConnectorTlsShares(IReadOnlyList<ConnectorTlsShare> shares, string? executed)
    {
        var frames = new List<DataFrame>(shares.Count);
        foreach (var item in shares)
        {
            var name = $"{item.Connector} ({item.Direction.ToWire()}) {item.Tls.ToWire()}";
            var share = FrameField.Float64("share", FieldConfig.Percent with { DisplayName = name })
                .WithLabels(("connector", item.Connector), ("connector_type", item.ConnectorType.ToWire()), ("direction", item.Direction.ToWire()), ("tls", item.Tls.ToWire()));
            share.Add(item.SharePercent);
            frames.Add(new DataFrame(name, FrameMeta.ForNumericMulti(executed), share));
        }

        return frames;
    }

    /// <summary>
    /// thresholds: the data source's TLS 1.0 insight threshold as one unlabelled number (numeric-multi), so that an
    /// alert rule compares each connector's share with it (<c>$B >= $T</c>) instead of holding a copy of it.
    /// </summary>
    internal static DataFrame Thresholds(InsightThresholds thresholds)
    {
        var percent = FrameField.Float64("threshold_pct", FieldConfig.Percent with { DisplayName = "TLS 1.0 insight threshold" });
        percent.Add(thresholds.LegacySharePercent);
        return new DataFrame("thresholds", FrameMeta.ForNumericMulti(null), percent);
    }

    /// <summary>connectors: the connectors seen in the range.</summary>
    internal static DataFrame Connectors(IReadOnlyList<KnownConnector> connectors, string? executed)
    {
        var name = FrameField.String("connector");
        var type = FrameField.String("connector_type");
        var direction = FrameField.String("direction");
        var forced = FrameField.Bool("forced_tls", new FieldConfig(DisplayName: "Forced TLS"));
        foreach (var connector in connectors)
        {
            name.Add(connector.Name);
            type.Add(connector.Type.ToWire());
            direction.Add(connector.Direction.ToWire());
            forced.Add(connector.ForcedTls);
        }

        return new DataFrame("connectors", FrameMeta.ForTable(executed), name, type, direction, forced);
    }

    // ---- transit security (issue 13) ----

    /// <summary>
    /// securityDirections / securityConnectors: one row per direction (or connector and direction) with its messages,
    /// then per auth level and cipher class the messages (<c>auth_verified</c>...) and share (<c>auth_verified_pct</c>...).
    /// </summary>
    internal static DataFrame SecurityBreakdown(string name, IEnumerable<(Direction Direction, ConnectorSecurity? Connector, SecurityCounts Counts)> rows, string? executed)
    {
        var direction = FrameField.String("direction");
        var connector = FrameField.String("connector");
        var type = FrameField.String("connector_type");
        var forced = FrameField.Bool("forced_tls", new FieldConfig(DisplayName: "Forced TLS"));
        var messages = FrameField.Int64("messages", FieldConfig.Messages with { DisplayName = "Volume" });
        var authCounts = TransitSecurity.AuthLevels.Select(a => FrameField.Int64("auth_" + a.ToWire(), FieldConfig.Messages)).ToList();
        var authShares = TransitSecurity.AuthLevels.Select(a => FrameField.Float64("auth_" + a.ToWire() + "_pct", FieldConfig.Percent with { DisplayName = "Auth " + a.ToWire() + " %" })).ToList();
        var cipherCounts = TransitSecurity.CipherClasses.Select(c => FrameField.Int64("cipher_" + c.ToWire(), FieldConfig.Messages)).ToList();
        var cipherShares = TransitSecurity.CipherClasses.Select(c => FrameField.Float64("cipher_" + c.ToWire() + "_pct", FieldConfig.Percent with { DisplayName = "Cipher " + c.ToWire() + " %" })).ToList();
        foreach (var row in rows)
        {
            direction.Add(row.Direction.ToWire());
            connector.Add(row.Connector?.Connector ?? "");
            type.Add(row.Connector?.ConnectorType.ToWire() ?? "");
            forced.Add(row.Connector?.ForcedTls ?? false);
            messages.Add(row.Counts.Messages);
            for (var i = 0; i < TransitSecurity.AuthLevels.Count; i++)
            {
                authCounts[i].Add(row.Counts[TransitSecurity.AuthLevels[i]]);
                authShares[i].Add(row.Counts.Percent(TransitSecurity.AuthLevels[i]));
            }

            for (var i = 0; i < TransitSecurity.CipherClasses.Count; i++)
            {
                cipherCounts[i].Add(row.Counts[TransitSecurity.CipherClasses[i]]);
                cipherShares[i].Add(row.Counts.Percent(TransitSecurity.CipherClasses[i]));
            }
        }

        return new DataFrame(name, FrameMeta.ForTable(executed), [direction, connector, type, forced, messages, .. authCounts, .. authShares, .. cipherCounts, .. cipherShares]);
    }

    /// <summary>securityAuthSeries / securityCipherSeries: one frame per (direction, class), labelled, displayed "outbound verified".</summary>
    internal static IReadOnlyList<DataFrame> SecuritySeries(SecurityTimeSeries answer, bool percent, string? executed)
    {
        var label = answer.Dimension == SecurityDimension.Auth ? "auth" : "cipher";
        var frames = new List<DataFrame>(answer.Series.Count);
        foreach (var series in answer.Series)
        {
            var name = series.Direction.ToWire() + " " + series.Class;
            var time = FrameField.Time("time");
            var value = FrameField.Float64("value", percent ? FieldConfig.Percent with { DisplayName = name } : FieldConfig.Messages with { DisplayName = name })
                .WithLabels(("direction", series.Direction.ToWire()), (label, series.Class));
            foreach (var point in series.Points)
            {
                time.Add(point.Time);
                value.Add(percent ? point.Percent : point.Messages);
            }

            frames.Add(new DataFrame(name, FrameMeta.ForTimeSeriesMulti(executed), time, value));
        }

        return frames;
    }

    /// <summary>blocked: deliveries a TLS policy stopped, per recipient domain, reason and connector, busiest first.</summary>
    internal static DataFrame Blocked(IReadOnlyList<BlockedDomain> rows, string? executed)
    {
        var domain = FrameField.String("recipient_domain", new FieldConfig(DisplayName: "Recipient domain"));
        var reason = FrameField.String("reason");
        var connector = FrameField.String("connector");
        var deliveries = FrameField.Int64("deliveries", FieldConfig.Messages with { DisplayName = "Deliveries" });
        var lastSeen = FrameField.Time("last_seen", new FieldConfig(DisplayName: "Last seen"));
        var sources = FrameField.String("sources", new FieldConfig(DisplayName: "Mail servers"));
        foreach (var row in rows)
        {
            domain.Add(row.Domain);
            reason.Add(row.Reason.ToWire());
            connector.Add(row.Connector);
            deliveries.Add(row.Deliveries);
            lastSeen.Add(row.LastSeen);
            sources.Add(string.Join(", ", row.Sources));
        }

        return new DataFrame("blocked", FrameMeta.ForTable(executed), domain, reason, connector, deliveries, lastSeen, sources);
    }

    /// <summary>securityPeers: peers with an unverified certificate where one should be verified, or a weak cipher; weak ciphers first, then busiest.</summary>
    internal static DataFrame SecurityPeers(IReadOnlyList<SecurityPeer> rows, string? executed)
    {
        var concern = FrameField.String("concern");
        var peer = FrameField.String("peer");
        var direction = FrameField.String("direction");
        var connector = FrameField.String("connector");
        var connectorType = FrameField.String("connector_type", new FieldConfig(DisplayName: "Connector type"));
        var auth = FrameField.String("auth");
        var cipher = FrameField.String("cipher");
        var messages = FrameField.Int64("messages", FieldConfig.Messages);
        var lastSeen = FrameField.Time("last_seen", new FieldConfig(DisplayName: "Last seen"));
        var sources = FrameField.String("sources", new FieldConfig(DisplayName: "Mail servers"));
        foreach (var row in rows)
        {
            concern.Add(row.Concern.ToWire());
            peer.Add(row.Peer);
            direction.Add(row.Direction.ToWire());
            connector.Add(row.Connector);
            connectorType.Add(row.ConnectorType.ToWire());
            auth.Add(row.Auth.ToWire());
            cipher.Add(row.Cipher.ToWire());
            messages.Add(row.Messages);
            lastSeen.Add(row.LastSeen);
            sources.Add(string.Join(", ", row.Sources));
        }

        return new DataFrame("securityPeers", FrameMeta.ForTable(executed), concern, peer, direction, connector, connectorType, auth, cipher, messages, lastSeen, sources);
    }

    /// <summary>plaintextDomains: recipient domains that took outbound mail in plaintext, busiest first.</summary>
    internal static DataFrame PlaintextDomains(IReadOnlyList<PlaintextDomain> rows, string? executed)
    {
        var domain = FrameField.String("recipient_domain", new FieldConfig(DisplayName: "Recipient domain"));
        var messages = FrameField.Int64("messages", FieldConfig.Messages);
        var lastSeen = FrameField.Time("last_seen", new FieldConfig(DisplayName: "Last seen"));
        var sources = FrameField.String("sources", new FieldConfig(DisplayName: "Mail servers"));
        foreach (var row in rows)
        {
            domain.Add(row.Domain);
            messages.Add(row.Messages);
            lastSeen.Add(row.LastSeen);
            sources.Add(string.Join(", ", row.Sources));
        }

        return new DataFrame("plaintextDomains", FrameMeta.ForTable(executed), domain, messages, lastSeen, sources);
    }

    /// <summary>securityInsights: the active transit-security insights with their share, threshold and stable id.</summary>
    internal static DataFrame SecurityInsights(IReadOnlyList<SecurityInsight> insights, string? executed) =>
        ConnectorInsights("securityInsights", withTls: false, insights.Select(i => new ConnectorInsightRow(
            i.Title, i.SeverityWire, i.Direction, i.Connector, i.ConnectorType, null, i.SharePercent, i.Messages, i.ThresholdPercent, i.Id)), executed);

    /// <summary>
    /// securityInsightShares: numeric-multi for alert rules, one frame per active transit-security insight (of the
    /// query's <c>insight</c> kind, or all), its share in percent labelled insight, connector, connector_type and
    /// direction. The shared rules (<see cref="SecurityInsightRules"/>) decide which are active, with their thresholds
    /// and minimum volumes, so an alert fires exactly where the dashboards show the insight.
    /// </summary>
    internal static IReadOnlyList<DataFrame> SecurityInsightShares(IReadOnlyList<SecurityInsight> insights, SecurityInsightKind? kind, string? executed)
    {
        var frames = new List<DataFrame>(insights.Count);
        foreach (var insight in insights.Where(i => kind is null || i.Kind == kind))
        {
            var name = $"{insight.Connector} ({insight.Direction.ToWire()}) {insight.Id}";
            var share = FrameField.Float64("share", FieldConfig.Percent with { DisplayName = name })
                .WithLabels(("insight", insight.Id), ("connector", insight.Connector), ("connector_type", insight.ConnectorType.ToWire()), ("direction", insight.Direction.ToWire()));
            share.Add(insight.SharePercent);
            frames.Add(new DataFrame(name, FrameMeta.ForNumericMulti(executed), share));
        }

        return frames;
    }
}
