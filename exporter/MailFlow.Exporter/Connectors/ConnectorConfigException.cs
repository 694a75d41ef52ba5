namespace MailFlow.Exporter.Connectors;

/// <summary>A connectors file that cannot be used; the message names the file, the line and what to fix.</summary>
public sealed class ConnectorConfigException(string message) : Exception(message);
