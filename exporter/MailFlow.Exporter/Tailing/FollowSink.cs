using MailFlow.Exporter.Records;
using MailFlow.Exporter.Sinks;
using MailFlow.Exporter.Telemetry;
using Microsoft.Extensions.Logging;

namespace MailFlow.Exporter.Tailing;

/// <summary>
/// The sink a follower's parsers write to: records go to the aggregator of the current step, except records
/// completed by lines that were already counted before a restart (the replay that rebuilds session state).
/// </summary>
internal sealed class FollowSink(ILogger logger) : IRecordSink
{
    private const int ProblemsLoggedInFull = 100;
    private IPointAggregator? _current;
    private long _replayUntil;
    private bool _hasRecords;
    private DateTimeOffset? _latest;

    /// <summary>The end offset of the line being parsed.</summary>
    public long LineEnd { get; set; }

    public long Records { get; private set; }

    public long Problems { get; private set; }

    public void Begin(IPointAggregator aggregator, long replayUntil)
    {
        _current = aggregator;
        _replayUntil = replayUntil;
        _hasRecords = false;
        _latest = null;
    }

    /// <summary>Ends the step: the aggregator when it received records (else null), and the step's newest record time.</summary>
    public (IPointAggregator? Points, DateTimeOffset? Latest) End()
    {
        var result = _hasRecords ? _current : null;
        _current = null;
        return (result, _latest);
    }

    public void OnRecord(in MailRecord record)
    {
        if (LineEnd <= _replayUntil || _current is null)
        {
            return;
        }

        _current.OnRecord(record);
        _hasRecords = true;
        if (record.Blocked == Contracts.Vocabulary.BlockReason.None)
        {
            // A delivery a TLS policy stopped is counted apart, not as a message.
            Records++;
            ExporterMetrics.Records.Add(1);
        }

        if (_latest is null || record.Timestamp > _latest)
        {
            _latest = record.Timestamp;
        }
    }

    public void OnProblem(in ParseProblem problem)
    {
        if (LineEnd <= _replayUntil)
        {
            return;
        }

        _current?.OnProblem(problem);
        if (problem.Severity == ProblemSeverity.Notice)
        {
            return;
        }

        Problems++;
        ExporterMetrics.LinesNotUnderstood.Add(1);
        if (Problems <= ProblemsLoggedInFull || Problems % 1000 == 0)
        {
            Log.ParseProblem(logger, problem.Source, problem.Line, problem.Detail is null ? problem.Reason : problem.Reason + ": " + problem.Detail);
        }
    }
}
