using MailFlow.Exporter.Formats.Syslog;

namespace MailFlow.Exporter.Formats.Sendmail;

/// <summary>
/// Sendmail logs through syslog (<c>sm-mta</c>, <c>sendmail</c>, <c>sm-msp-queue</c>). Counting rules: docs
/// log-formats.md, "Sendmail".
/// </summary>
public sealed class SendmailFormat : ISyslogFormat
{
    public string Name => "sendmail";

    public string Description => "Sendmail syslog lines (sm-mta: from=/to= and STARTTLS= lines)";

    public double Detect(IReadOnlyList<string> sample) => SyslogDetection.Score(sample, IsSendmailProgram);

    public bool IsOwnProgram(ReadOnlySpan<byte> program) => IsSendmailProgram(program);

    public ILogParser CreateParser(ParseContext context) => new SendmailParser(context);

    internal static bool IsSendmailProgram(ReadOnlySpan<byte> program) =>
        program.StartsWith("sm-mta"u8) || program.StartsWith("sendmail"u8) || program.StartsWith("sm-msp"u8);
}
