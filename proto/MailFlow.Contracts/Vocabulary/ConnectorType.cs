namespace MailFlow.Contracts.Vocabulary;

/// <summary>The kind of path a message took, as in Microsoft's Connector report.</summary>
public enum ConnectorType : byte
{
    /// <summary>No connector matched: "From the internet without a connector" / "To the internet without a connector".</summary>
    Internet = 0,

    /// <summary>A connector to or from a partner organisation.</summary>
    Partner = 1,

    /// <summary>A connector to or from the organisation's own (on-premises) servers.</summary>
    OnPremises = 2,

    /// <summary>Authenticated client submission ("SMTP Auth clients").</summary>
    Submission = 3,
}

/// <summary>Wire spellings of connector types and the names of the implicit connectors.</summary>
public static class ConnectorTypes
{
    public static readonly IReadOnlyList<ConnectorType> All = [ConnectorType.Internet, ConnectorType.Partner, ConnectorType.OnPremises, ConnectorType.Submission];

    /// <summary>Inbound messages that match no declared connector (Microsoft's wording).</summary>
    public const string InboundWithoutConnector = "From the internet without a connector";

    /// <summary>Outbound messages that match no declared connector (Microsoft's wording).</summary>
    public const string OutboundWithoutConnector = "To the internet without a connector";

    /// <summary>Authenticated submissions that match no declared connector.</summary>
    public const string SubmissionWithoutConnector = "SMTP Auth clients";

    public static string ToWire(this ConnectorType type) => type switch
    {
        ConnectorType.Internet => "Internet",
        ConnectorType.Partner => "Partner",
        ConnectorType.OnPremises => "OnPremises",
        ConnectorType.Submission => "Submission",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static bool TryParseWire(string? text, out ConnectorType type)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToWire(), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }

    /// <summary>The implicit connector a message belongs to when no declared connector matches it.</summary>
    public static string DefaultConnectorName(Direction direction) => direction switch
    {
        Direction.Inbound => InboundWithoutConnector,
        Direction.Outbound => OutboundWithoutConnector,
        _ => SubmissionWithoutConnector,
    };
}
