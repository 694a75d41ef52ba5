using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Aggregation;

/// <summary>
/// Problems grouped by reason, with a count and the first few places each was seen, so that a million bad lines
/// cost a few counters and the user still gets file and line numbers to look at.
/// </summary>
public sealed class ProblemLog
{
    /// <summary>Places kept per reason.</summary>
    public const int ExamplesPerReason = 5;

    private readonly Dictionary<(string Reason, ProblemSeverity Severity), ProblemGroup> _groups = [];

    /// <summary>Every reason seen, most frequent first.</summary>
    public IEnumerable<ProblemGroup> Groups => _groups.Values.OrderByDescending(g => g.Severity).ThenByDescending(g => g.Count).ThenBy(g => g.Reason, StringComparer.Ordinal);

    /// <summary>Lines that could not be understood (warnings), all reasons together.</summary>
    public long LinesNotUnderstood => _groups.Values.Where(g => g.Severity == ProblemSeverity.Warning && g.CountsAsLine).Sum(g => g.Count);

    public void Add(in ParseProblem problem)
    {
        var key = (problem.Reason, problem.Severity);
        if (!_groups.TryGetValue(key, out var group))
        {
            group = new ProblemGroup(problem.Reason, problem.Severity);
            _groups.Add(key, group);
        }

        group.Count++;
        if (group.Examples.Count < ExamplesPerReason)
        {
            group.Examples.Add(problem);
        }
    }

    public void Merge(ProblemLog other)
    {
        foreach (var (key, theirs) in other._groups)
        {
            if (!_groups.TryGetValue(key, out var mine))
            {
                mine = new ProblemGroup(theirs.Reason, theirs.Severity);
                _groups.Add(key, mine);
            }

            mine.Count += theirs.Count;
            foreach (var example in theirs.Examples)
            {
                if (mine.Examples.Count >= ExamplesPerReason)
                {
                    break;
                }

                mine.Examples.Add(example);
            }
        }
    }
}

/// <summary>All problems of one reason.</summary>
public sealed class ProblemGroup(string reason, ProblemSeverity severity)
{
    public string Reason { get; } = reason;
    public ProblemSeverity Severity { get; } = severity;
    public long Count { get; set; }
    public List<ParseProblem> Examples { get; } = [];

    /// <summary>Line-level problems count as lines not understood; input-level notes (line 0) do not.</summary>
    public bool CountsAsLine => Examples.Count == 0 || Examples[0].Line > 0;
}
