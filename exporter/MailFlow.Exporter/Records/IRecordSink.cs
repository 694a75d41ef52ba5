namespace MailFlow.Exporter.Records;

/// <summary>Receives what a parser finds in one input: messages, and lines it could not understand.</summary>
public interface IRecordSink
{
    void OnRecord(in MailRecord record);

    /// <summary>A line that belongs to the format but could not be understood, or a note about the input.</summary>
    void OnProblem(in ParseProblem problem);
}

/// <summary>How serious a <see cref="ParseProblem"/> is.</summary>
public enum ProblemSeverity
{
    /// <summary>Advice about the input as a whole (e.g. TLS logging looks switched off).</summary>
    Notice,

    /// <summary>A line that could not be understood; the lines around it are still read.</summary>
    Warning,

    /// <summary>The input could not be read at all.</summary>
    Error,
}

/// <summary>
/// A problem found in an input. <see cref="Reason"/> is a short, stable phrase (it is used to group and count
/// problems), so put the variable part in <see cref="Detail"/>.
/// </summary>
/// <param name="Source">The input's display name (file path, or <c>-</c> for stdin).</param>
/// <param name="Line">1-based line number; 0 when the problem concerns the whole input.</param>
/// <param name="Reason">Short, stable description, e.g. "no syslog timestamp".</param>
/// <param name="Detail">Optional variable detail, e.g. the offending text (truncated).</param>
/// <param name="Severity">How serious it is.</param>
public readonly record struct ParseProblem(string Source, long Line, string Reason, string? Detail = null, ProblemSeverity Severity = ProblemSeverity.Warning);
