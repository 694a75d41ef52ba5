using System.Diagnostics;
using System.Globalization;
using System.Text;
using MailFlow.Backend.Influx;
using MailFlow.Contracts.Schema;
using MailFlow.Contracts.Vocabulary;
using MailFlow.Questions;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailFlow.Backend.Query;

/// <summary>
/// Answers <see cref="IMailFlowQueries"/> with InfluxQL over InfluxDB. Aggregation runs in InfluxDB
/// (<c>SUM ... GROUP BY time(..), tags</c>), so only a few hundred numbers cross the wire per answer; shares and
/// insights are computed here from those sums. Thread-safe; one instance serves every caller.
/// </summary>
public sealed partial class MailFlowQueryEngine : IMailFlowQueries, IDisposable
{
    private static readonly string Peers = InfluxQl.QuoteIdentifier(InfluxSchema.PeersMeasurement);
    private static readonly string SumMessages = $"SUM({InfluxQl.QuoteIdentifier(InfluxSchema.Fields.Messages)}) AS {InfluxQl.QuoteIdentifier(InfluxSchema.Fields.Messages)}";
    private static readonly string ConnectorTags = string.Join(',', new[]
    {
        InfluxSchema.Tags.Direction, InfluxSchema.Tags.Connector, InfluxSchema.Tags.ConnectorType, InfluxSchema.Tags.ForcedTls, InfluxSchema.Tags.Tls,
    }.Select(InfluxQl.QuoteIdentifier));

    private static readonly string[] ImplicitConnectors =
        [ConnectorTypes.InboundWithoutConnector, ConnectorTypes.OutboundWithoutConnector, ConnectorTypes.SubmissionWithoutConnector];

    private static readonly string SecurityConnectorTags = string.Join(',', new[]
    {
        InfluxSchema.Tags.Direction, InfluxSchema.Tags.Connector, InfluxSchema.Tags.ConnectorType, InfluxSchema.Tags.ForcedTls, InfluxSchema.Tags.Auth, InfluxSchema.Tags.Cipher,
    }.Select(InfluxQl.QuoteIdentifier));

    private static readonly string DirectionAuthCipherTags = string.Join(',', new[] { InfluxSchema.Tags.Direction, InfluxSchema.Tags.Auth, InfluxSchema.Tags.Cipher }.Select(InfluxQl.QuoteIdentifier));

    private static readonly string DirectionTls = $"{Tag(InfluxSchema.Tags.Direction)},{Tag(InfluxSchema.Tags.Tls)}";
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    /// <summary>Time-series bucket widths below a day, in ticks.</summary>
    internal static readonly long[] IntervalSteps = [.. new[] { 1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440 }.Select(minutes => minutes * TimeSpan.TicksPerMinute)];

    private readonly InfluxQlClient _client;
    private readonly ILogger _logger;
    private readonly QueryEngineOptions _options;
    private readonly BucketedSums _sums;

    public MailFlowQueryEngine(InfluxQlClient client, ILogger<MailFlowQueryEngine>? logger = null, QueryEngineOptions? options = null, TimeProvider? time = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _options = options ?? new QueryEngineOptions();
        _sums = new BucketedSums(client, _options, time ?? TimeProvider.System);
    }

    /// <inheritdoc />
    public Task<T> AskAsync<T>(string kind, QueryFilter filter, Func<IMailFlowTotals, CancellationToken, Task<T>> question, CancellationToken cancellationToken = default) =>
        RunAsync(kind, activity =>
        {
            ArgumentNullException.ThrowIfNull(question);
            Validate(filter);
            return question(Totals(activity, filter), cancellationToken);
        });

    /// <inheritdoc />
    public Task<TlsSummary> GetTlsSummaryAsync(QueryFilter filter, CancellationToken cancellationToken = default) =>
        AskAsync("summary", filter, static (totals, ct) => MailFlowQuestions.SummaryAsync(totals, ct), cancellationToken);

