using System.Diagnostics;
using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Rollups;
using MailFlow.Exporter.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailFlow.Exporter.Sinks;

/// <summary>
/// Writes points to InfluxDB in batches of <see cref="InfluxOptions.BatchLines"/> lines through the transport
/// chosen by <see cref="InfluxTransports"/>, retrying transient failures (connection refused, timeouts, 5xx,
/// 429) with exponential backoff and jitter, and failing at once on other 4xx (bad data, credentials), whose
/// message names the rejected line. A call returns only when every point of it was acknowledged.
/// </summary>
public sealed class InfluxPointWriter : IDisposable
{
    /// <summary>First retry delay; doubles per attempt.</summary>
    public static readonly TimeSpan DefaultRetryBaseDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>Longest retry delay: long outages are polled at this pace.</summary>
    public static readonly TimeSpan DefaultRetryMaxDelay = TimeSpan.FromSeconds(15);

    private readonly InfluxOptions _options;
    private readonly ILogger _logger;
    private readonly Func<InfluxOptions, ILogger, CancellationToken, Task<IInfluxTransport>> _connect;
    private readonly LineProtocolWriter _lines = new();
    private IInfluxTransport? _transport;

    public InfluxPointWriter(InfluxOptions options, ILogger? logger = null, Func<InfluxOptions, ILogger, CancellationToken, Task<IInfluxTransport>>? connect = null)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _connect = connect ?? InfluxTransports.ConnectAsync;
    }

    /// <summary>First retry delay (tests shorten it).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = DefaultRetryBaseDelay;

    /// <summary>Longest retry delay.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = DefaultRetryMaxDelay;

    /// <summary>Points acknowledged so far.</summary>
    public long PointsWritten { get; private set; }

    /// <summary>Write requests acknowledged so far.</summary>
    public long Requests { get; private set; }

    /// <summary>Transient failures retried so far.</summary>
    public long RetryCount { get; private set; }

    /// <summary>Rollup points recomputed so far.</summary>
    public long RollupPointsWritten { get; private set; }

    /// <summary>Time spent recomputing rollups so far.</summary>
    public TimeSpan RollupTime { get; private set; }

    /// <summary>
    /// Spans sent in one rollup request at most. Default 1: a span is at most a day of minutes (4 statements), a few
    /// seconds of work for InfluxDB, so a request stays far below the request timeout, which it must: a request
    /// cut off by the timeout is retried, and would be cut off again.
    /// </summary>
    public int RollupSpansPerRequest { get; init; } = 1;

    /// <summary>The transport's description once connected.</summary>
    public string? Target => _transport?.Description;

    /// <summary>Connects (detecting the API and creating the database when allowed), retrying transient failures.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (_transport is not null)
        {
            return;
        }

        await RetryAsync(0, async () =>
        {
            var transport = await _connect(_options, _logger, cancellationToken).ConfigureAwait(false);
            try
            {
                await transport.EnsureTargetAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                transport.Dispose();
                throw;
            }

            _transport = transport;
        }, cancellationToken).ConfigureAwait(false);
        Log.Connected(_logger, _transport!.Description);
        var refused = (_transport as InfluxV1Transport)?.CreateDatabaseRefused ?? (_transport as InfluxV2Transport)?.CreateBucketRefused;
        if (refused is not null)
        {
            Log.CreateRefused(_logger, refused);
        }
    }

    /// <summary>Writes the points (series then peers) and returns once all are acknowledged.</summary>
    public Task<long> WriteAsync(IEnumerable<SeriesPoint> series, IEnumerable<PeerPoint> peers, CancellationToken cancellationToken) =>
        WriteAsync(series, peers, [], [], [], cancellationToken);

    /// <summary>Writes the points of every measurement (series, peers, transit security, blocked, security peers) and returns once all are acknowledged.</summary>
    public async Task<long> WriteAsync(
        IEnumerable<SeriesPoint> series, IEnumerable<PeerPoint> peers, IEnumerable<SecurityPoint> security, IEnumerable<BlockedPoint> blocked, IEnumerable<SecurityPeerPoint> securityPeers, CancellationToken cancellationToken)
    {
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        long written = 0;
        _lines.Clear();
        foreach (var point in series)
        {
            _lines.Write(point);
            if (_lines.LineCount >= _options.BatchLines)
            {
                written += await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var point in peers)
        {
            _lines.Write(point);
            if (_lines.LineCount >= _options.BatchLines)
            {
                written += await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var point in security)
        {
            _lines.Write(point);
            if (_lines.LineCount >= _options.BatchLines)
            {
                written += await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var point in blocked)
        {
            _lines.Write(point);
            if (_lines.LineCount >= _options.BatchLines)
            {
                written += await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var point in securityPeers)
        {
            _lines.Write(point);
            if (_lines.LineCount >= _options.BatchLines)
            {
                written += await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        written += await FlushAsync(cancellationToken).ConfigureAwait(false);
        return written;
    }

    /// <summary>Writes ready-made line protocol (one batch), retrying transient failures.</summary>
    public async Task WriteLinesAsync(ReadOnlyMemory<byte> lineProtocol, int lines, CancellationToken cancellationToken)
    {
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        await RetryAsync(lines, async () =>
        {
            var started = Stopwatch.GetTimestamp();
            await _transport!.WriteAsync(lineProtocol, cancellationToken).ConfigureAwait(false);
            ExporterMetrics.WriteLatency.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }, cancellationToken).ConfigureAwait(false);
        Requests++;
        PointsWritten += lines;
        ExporterMetrics.PointsWritten.Add(lines);
    }

    /// <summary>
    /// Recomputes the rollup tiers of the buckets holding <paramref name="minutes"/> (minutes whose points were
    /// acknowledged) for the series of <paramref name="sources"/> (the sources of those points), tier by tier,
    /// finest first, each from the finer tier as stored. Retried like writes.
    /// </summary>
    /// <returns>The rollup points written; 0 when <see cref="InfluxOptions.Rollups"/> is off.</returns>
    public Task<long> WriteRollupsAsync(IEnumerable<DateTimeOffset> minutes, IEnumerable<string> sources, CancellationToken cancellationToken) =>
        _options.Rollups ? WriteRollupsAsync(RollupPlan.ForMinutes(minutes, sources), cancellationToken) : Task.FromResult(0L);

    /// <summary>The minutes and sources of written points: what <see cref="WriteRollupsAsync(IEnumerable{DateTimeOffset}, IEnumerable{string}, CancellationToken)"/> needs.</summary>
    public static (HashSet<DateTimeOffset> Minutes, HashSet<string> Sources) Touched(IEnumerable<SeriesPoint> series, IEnumerable<PeerPoint> peers)
    {
        var minutes = new HashSet<DateTimeOffset>();
        var sources = new HashSet<string>(StringComparer.Ordinal);
        foreach (var point in series)
        {
            minutes.Add(point.Minute);
            sources.Add(point.Key.Source);
        }

        foreach (var point in peers)
        {
            minutes.Add(point.Minute);
            sources.Add(point.Key.Source);
        }

        return (minutes, sources);
    }

    /// <summary>As <see cref="Touched(IEnumerable{SeriesPoint}, IEnumerable{PeerPoint})"/>, also for blocked deliveries (minutes with no message).</summary>
    public static (HashSet<DateTimeOffset> Minutes, HashSet<string> Sources) Touched(MinutePoints points)
    {
        var (minutes, sources) = Touched(points.Series, points.Peers);
        foreach (var point in points.Blocked)
        {
            minutes.Add(point.Minute);
            sources.Add(point.Key.Source);
        }

        // Always minutes and sources of messages too; named anyway so the rollups never depend on that.
        foreach (var point in points.SecurityPeers)
        {
            minutes.Add(point.Minute);
            sources.Add(point.Key.Source);
        }

        return (minutes, sources);
    }

    /// <summary>
    /// Runs a rollup plan (whatever <see cref="InfluxOptions.Rollups"/> says: the rollup command asks for it): one
    /// request per tier, more when a tier has over <see cref="RollupSpansPerRequest"/> spans.
    /// </summary>
    public async Task<long> WriteRollupsAsync(IReadOnlyList<RollupStep> plan, CancellationToken cancellationToken)
    {
        if (plan.All(step => step.Spans.Count == 0))
        {
            return 0;
        }

        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        long written = 0;
        foreach (var step in plan)
        {
            foreach (var spans in step.Spans.Chunk(Math.Max(1, RollupSpansPerRequest)))
            {
                long count = 0;
                await RetryAsync(spans.Length, async () => count = await _transport!.RollupAsync(step, spans, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                written += count;
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        RollupPointsWritten += written;
        RollupTime += elapsed;
        ExporterMetrics.RollupPoints.Add(written);
        ExporterMetrics.RollupDuration.Record(elapsed.TotalSeconds);
        return written;
    }

    public void Dispose()
    {
        _transport?.Dispose();
        _lines.Dispose();
    }

    private async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        var lines = _lines.LineCount;
        if (lines == 0)
        {
            return 0;
        }

        await WriteLinesAsync(_lines.WrittenMemory, lines, cancellationToken).ConfigureAwait(false);
        _lines.Clear();
        return lines;
    }

    private async Task RetryAsync(int lines, Func<Task> attempt, CancellationToken cancellationToken)
    {
        var failures = 0;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                await attempt().ConfigureAwait(false);
                if (failures > 0)
                {
                    Log.Recovered(_logger, failures + 1);
                }

                return;
            }
            catch (InfluxWriteException e) when (e.Retryable && !cancellationToken.IsCancellationRequested)
            {
                failures++;
                if (_options.RetryFor is { } limit && Stopwatch.GetElapsedTime(started) > limit)
                {
                    Log.WriteFailed(_logger, lines, e.Message);
                    throw new InfluxWriteException($"{e.Message} (still failing after {limit.TotalSeconds:0} s of retries)", false, e.Status, e);
                }

                var delay = Backoff(failures);
                RetryCount++;
                ExporterMetrics.Retries.Add(1);
                Log.Retrying(_logger, failures, lines, (long)delay.TotalMilliseconds, e.Message);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (InfluxWriteException e) when (!e.Retryable)
            {
                Log.WriteFailed(_logger, lines, e.Message);
                throw;
            }
        }
    }

    /// <summary>Exponential backoff with "equal jitter": half the delay fixed, half random, so retrying writers spread out.</summary>
    private TimeSpan Backoff(int failures)
    {
        var ceiling = Math.Min(RetryMaxDelay.TotalMilliseconds, RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 20)));
        return TimeSpan.FromMilliseconds((ceiling / 2) + (Random.Shared.NextDouble() * ceiling / 2));
    }
}
