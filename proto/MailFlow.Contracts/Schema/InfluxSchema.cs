namespace MailFlow.Contracts.Schema;

/// <summary>
/// The InfluxDB schema written by the exporter and read by the query engine. One point per series per minute,
/// timestamped at the start of the minute (UTC), plus the rollup tiers of <see cref="RollupTiers"/>. Changing a
/// name here changes both sides at once.
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

    /// <summary>
    /// Message counts per direction, connector type and TLS version (tags <see cref="TlsMeasurementTags"/>, no
    /// connector), summed from <see cref="MessagesMeasurement"/> by the exporter's rollup step: per minute, and in the
    /// tiers <c>mailflow_tls_5m</c>, <c>_1h</c>, <c>_1d</c>. Questions that do not name connectors (the TLS summary and time series of
    /// the dashboards) read these few series instead of one per connector.
    /// </summary>
    public const string TlsMeasurement = "mailflow_tls";

    /// <summary>
    /// SMTP TLS reports (RFC 8460) received from sending organisations: one point per report and policy (policies of
    /// one report with the same tags summed), tags <see cref="TlsReportTags.Organization"/>,
    /// <see cref="TlsReportTags.PolicyType"/>, <see cref="TlsReportTags.PolicyDomain"/>, <see cref="TlsReportTags.MxHost"/>;
    /// fields <see cref="TlsReportFields.Successful"/>, <see cref="TlsReportFields.Failed"/> and
    /// <see cref="TlsReportFields.ReportId"/>. Timestamp: the report's UTC day plus a per-report offset of whole seconds
    /// within that day (a function of the organisation and report-id), so that the same report written again
    /// overwrites itself while two reports of one day stay two points that add up.
    /// </summary>
    public const string TlsReportSessionsMeasurement = "tlsrpt_sessions";

    /// <summary>
    /// The failed sessions of SMTP TLS reports by result type and receiving MX: one point per report, policy
    /// series, <see cref="TlsReportTags.ResultType"/> and <see cref="TlsReportTags.ReceivingMx"/> (failure details with
    /// those tags summed), field <see cref="TlsReportFields.Sessions"/> and <see cref="TlsReportFields.ReportId"/>; same
    /// timestamp as the report's <see cref="TlsReportSessionsMeasurement"/> points.
    /// </summary>
    public const string TlsReportFailuresMeasurement = "tlsrpt_failures";

    /// <summary>Tag keys of the TLS report measurements.</summary>
    public static class TlsReportTags
    {
        /// <summary>The reporting organisation (<c>organization-name</c>).</summary>
        public const string Organization = "organization";

        /// <summary><c>sts</c>, <c>tlsa</c> or <c>no-policy-found</c>.</summary>
        public const string PolicyType = "policy_type";

        /// <summary>The policy domain (lower case, no trailing dot).</summary>
        public const string PolicyDomain = "policy_domain";

        /// <summary>Sessions only: the policy's <c>mx-host</c> entries (MTA-STS patterns, or the TLSA host), lower case, sorted, comma-separated; absent for no-policy-found.</summary>
        public const string MxHost = "mx_host";

        /// <summary>Failures only: the <c>result-type</c> (the RFC 8460 registry, or an unknown type as given).</summary>
        public const string ResultType = "result_type";

        /// <summary>Failures only: <c>receiving-mx-hostname</c> (lower case, no trailing dot), else <c>receiving-ip</c>, else absent.</summary>
        public const string ReceivingMx = "receiving_mx";
    }

    /// <summary>Field keys of the TLS report measurements.</summary>
    public static class TlsReportFields
    {
        /// <summary>Sessions: <c>total-successful-session-count</c> (integer).</summary>
        public const string Successful = "successful";

        /// <summary>Sessions: <c>total-failure-session-count</c> (integer).</summary>
        public const string Failed = "failed";

        /// <summary>Failures: the sum of <c>failed-session-count</c> (integer).</summary>
        public const string Sessions = "sessions";

        /// <summary>Both: the report's <c>report-id</c> (string field, not a tag: it would grow a series per report).</summary>
        public const string ReportId = "report_id";
    }

    /// <summary>
    /// Message counts per direction, connector, auth level and cipher class (tags <see cref="SecurityMeasurementTags"/>:
    /// no TLS version, no peer), so its series are bounded by connectors x 6 auth levels x 5 cipher classes x sources,
    /// whatever the traffic. Written with <see cref="MessagesMeasurement"/> from the same records (same minutes, same
    /// totals), with the same rollup tiers. Minutes written before it existed have no point here: a reader that
    /// needs auth or cipher for them counts the difference to <see cref="MessagesMeasurement"/> as <c>unknown</c>.
    /// </summary>
    public const string SecurityMeasurement = "mailflow_security";

    /// <summary>The tags of <see cref="SecurityMeasurement"/>.</summary>
    public static IReadOnlyList<string> SecurityMeasurementTags { get; } =
        [Tags.Direction, Tags.Connector, Tags.ConnectorType, Tags.ForcedTls, Tags.Auth, Tags.Cipher, Tags.Source];

    /// <summary>
    /// Outbound deliveries a TLS policy stopped (not messages: never in <see cref="MessagesMeasurement"/>), per
    /// connector, recipient domain and reason, with <see cref="Fields.LastSeen"/> as for peers (tags
    /// <see cref="BlockedMeasurementTags"/>). Bounded by the recipient domains that enforce or are enforced a policy
    /// (x 6 reasons); written only when a delivery is blocked.
    /// </summary>
    public const string BlockedMeasurement = "mailflow_blocked";

    /// <summary>The tags of <see cref="BlockedMeasurement"/>.</summary>
    public static IReadOnlyList<string> BlockedMeasurementTags { get; } =
        [Tags.Direction, Tags.Connector, Tags.ConnectorType, Tags.ForcedTls, Tags.RecipientDomain, Tags.Reason, Tags.Source];

    /// <summary>
    /// Messages with a transit-security concern (an unverified certificate on a connector that should verify, or a
    /// weak cipher) per peer, with <see cref="Fields.LastSeen"/> as for peers (tags <see cref="SecurityPeersMeasurementTags"/>).
    /// Written only for such messages, so its series are bounded by the peers an administrator must contact, like
    /// <see cref="PeersMeasurement"/>; the same messages are also in <see cref="SecurityMeasurement"/>.
    /// </summary>
    public const string SecurityPeersMeasurement = "mailflow_security_peers";

    /// <summary>The tags of <see cref="SecurityPeersMeasurement"/>.</summary>
    public static IReadOnlyList<string> SecurityPeersMeasurementTags { get; } =
        [Tags.Direction, Tags.Connector, Tags.ConnectorType, Tags.ForcedTls, Tags.Peer, Tags.Concern, Tags.Auth, Tags.Cipher, Tags.Source];

    /// <summary>The tags kept by <see cref="TlsMeasurement"/>.</summary>
    public static IReadOnlyList<string> TlsMeasurementTags { get; } = [Tags.Direction, Tags.ConnectorType, Tags.Tls, Tags.Source];

    /// <summary>
    /// Message counts per direction, connector type, auth level and cipher class (tags
    /// <see cref="SecurityNarrowMeasurementTags"/>, no connector), summed from <see cref="SecurityMeasurement"/> by the
    /// rollup step as <see cref="TlsMeasurement"/> is from <see cref="MessagesMeasurement"/>: per minute and in its
    /// tiers. The transit-security time series that name no connector read these few series instead of one per connector.
    /// </summary>
    public const string SecurityNarrowMeasurement = "mailflow_security_narrow";

    /// <summary>The tags kept by <see cref="SecurityNarrowMeasurement"/>.</summary>
    public static IReadOnlyList<string> SecurityNarrowMeasurementTags { get; } = [Tags.Direction, Tags.ConnectorType, Tags.Auth, Tags.Cipher, Tags.Source];

    /// <summary>The narrow measurements (no connector) and what each sums: its source's minutes, grouped by its tags.</summary>
    public static IReadOnlyDictionary<string, (string Source, IReadOnlyList<string> Tags)> NarrowMeasurements { get; } =
        new Dictionary<string, (string, IReadOnlyList<string>)>(StringComparer.Ordinal)
        {
            [TlsMeasurement] = (MessagesMeasurement, TlsMeasurementTags),
            [SecurityNarrowMeasurement] = (SecurityMeasurement, SecurityNarrowMeasurementTags),
        };

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

        /// <summary>Security measurement: <c>verified</c>, <c>trusted</c>, <c>untrusted</c>, <c>anonymous</c>, <c>none</c> or <c>unknown</c>.</summary>
        public const string Auth = "auth";

        /// <summary>Security measurement: <c>strong</c>, <c>legacy</c>, <c>weak</c>, <c>none</c> or <c>unknown</c>.</summary>
        public const string Cipher = "cipher";

        /// <summary>Blocked measurement: the recipient's domain (or the remote host when the log names no recipient).</summary>
        public const string RecipientDomain = "recipient_domain";

        /// <summary>
        /// Blocked measurement: <c>tls-not-offered</c>, <c>certificate-not-verified</c>, <c>dane</c>, <c>mta-sts</c>,
        /// <c>tls-handshake</c> or <c>cipher-too-weak</c>.
        /// </summary>
        public const string Reason = "reason";

        /// <summary>Security-peers measurement: <c>weak-cipher</c> or <c>unverified-certificate</c>.</summary>
        public const string Concern = "concern";
    }

    /// <summary>Field keys (all integers).</summary>
    public static class Fields
    {
        public const string Messages = "messages";
        public const string Recipients = "recipients";

        /// <summary>Message size in bytes where the log gives it; 0 otherwise.</summary>
        public const string Bytes = "bytes";

        /// <summary>
        /// Peers, security peers and blocked only: the Unix time in seconds of the newest minute in the point (for a minute point, its own
        /// minute). Rollups keep the maximum, so "last seen" survives aggregation.
        /// </summary>
        public const string LastSeen = "last_seen";
    }

    /// <summary>
    /// The rollup tiers, finest first. Each measurement also exists as <c>&lt;measurement&gt;&lt;suffix&gt;</c>
    /// holding the same tags and fields summed over epoch-aligned buckets of the tier's resolution (UTC), with
    /// <see cref="Fields.LastSeen"/> as a maximum. The exporter recomputes a tier's buckets from the finer tier
    /// stored in InfluxDB after every write, so a rollup always equals the sum of the minutes beneath it; the
    /// query engine reads the coarsest tier that fits a span and minutes only at the edges.
    /// </summary>
    public static IReadOnlyList<RollupTier> RollupTiers { get; } =
    [
        new(TimeSpan.FromMinutes(5), "_5m"),
        new(TimeSpan.FromHours(1), "_1h"),
        new(TimeSpan.FromDays(1), "_1d"),
    ];

    /// <summary>The resolution of the measurements themselves: one point per series per minute.</summary>
    public static TimeSpan BaseResolution { get; } = TimeSpan.FromMinutes(1);
}

/// <summary>One rollup tier: its bucket width and the suffix of its measurements' names.</summary>
public sealed record RollupTier(TimeSpan Resolution, string Suffix)
{
    /// <summary>The tier's copy of <paramref name="measurement"/>, e.g. <c>mailflow_messages_1h</c>.</summary>
    public string Measurement(string measurement) => measurement + Suffix;
}
