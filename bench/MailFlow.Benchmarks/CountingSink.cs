using MailFlow.Exporter.Records;

namespace MailFlow.Benchmarks;

/// <summary>Counts what a parser emits and keeps nothing, so the benchmark measures the parser alone.</summary>
public sealed class CountingSink : IRecordSink
{
    public long Records { get; private set; }
    public long Recipients { get; private set; }
    public long Problems { get; private set; }

    public void OnRecord(in MailRecord record)
    {
        Records++;
        Recipients += record.Recipients;
    }

    public void OnProblem(in ParseProblem problem) => Problems++;
}
