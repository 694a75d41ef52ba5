using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Pipeline;

/// <summary>
/// The batch pipeline that <c>report</c> (<see cref="LogBatch"/>, totals in memory) and <c>ingest</c>
/// (<see cref="IngestJob"/>, totals written to InfluxDB) both drive: every input is read in parallel into a sink
/// of its own (parsers keep per-input session state), and the driver combines the sinks.
/// </summary>
public static class BatchPipeline
{
    /// <summary>
    /// Reads every input into a new sink of <paramref name="newSink"/>. <paramref name="inputDone"/> is called
    /// once per input as it finishes, under a lock (so it may add into shared totals).
    /// </summary>
    /// <returns>Each input's sink and outcome, in input order.</returns>
    public static (TSink[] Sinks, InputResult[] Results) Read<TSink>(
        IReadOnlyList<InputSource> inputs,
        Func<TSink> newSink,
        ParseOptions options,
        ILogFormat? format,
        int parallelism,
        BatchProgress? progress,
        Action<TSink, InputResult>? inputDone,
        CancellationToken cancellationToken)
        where TSink : IRecordSink
    {
        var sinks = new TSink[inputs.Count];
        var results = new InputResult[inputs.Count];
        var gate = new object();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken };
        Parallel.For(0, inputs.Count, parallel, i =>
        {
            var sink = newSink();
            var slot = progress?.Start(inputs[i]);
            results[i] = InputProcessor.Process(inputs[i], sink, options, format, slot is null ? null : slot.Report, cancellationToken);
            slot?.Finish();
            sinks[i] = sink;
            if (inputDone is not null)
            {
                lock (gate)
                {
                    inputDone(sink, results[i]);
                }
            }
        });
        return (sinks, results);
    }
}
