using MailFlow.Exporter.Aggregation;
using MailFlow.Exporter.Connectors;
using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;

namespace MailFlow.Exporter.Pipeline;

/// <summary>What a batch of inputs gave: the merged counts and each input's outcome, in input order.</summary>
public sealed record BatchResult(MailFlowAggregator Aggregate, IReadOnlyList<InputResult> Inputs)
{
    /// <summary>True when no input could be read at all (every one failed): the exit code should say so.</summary>
    public bool NothingRead => Inputs.Count > 0 && Inputs.All(input => input.Error is not null);
}

/// <summary>Settings of one batch run.</summary>
public sealed record BatchSettings
{
    public required IConnectorClassifier Classifier { get; init; }
    public required TimeSpan Bucket { get; init; }
    public ParseOptions ParseOptions { get; init; } = new();
    public ILogFormat? ForcedFormat { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
    public string? SourceOverride { get; init; }

    /// <summary>Inputs read at once; default one per core.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>
/// The <c>report</c> driver of <see cref="BatchPipeline"/>: one aggregator per input, merged in memory.
/// Memory is bounded by the aggregates, not by input size.
/// </summary>
public static class LogBatch
{
    public static BatchResult Run(IReadOnlyList<InputSource> inputs, BatchSettings settings, BatchProgress? progress = null, CancellationToken cancellationToken = default, PhaseTimings? timings = null)
    {
        var (aggregates, results) = BatchPipeline.Read(inputs, () => NewAggregator(settings), settings.ParseOptions, settings.ForcedFormat, settings.Parallelism, progress, null, cancellationToken);
        timings?.Mark("read, parse, correlate, aggregate", results.Sum(r => r.Lines.Bytes));
        var merged = NewAggregator(settings);
        foreach (var aggregate in aggregates)
        {
            merged.Merge(aggregate);
        }

        timings?.Mark("merge the inputs' totals");

        return new BatchResult(merged, results);
    }

    private static MailFlowAggregator NewAggregator(BatchSettings settings) =>
        new(settings.Classifier, settings.Bucket, settings.From, settings.To, settings.SourceOverride);
}