    /// <inheritdoc />
    public Task<TlsTimeSeries> GetTlsTimeSeriesAsync(TlsTimeSeriesRequest request, CancellationToken cancellationToken = default) =>
        RunAsync("timeseries", activity =>
        {
            ArgumentNullException.ThrowIfNull(request);
            Validate(request.Filter);
            if (request.MaxPoints is < 1 or > QueryLimits.MaxPoints)
            {
                throw Invalid($"max points must be between 1 and {QueryLimits.MaxPoints}, not {request.MaxPoints}");
            }

            if (request.Interval is { } wished && (wished < TimeSpan.Zero || wished > QueryLimits.MaxRange))
            {
                throw Invalid($"interval must be between 0 and {QueryLimits.MaxRange.TotalDays} days");
            }

            var filter = request.Filter;
            var interval = ChooseInterval(filter.From, filter.To, request.Interval, request.MaxPoints);
            activity?.SetTag("mailflow.interval_s", (long)interval.TotalSeconds);
            return MailFlowQuestions.TimeSeriesAsync(Totals(activity, filter), interval, filter.Tls, cancellationToken);
        });

    /// <inheritdoc />
    public Task<IReadOnlyList<ConnectorReportRow>> GetConnectorReportAsync(ConnectorReportRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return AskAsync("connector_report", request.Filter, (totals, ct) => MailFlowQuestions.ConnectorReportAsync(totals, request.PerDay, ct), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<Insight>> GetInsightsAsync(InsightsRequest request, CancellationToken cancellationToken = default) =>
        RunAsync("insights", activity =>
        {
            ArgumentNullException.ThrowIfNull(request);
            Validate(request.Filter);
            var thresholds = request.Thresholds ?? InsightThresholds.Default;
            if (thresholds.Problem() is { } problem)
            {
                throw Invalid(problem);
            }

            return MailFlowQuestions.InsightsAsync(Totals(activity, request.Filter), thresholds, request.Filter.Tls, cancellationToken);
        });

    /// <inheritdoc />
    public Task<IReadOnlyList<LegacyPeer>> GetLegacyPeersAsync(LegacyPeersRequest request, CancellationToken cancellationToken = default) =>
        RunAsync("peers", activity =>
        {
            ArgumentNullException.ThrowIfNull(request);
            Validate(request.Filter);
            if (request.Limit is < 1 or > QueryLimits.MaxPeers)
            {
                throw Invalid($"limit must be between 1 and {QueryLimits.MaxPeers}, not {request.Limit}");
            }

            return MailFlowQuestions.LegacyPeersAsync(Totals(activity, request.Filter), request.Limit, cancellationToken);
        });

    /// <inheritdoc />
    public Task<IReadOnlyList<ConnectorTlsShare>> GetConnectorTlsSharesAsync(ConnectorTlsShareRequest request, CancellationToken cancellationToken = default) =>
        RunAsync("connector_tls_share", activity =>
        {
            ArgumentNullException.ThrowIfNull(request);
            Validate(request.Filter);
            if (request.MinMessages < 0)
            {
                throw Invalid("min messages must be >= 0");
            }

            return MailFlowQuestions.ConnectorTlsSharesAsync(Totals(activity, request.Filter), request.MinMessages, request.Filter.Tls, cancellationToken);
        });

    /// <inheritdoc />
    public Task<IReadOnlyList<KnownConnector>> GetConnectorsAsync(QueryFilter filter, CancellationToken cancellationToken = default) =>
        AskAsync("connectors", filter, static (totals, ct) => MailFlowQuestions.ConnectorsAsync(totals, ct), cancellationToken);

    /// <summary>The totals of one question (its range and filters) read from InfluxDB.</summary>
    private InfluxTotals Totals(Activity? activity, QueryFilter filter) => new(this, activity, filter);

    /// <inheritdoc />
    public async Task<HealthReport> CheckHealthAsync(CancellationToken cancellationToken = default) =>
        (await DiagnoseHealthAsync(latestData: false, cancellationToken).ConfigureAwait(false)).ToReport();

    /// <summary>
    /// The one health computation: /ping, the database, mail-flow data, the daily rollup tier (when rollups are used)
    /// and, with <paramref name="latestData"/>, the newest minute (a LAST over all series: for "Save &amp; test", not
    /// for a periodic check). Failures are part of the answer, not exceptions.
    /// </summary>
    public async Task<HealthDiagnosis> DiagnoseHealthAsync(bool latestData, CancellationToken cancellationToken = default)
    {
        var options = _client.Options;
        var database = options.EffectiveDatabase;
        string? version;
        try
        {
            version = await _client.PingAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InfluxQueryException e)
        {
            return Unhealthy(e.Kind == InfluxErrorKind.AuthRefused ? HealthState.AuthRefused : HealthState.Unreachable, null, e);
        }

        try
        {
            // Some servers answer SHOW MEASUREMENTS on a missing database with an empty result; this one errs.
            await _client.QueryAsync($"SHOW RETENTION POLICIES ON {InfluxQl.QuoteIdentifier(database)}", cancellationToken).ConfigureAwait(false);
            var message = $"InfluxDB {version ?? "(version not told)"} at {options.Url} answers; database '{database}' exists";
            if (!await _client.MeasurementExistsAsync(InfluxSchema.MessagesMeasurement, cancellationToken).ConfigureAwait(false))
            {
                return new HealthDiagnosis(HealthState.NoData, version, null, null, message);
            }

            var daily = InfluxSchema.RollupTiers[^1].Measurement(InfluxSchema.MessagesMeasurement);
            if (_options.UseRollups && !await _client.MeasurementExistsAsync(daily, cancellationToken).ConfigureAwait(false))
            {
                // Whole days would read as empty: say how to fix it, though InfluxDB itself is fine.
                return new HealthDiagnosis(HealthState.RollupsMissing, version, null, null,
                    message + $", but it holds mail-flow minutes without rollup tiers ('{daily}'): run 'mailflow-exporter rollup --from <first day>' once, or serve with --rollups false");
            }

            DateTimeOffset? latest = null;
            if (latestData)
            {
                var last = await _client.QueryAsync(
                    $"SELECT LAST({InfluxQl.QuoteIdentifier(InfluxSchema.Fields.Messages)}) FROM {InfluxQl.QuoteIdentifier(InfluxSchema.MessagesMeasurement)}",
                    cancellationToken).ConfigureAwait(false);
                latest = last.Count > 0 && last[0].Series.Count > 0 && last[0].Series[0].Rows.Count > 0
                    ? FromNanoseconds(last[0].Series[0].Rows[0].Time)
                    : null;
            }

            return new HealthDiagnosis(HealthState.Ok, version, latest, null, message);
        }
        catch (InfluxQueryException e)
        {
            var state = e.Kind switch
            {
                InfluxErrorKind.AuthRefused => HealthState.AuthRefused,
                InfluxErrorKind.DatabaseMissing => HealthState.DatabaseMissing,
                _ => HealthState.QueryFailed,
            };
            return Unhealthy(state, version, e);
        }
    }

    private static HealthDiagnosis Unhealthy(HealthState state, string? version, InfluxQueryException error)
    {
        var translated = MailFlowQueryException.FromInflux(error);
        return new HealthDiagnosis(state, version, null, translated.Cause, translated.Message);
    }

    /// <summary>
    /// The bucket width for a time series: the wished one (at least a minute, the data's resolution), widened until
    /// the range, cut in epoch-aligned buckets, gives at most <paramref name="maxPoints"/>. Widths are rounded up to
    /// the next of <see cref="IntervalSteps"/>, then whole days: Grafana's own steps, each made of whole minutes,
    /// 5-minute blocks, hours or days, so that a long series reads the coarsest tier that fits it (30 days at 1,000
    /// points: 1 h from the hourly tier, not 45 min from the 5-minute one).
    /// </summary>
    internal static TimeSpan ChooseInterval(DateTimeOffset from, DateTimeOffset to, TimeSpan? wished, int maxPoints)
    {
        var ticks = RoundInterval(Math.Max(TimeSpan.TicksPerMinute, wished?.Ticks ?? 0));
        var start = from.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var end = to.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks - 1;
        while (end / ticks - start / ticks + 1 > maxPoints)
        {
            var range = to.UtcTicks - from.UtcTicks;
            var needed = maxPoints > 1 ? (range + maxPoints - 2) / (maxPoints - 1) : ticks * 2;
            ticks = RoundInterval(Math.Max(ticks + 1, needed));
        }

        return TimeSpan.FromTicks(ticks);
    }

    private static long RoundInterval(long ticks)
    {
        foreach (var step in IntervalSteps)
        {
            if (ticks <= step)
            {
                return step;
            }
        }

        return (ticks + TimeSpan.TicksPerDay - 1) / TimeSpan.TicksPerDay * TimeSpan.TicksPerDay;
    }

    private Task<IReadOnlyList<InfluxStatementResult>> ExecuteAsync(Activity? activity, string query, CancellationToken cancellationToken) =>
        ExecuteAsync(activity, [query], cancellationToken);

    private async Task<IReadOnlyList<InfluxStatementResult>> ExecuteAsync(Activity? activity, IReadOnlyList<string> statements, CancellationToken cancellationToken)
    {
        activity?.SetTag("db.system.name", "influxdb");
        activity?.SetTag("db.query.text", string.Join("; ", statements));
        var started = Stopwatch.GetTimestamp();
        var result = await _client.QueryAsync(statements, _options.RequestsPerQuestion, cancellationToken).ConfigureAwait(false);
        QueryTelemetry.InfluxDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        if (result.Count == 0)
        {
            throw new MailFlowQueryException(QueryErrorKind.QueryFailed, $"InfluxDB at {_client.Options.Url} answered no result for the query");
        }

        return result;
    }

    private async Task<T> RunAsync<T>(string kind, Func<Activity?, Task<T>> body)
    {
        using var activity = QueryTelemetry.Source.StartActivity("mailflow.query." + kind, ActivityKind.Internal);
        activity?.SetTag("mailflow.query", kind);
        var started = Stopwatch.GetTimestamp();
        var outcome = "ok";
        try
        {
            try
            {
                return await body(activity).ConfigureAwait(false);
            }
            catch (InfluxQueryException e)
            {
                // The engine's boundary: callers see MailFlowQueryException only.
                throw MailFlowQueryException.FromInflux(e);
            }
        }
        catch (MailFlowQueryException e)
        {
            outcome = e.Kind.ToString();
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            QueryTelemetry.Errors.Add(1, new KeyValuePair<string, object?>("query", kind), new KeyValuePair<string, object?>("error", outcome));
            if (e.Kind == QueryErrorKind.InvalidArgument)
            {
                LogRejected(_logger, kind, e.Message);
            }
            else
            {
                LogFailed(_logger, kind, e.Kind, e.Message);
            }

            throw;
        }
        finally
        {
            QueryTelemetry.Duration.Record(
                Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                new KeyValuePair<string, object?>("query", kind),
                new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    /// <summary>
    /// Ranges up to this long read their totals per day: the statements are then the very ones of the per-day
    /// connector report (a dashboard asks both at once, and identical statements run once) and whole days are
    /// cached. Longer ones read one window per series: InfluxDB 1.x spends about as much per output row as per point
    /// read, and 90 days x 100 series of daily rows cost three times a single window.
    /// </summary>
    private static readonly TimeSpan PerDayTotalsUpTo = TimeSpan.FromDays(31);

    /// <summary>How totals over the range of <paramref name="filter"/> are read (null: one window); see <see cref="PerDayTotalsUpTo"/>.</summary>
    private TimeSpan? TotalsBucket(QueryFilter filter) =>
        !_options.UseRollups || filter.To - filter.From <= PerDayTotalsUpTo ? Day : null;

    /// <summary>
    /// Sums per direction and TLS version. Without connector names in the filter, whole blocks come from the narrow
    /// <see cref="InfluxSchema.TlsMeasurement"/> tiers, which hold a few series per direction instead of one per
    /// connector: the cost of a long time series in InfluxDB is its buckets times its series.
    /// </summary>
    private static ReadShape ByDirectionAndTls(QueryFilter filter) => new(
        InfluxSchema.MessagesMeasurement,
        filter.Connectors.Count == 0 ? InfluxSchema.TlsMeasurement : InfluxSchema.MessagesMeasurement,
        WhereTags(filter, applyTls: false),
        DirectionTls);

    /// <summary>The WHERE clause: time as integer nanoseconds, then <see cref="WhereTags"/>.</summary>
    private static string Where(QueryFilter filter, bool applyTls) =>
        "time >= " + InfluxQl.Time(filter.From) + " AND time < " + InfluxQl.Time(filter.To) + WhereTags(filter, applyTls);

    /// <summary>The tag conditions, each as <c> AND ...</c>: every value quoted, sets as OR'ed equalities.</summary>
    private static string WhereTags(QueryFilter filter, bool applyTls)
    {
        var where = new StringBuilder();
        if (filter.Direction is { } direction)
        {
            where.Append(" AND ").Append(Tag(InfluxSchema.Tags.Direction)).Append(" = ").Append(InfluxQl.QuoteString(direction.ToWire()));
        }

        if (filter.Connectors.Count > 0)
        {
            var names = filter.Connectors.SelectMany(c => c == QueryFilter.WithoutConnector ? ImplicitConnectors : [c]);
            where.Append(" AND ").Append(InfluxQl.AnyOf(InfluxSchema.Tags.Connector, names));
        }

        if (filter.ConnectorType is { } type)
        {
            where.Append(" AND ").Append(Tag(InfluxSchema.Tags.ConnectorType)).Append(" = ").Append(InfluxQl.QuoteString(type.ToWire()));
        }

        if (!string.IsNullOrEmpty(filter.Source))
        {
            where.Append(" AND ").Append(Tag(InfluxSchema.Tags.Source)).Append(" = ").Append(InfluxQl.QuoteString(filter.Source));
        }

        if (applyTls && filter.Tls is { } tls)
        {
            where.Append(" AND ").Append(Tag(InfluxSchema.Tags.Tls)).Append(" = ").Append(InfluxQl.QuoteString(tls.ToWire()));
        }

        return where.ToString();
    }

    /// <summary>Refuses what cannot be a sensible question before any InfluxQL exists.</summary>
    internal static void Validate(QueryFilter filter)
    {
        if (filter is null)
        {
            throw Invalid("a filter with a time range is required");
        }

        var earliest = DateTimeOffset.UnixEpoch;
        var latest = new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);
        if (filter.From < earliest || filter.To > latest)
        {
            throw Invalid($"the time range must lie between {earliest:yyyy-MM-dd} and {latest:yyyy-MM-dd}, got {Iso(filter.From)} .. {Iso(filter.To)}");
        }

        if (filter.To <= filter.From)
        {
            throw Invalid($"the range end ({Iso(filter.To)}) must be after its start ({Iso(filter.From)})");
        }

        if (filter.To - filter.From > QueryLimits.MaxRange)
        {
            throw Invalid($"the range ({(filter.To - filter.From).TotalDays.ToString("0.#", CultureInfo.InvariantCulture)} days) is longer than the {QueryLimits.MaxRange.TotalDays.ToString(CultureInfo.InvariantCulture)} days allowed");
        }

        if (filter.Direction is { } direction && !Enum.IsDefined(direction))
        {
            throw Invalid($"unknown direction {(int)direction}");
        }

        if (filter.ConnectorType is { } type && !Enum.IsDefined(type))
        {
            throw Invalid($"unknown connector type {(int)type}");
        }

        if (filter.Tls is { } tls && !Enum.IsDefined(tls))
        {
            throw Invalid($"unknown TLS version {(int)tls}");
        }

        if (filter.Connectors is null || filter.Connectors.Count > QueryLimits.MaxConnectors)
        {
            throw Invalid($"at most {QueryLimits.MaxConnectors} connectors can be named in one query");
        }

        foreach (var connector in filter.Connectors)
        {
            CheckName("connector", connector);
        }

        if (!string.IsNullOrEmpty(filter.Source))
        {
            CheckName("source", filter.Source);
        }
    }

    private static void CheckName(string what, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw Invalid($"a {what} name must not be empty");
        }

        if (name.Length > QueryLimits.MaxNameLength)
        {
            throw Invalid($"a {what} name is longer than {QueryLimits.MaxNameLength} characters");
        }

        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                // Tag values never hold control characters (line protocol cannot carry a newline): such a name
                // cannot match anything, and refusing it keeps it out of InfluxQL altogether.
                throw Invalid($"the {what} name '{Printable(name)}' contains a control character (U+{(int)c:X4})");
            }
        }
    }

    private static string Printable(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, 64));
        foreach (var c in text.Length > 64 ? text[..64] : text)
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return builder.ToString();
    }

    private static MailFlowQueryException Invalid(string message) => new(QueryErrorKind.InvalidArgument, message);

    private static string Iso(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Tag(string name) => InfluxQl.QuoteIdentifier(name);

    private static bool TryDirection(InfluxSeries series, out Direction direction) =>
        Directions.TryParseWire(series.Tag(InfluxSchema.Tags.Direction), out direction);

    private static TlsVersion ParseTls(string text) => BucketedSums.ParseTls(text);

    private static long First(InfluxRow row) => row.Values.Length > 0 ? row.Values[0] : 0;

    private static DateTimeOffset FromNanoseconds(long nanoseconds) => DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);

    /// <summary>Releases the cache of closed buckets.</summary>
    public void Dispose() => _sums.Dispose();

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Query {Query} rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string query, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Query {Query} failed ({Kind}): {Reason}")]
    private static partial void LogFailed(ILogger logger, string query, QueryErrorKind kind, string reason);
}
