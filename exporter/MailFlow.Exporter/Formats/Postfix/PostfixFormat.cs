using MailFlow.Exporter.Formats.Syslog;

namespace MailFlow.Exporter.Formats.Postfix;

/// <summary>
/// Postfix logs through syslog (RFC 3339 or classic timestamps), any service name (<c>postfix/smtpd</c>,
/// <c>postfix/submission/smtpd</c>, <c>postfix-out/smtp</c>...). Counting rules: docs log-formats.md.
/// </summary>
public sealed class PostfixFormat : ISyslogFormat
{
    public string Name => "postfix";

    public string Description => "Postfix mail log (syslog: RFC 3339 or classic timestamps)";

    public double Detect(IReadOnlyList<string> sample) => SyslogDetection.Score(sample, IsPostfixProgram);

    public bool IsOwnProgram(ReadOnlySpan<byte> program) => IsPostfixProgram(program);

    public ILogParser CreateParser(ParseContext context) => new PostfixParser(context);

    /// <summary><c>postfix</c>, <c>postfix/...</c> or a multi-instance <c>postfix-name/...</c>.</summary>
    internal static bool IsPostfixProgram(ReadOnlySpan<byte> program) =>
        program.StartsWith("postfix"u8) && (program.Length == 7 || program[7] == (byte)'/' || program[7] == (byte)'-');
}
