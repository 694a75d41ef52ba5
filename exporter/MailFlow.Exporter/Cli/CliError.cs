namespace MailFlow.Exporter.Cli;

/// <summary>A problem with what the user asked for (bad option value, unreadable config): printed as one line, no stack trace.</summary>
public sealed class CliError(string message) : Exception(message);
