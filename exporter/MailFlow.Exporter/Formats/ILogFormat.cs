namespace MailFlow.Exporter.Formats;

/// <summary>A log format: how to recognise it and how to parse it.</summary>
public interface ILogFormat
{
    /// <summary>The name used on the command line (<c>--format</c>) and in messages, e.g. <c>postfix</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c> and documentation.</summary>
    string Description { get; }

    /// <summary>
    /// How sure this format is that the sample is its own, from 0 (not mine) to 1 (certainly mine). The sample is
    /// the first non-empty lines of the input (up to <see cref="FormatDetector.SampleLines"/>), decoded as UTF-8.
    /// </summary>
    double Detect(IReadOnlyList<string> sample);

    /// <summary>Creates a parser for one input.</summary>
    ILogParser CreateParser(ParseContext context);
}
