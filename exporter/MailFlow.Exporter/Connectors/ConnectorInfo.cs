using MailFlow.Contracts.Vocabulary;

namespace MailFlow.Exporter.Connectors;

/// <summary>The connector a message took: a declared one, or the implicit "... without a connector".</summary>
/// <param name="Name">Display name; also the InfluxDB tag value.</param>
/// <param name="Type">Partner, OnPremises, Internet (implicit) or Submission.</param>
/// <param name="ForcedTls">True when the connector requires TLS: a plaintext message on it is an incident.</param>
public sealed record ConnectorInfo(string Name, ConnectorType Type, bool ForcedTls)
{
    public static readonly ConnectorInfo InboundInternet = new(ConnectorTypes.InboundWithoutConnector, ConnectorType.Internet, false);
    public static readonly ConnectorInfo OutboundInternet = new(ConnectorTypes.OutboundWithoutConnector, ConnectorType.Internet, false);
    public static readonly ConnectorInfo SubmissionClients = new(ConnectorTypes.SubmissionWithoutConnector, ConnectorType.Submission, false);

    /// <summary>The implicit connector for a direction.</summary>
    public static ConnectorInfo Default(Direction direction) => direction switch
    {
        Direction.Inbound => InboundInternet,
        Direction.Outbound => OutboundInternet,
        _ => SubmissionClients,
    };
}
