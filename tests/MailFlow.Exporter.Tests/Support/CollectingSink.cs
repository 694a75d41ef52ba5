using MailFlow.Exporter.Formats;
using MailFlow.Exporter.Input;
using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Tests.Support;

/// <summary>Keeps every record and problem a parser emits, for assertions.</summary>
public sealed class CollectingSink : IRecordSink
{
    public List<MailRecord> Records { get; } = [];
    public List<ParseProblem> Problems { get; } = [];

    public void OnRecord(in MailRecord record) => Records.Add(record);

    public void OnProblem(in ParseProblem problem) => Problems.Add(problem);

    /// <summary>Parses a file with the given format (or detection when null) into a new sink.</summary>
    public static (CollectingSink Sink, InputResult Result) Parse(string path, ILogFormat? format = null, ParseOptions? options = null)
    {
        var sink = new CollectingSink();
        var result = InputProcessor.Process(new InputSource(path), sink, options ?? new ParseOptions { TimeZone = TimeZoneInfo.Utc }, format);
        return (sink, result);
    }
}
