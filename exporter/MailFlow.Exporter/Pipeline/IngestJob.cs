using System.Diagnostics;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;
using MailFlow.Exporter.Records;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Telemetry;

namespace MailFlow.Exporter.Pipeline;

/// <summary>What an ingest did.</summary>
public sealed record IngestSummary(
    IReadOnlyList<InputResult> Inputs,
    long Lines,
    long Bytes,
    long Records,
    long Problems,
    IReadOnlyList<ParseProblem> FirstProblems,
    long Points,
    TimeSpan ParseTime,
    TimeSpan Elapsed)
{
    /// <summary>Rollup points (5m, 1h, 1d) recomputed after the minutes were written.</summary>
    public long RollupPoints { get; init; }

    /// <summary>Time spent recomputing the rollups (included in <see cref="Elapsed"/>).</summary>
    public TimeSpan RollupTime { get; init; }

    /// <summary>True when no input could be read at all (every one failed): the exit code should say so.</summary>
    public bool NothingRead => Inputs.Count > 0 && Inputs.All(input => input.Error is not null);

    /// <summary>Syslog lines of other programs (cron, kernel...) skipped quietly.</summary>
    public long OtherProgramLines => Inputs.Sum(i => i.Lines.OtherProgramLines);

    /// <summary>Input bytes per second over the whole run.</summary>
    public double BytesPerSecond => Elapsed.TotalSeconds > 0 ? Bytes / Elapsed.TotalSeconds : 0;

    /// <summary>Records per second over the whole run.</summary>
    public double RecordsPerSecond => Elapsed.TotalSeconds > 0 ? Records / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// The <c>ingest</c> driver of <see cref="BatchPipeline"/>: every input is parsed and aggregated first (in
/// parallel, one aggregator per input, summed), and only then are the complete per-minute totals written. Running
/// it again over the same inputs writes the same totals, which overwrite the first ones: the result is that of
/// one clean pass.
/// Once every minute point is acknowledged, the rollup tiers of every bucket those minutes touch are
/// recomputed from what InfluxDB stores (so other ingests' minutes in the same hour or day count too).
/// </summary>
public sealed class IngestJob
{
    /// <summary>Lines not understood kept for the summary (all are counted; notices are not listed).</summary>
    public const int ProblemsKept = 20;

    private readonly Func<IPointAggregator> _newAggregator;
    private readonly InfluxPointWriter? _writer;

    /// <param name="writer">Where to write; null parses and aggregates only (the parse-only baseline of the benchmark).</param>
    public IngestJob(Func<IPointAggregator> newAggregator, InfluxPointWriter? writer)
    {
        _newAggregator = newAggregator;
        _writer = writer;
    }

    /// <summary>Parallel inputs; default: the processor count.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>The terminal progress display, when there is one.</summary>
    public BatchProgress? Progress { get; init; }

    public async Task<IngestSummary> RunAsync(IReadOnlyList<InputSource> inputs, ParseOptions options, ILogFormat? format, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (_writer is not null)
        {
            // Fail fast on a wrong URL or credentials, before spending minutes parsing.
            await _writer.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }

        var totals = new MinuteTotals();
        var (sinks, results) = BatchPipeline.Read(inputs, () => new CountingSink(_newAggregator()), options, format, Parallelism, Progress, (sink, result) =>
        {
            totals.AddAll(sink.Aggregator);
            ExporterMetrics.LinesRead.Add(result.Lines.Lines);
            ExporterMetrics.Records.Add(sink.Records);
        }, cancellationToken);

        var parseTime = clock.Elapsed;
        long points = 0;
        long rollupPoints = 0;
        var rollupTime = TimeSpan.Zero;
        if (_writer is not null)
        {
            points = await _writer.WriteAsync(totals.Series, totals.Peers, totals.Security, totals.Blocked, totals.SecurityPeers, cancellationToken).ConfigureAwait(false);
            var rollupStarted = Stopwatch.GetTimestamp();
            var (minutes, sources) = InfluxPointWriter.Touched(new MinutePoints([.. totals.Series], [.. totals.Peers], [], [.. totals.Blocked], [.. totals.SecurityPeers]));
            rollupPoints = await _writer.WriteRollupsAsync(minutes, sources, cancellationToken).ConfigureAwait(false);
            rollupTime = Stopwatch.GetElapsedTime(rollupStarted);
        }
        else
        {
            points = totals.PointCount;
        }

        return new IngestSummary(
            results,
            results.Sum(r => r.Lines.Lines),
            results.Sum(r => r.Lines.Bytes),
            sinks.Sum(s => s.Records),
            sinks.Sum(s => s.Problems),
            sinks.SelectMany(s => s.FirstProblems).Take(ProblemsKept).ToList(),
            points,
            parseTime,
            clock.Elapsed)
        {
            RollupPoints = rollupPoints,
            RollupTime = rollupTime,
        };
    }

    /// <summary>Counts records and problems on their way to the aggregator.</summary>
    private sealed class CountingSink(IPointAggregator aggregator) : IRecordSink
    {
        public IPointAggregator Aggregator => aggregator;

        public long Records { get; private set; }

        public long Problems { get; private set; }

        public List<ParseProblem> FirstProblems { get; } = [];

        public void OnRecord(in MailRecord record)
        {
            // A delivery a TLS policy stopped is counted apart, not as a message.
            if (record.Blocked == Contracts.Vocabulary.BlockReason.None)
            {
                Records++;
            }

            aggregator.OnRecord(record);
        }

        public void OnProblem(in ParseProblem problem)
        {
            if (problem.Severity != ProblemSeverity.Notice)
            {
                Problems++;
                ExporterMetrics.LinesNotUnderstood.Add(1);
                if (FirstProblems.Count < ProblemsKept)
                {
                    FirstProblems.Add(problem);
                }
            }

            aggregator.OnProblem(problem);
        }
    }
}
