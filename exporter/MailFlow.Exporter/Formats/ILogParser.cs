namespace MailFlow.Exporter.Formats;

/// <summary>
/// Turns the lines of one input into <see cref="Records.MailRecord"/>s. One instance reads one input from its
/// first line to its last; it keeps whatever session state the format needs for correlation. Not thread-safe.
/// </summary>
public interface ILogParser
{
    /// <summary>
    /// Parses one line: raw UTF-8 bytes without the line terminator (LF, CRLF) and, on the first line, without a
    /// UTF-8 byte order mark. Lines may contain invalid UTF-8; never throw on bad input, report it to the sink.
    /// </summary>
    void ParseLine(ReadOnlySpan<byte> line, long lineNumber);

    /// <summary>The input ended: emit messages still held back for correlation, and input-level notices.</summary>
    void Complete();
}
