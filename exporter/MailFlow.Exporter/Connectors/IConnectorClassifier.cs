using MailFlow.Exporter.Records;

namespace MailFlow.Exporter.Connectors;

/// <summary>Decides which connector a message took.</summary>
public interface IConnectorClassifier
{
    /// <summary>The first declared connector that matches the record, else the implicit one for its direction.</summary>
    ConnectorInfo Classify(in MailRecord record);
}
