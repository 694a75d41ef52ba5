namespace MailFlow.Contracts.Schema;

/// <summary>
/// The InfluxDB schema written by the exporter and read by the query engine. One point per series per minute,
/// timestamped at the start of the minute (UTC). Changing a name here changes both sides at once.
/// </summary>
public static class InfluxSchema
{
    /// <summary>Message counts per direction, connector and TLS version.</summary>
    public const string MessagesMeasurement = "mailflow_messages";

    /// <summary>
    /// Message counts per remote peer, written only for plaintext and legacy TLS (none, SSLv3, TLS 1.0, TLS 1.1)
    /// so that cardinality stays bounded by the peers an administrator must contact.
    /// </summary>
    public const string PeersMeasurement = "mailflow_peers";

    /// <summary>Tag keys.</summary>
    public static class Tags
    {
        /// <summary><c>inbound</c>, <c>outbound</c> or <c>submission</c>.</summary>
        public const string Direction = "direction";

        /// <summary>The connector's name (declared, or one of the implicit "... without a connector" names).</summary>
        public const string Connector = "connector";

        /// <summary><c>Internet</c>, <c>Partner</c>, <c>OnPremises</c> or <c>Submission</c>.</summary>
        public const string ConnectorType = "connector_type";

        /// <summary><c>true</c> when the connector requires TLS ("Forced TLS").</summary>
        public const string ForcedTls = "forced_tls";

        /// <summary><c>none</c>, <c>SSLv3</c>, <c>TLS1.0</c>, <c>TLS1.1</c>, <c>TLS1.2</c>, <c>TLS1.3</c> or <c>unknown</c>.</summary>
        public const string Tls = "tls";

        /// <summary>The mail server whose log the point came from (syslog host, Exchange server name, or configured).</summary>
        public const string Source = "source";

        /// <summary>Peers measurement only: the remote domain (or host when no domain is known).</summary>
        public const string Peer = "peer";
    }

    /// <summary>Field keys (all integers).</summary>
    public static class Fields
    {
        public const string Messages = "messages";
        public const string Recipients = "recipients";

        /// <summary>Message size in bytes where the log gives it; 0 otherwise.</summary>
        public const string Bytes = "bytes";
    }
}
