import { DataSourceJsonData, SelectableValue } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

/**
 * The query types, one per entry of the backend's table (grafana-backend/MailFlow.Backend/Plugin/QueryTypes.cs;
 * a C# test compares this list with it). The editor offers them in this order.
 */
export const QUERY_TYPES = [
  { value: 'summary', label: 'Summary', description: 'Messages and share per direction and TLS version (the mail flow widget)' },
  { value: 'timeseries', label: 'Time series', description: 'Messages or share per direction and TLS version over time' },
  { value: 'connectorReport', label: 'Connector report', description: 'Per day, connector and direction: TLS shares and volume' },
  { value: 'insights', label: 'Insights', description: 'Legacy TLS on partner/on-premises connectors, plaintext on forced TLS' },
  { value: 'peers', label: 'Legacy peers', description: 'Remote domains still using no TLS, SSLv3, TLS 1.0 or TLS 1.1' },
  { value: 'connectorTlsShare', label: 'Connector TLS share (alerting)', description: 'One value per connector and direction, labelled' },
  { value: 'connectors', label: 'Connectors', description: 'The connectors seen in the range' },
  { value: 'thresholds', label: 'Insight threshold (alerting)', description: 'The TLS 1.0 insight threshold (%) set on the data source, for alert conditions' },
  // Transit security (issue 13).
  { value: 'securityDirections', label: 'Transit security per direction', description: 'Messages and share by auth level and cipher class per direction' },
  { value: 'securityConnectors', label: 'Transit security per connector', description: 'Messages and share by auth level and cipher class per connector and direction' },
  { value: 'securityAuthSeries', label: 'Auth level over time', description: 'Messages or share per direction and auth level (verified, trusted...) over time' },
  { value: 'securityCipherSeries', label: 'Cipher class over time', description: 'Messages or share per direction and cipher class (strong, legacy, weak...) over time' },
  { value: 'blocked', label: 'Blocked by TLS policy', description: 'Deliveries a TLS policy stopped, per recipient domain and reason' },
  { value: 'plaintextDomains', label: 'Plaintext recipient domains', description: 'Recipient domains that took outbound mail without TLS' },
  { value: 'securityInsights', label: 'Transit security insights', description: 'Unverified certificates on Partner or Forced TLS connectors, weak ciphers on Partner or OnPremises connectors' },
  { value: 'securityInsightShares', label: 'Transit security insight shares (alerting)', description: 'One value per active transit-security insight (model member insight: PartnerUnverifiedCertificates, ForcedTlsUnverifiedPeers, WeakCiphers or empty for all), labelled' },
  // SMTP TLS reports (RFC 8460): what the sending organisations saw.
  { value: 'tlsrptPolicies', label: 'TLS reports: per policy domain and MX', description: 'Sessions the senders reported and the failed share, per policy domain and MX host' },
  { value: 'tlsrptFailureTypes', label: 'TLS reports: failures by type', description: 'Failed sessions per result type (certificate-expired, starttls-not-supported, ...)' },
  { value: 'tlsrptOrganizations', label: 'TLS reports: by organisation', description: 'Sessions and failed share per reporting organisation' },
  { value: 'tlsrptDays', label: 'TLS reports: per day', description: 'Successful and failed sessions and the failed share per report day' },
  { value: 'tlsrptInsights', label: 'TLS reports: insights', description: 'Senders report TLS failures reaching an MX (failed share above the threshold)' },
  { value: 'tlsrptInsightShares', label: 'TLS reports: insight shares (alerting)', description: 'One failed share per policy domain and MX with an active insight, labelled' },
  // Transit security, continued.
  { value: 'securityPeers', label: 'Peers to contact (certificates, ciphers)', description: 'Peers with an unverified certificate on a connector that should verify, or a weak cipher' },
] as const;

export type QueryType = (typeof QUERY_TYPES)[number]['value'];

/** The query model (docs/grafana-plugin.md, "Query model"); empty or absent filters mean all. */
export interface MailFlowQuery extends DataQuery {
  queryType?: QueryType | string;
  direction?: string;
  /** Connector names; `$__internet` = the implicit "... without a connector" ones; template variables allowed. */
  connectors?: string[] | string;
  connectorType?: string;
  source?: string;
  tls?: string;
  /** timeseries, securityAuthSeries, securityCipherSeries: `messages` or `percent`. */
  measure?: 'messages' | 'percent' | string;
  /** insights and connectorTlsShare: unset = the data source's minimum volume; tlsrptInsight(Share)s: minimum sessions, unset = 100. */
  minMessages?: number | string;
  /** insights: unset = the data source's threshold; tlsrptInsight(Share)s: failed share, unset = 2. */
  thresholdPct?: number | string;
  /** securityInsightShares: PartnerUnverifiedCertificates, ForcedTlsUnverifiedPeers, WeakCiphers; unset = all. */
  insight?: string;
  /** peers, blocked, plaintextDomains, securityPeers: most rows. */
  limit?: number | string;
  /** connectorReport: false = one row per connector for the whole range. */
  perDay?: boolean;
}

/** No minMessages: unset, the insights and connectorTlsShare queries use the data source's minimum volume. */
export const DEFAULT_QUERY: Partial<MailFlowQuery> = {
  queryType: 'summary',
  direction: '',
  connectors: [],
  connectorType: '',
  source: '',
  tls: '',
  measure: 'messages',
  limit: 50,
};

/** A query variable (the Connector report's "Show data for") lists the connectors by default. */
export const DEFAULT_VARIABLE_QUERY: Partial<MailFlowQuery> = { queryType: 'connectors', connectorType: '', source: '' };

/** The data source's settings (docs/grafana-plugin.md, "Data source settings"). */
export interface MailFlowOptions extends DataSourceJsonData {
  influxVersion?: '1' | '2';
  database?: string;
  retentionPolicy?: string;
  user?: string;
  organization?: string;
  bucket?: string;
  timeoutSeconds?: number;
  cacheTtlSeconds?: number;
  rollups?: boolean;
  /** Text from the settings page or a number from provisioning; empty = 5. */
  legacyTlsThresholdPercent?: string | number;
  /** Text from the settings page or a number from provisioning; empty = 10. */
  legacyTlsMinMessages?: string | number;
}

/** Kept encrypted by Grafana: the browser only ever learns whether they are set (secureJsonFields). */
export interface MailFlowSecureJsonData {
  password?: string;
  token?: string;
}

/** One row of the backend's `connectors` resource. */
export interface ConnectorInfo {
  name: string;
  connectorType: string;
  forcedTls?: boolean;
}

/** The pseudo-connector of the mail without a connector (the backend's `$__internet`). */
export const INTERNET: SelectableValue<string> = { value: '$__internet', label: 'Without a connector (internet)' };

const ALL: SelectableValue<string> = { value: '', label: 'All' };

export const DIRECTIONS: Array<SelectableValue<string>> = [
  ALL,
  { value: 'inbound', label: 'Inbound' },
  { value: 'outbound', label: 'Outbound' },
  { value: 'submission', label: 'Submission' },
];

export const CONNECTOR_TYPES: Array<SelectableValue<string>> = [
  ALL,
  { value: 'Partner', label: 'Partner' },
  { value: 'OnPremises', label: 'On-premises' },
  { value: 'Internet', label: 'Internet (no connector)' },
  { value: 'Submission', label: 'Submission' },
];

export const TLS_VERSIONS: Array<SelectableValue<string>> = [
  ALL,
  { value: 'none', label: 'No TLS' },
  { value: 'SSLv3', label: 'SSLv3' },
  { value: 'TLS1.0', label: 'TLS 1.0' },
  { value: 'TLS1.1', label: 'TLS 1.1' },
  { value: 'TLS1.2', label: 'TLS 1.2' },
  { value: 'TLS1.3', label: 'TLS 1.3' },
  { value: 'unknown', label: 'Unknown' },
];

/**
 * securityInsightShares' `insight`: the backend's SecurityInsightKind names (questions/MailFlow.Questions/
 * SecurityInsightRules.cs; a C# test compares them); All (empty) = every kind.
 */
export const SECURITY_INSIGHTS: Array<SelectableValue<string>> = [
  ALL,
  { value: 'PartnerUnverifiedCertificates', label: 'Partner: unverified certificates', description: 'Outbound Partner connector delivering to unverified certificates' },
  { value: 'ForcedTlsUnverifiedPeers', label: 'Forced TLS: unverified peers', description: 'Forced TLS connector with unverified peers' },
  { value: 'WeakCiphers', label: 'Weak ciphers', description: 'Weak ciphers on a Partner or OnPremises connector' },
];

export const MEASURES: Array<SelectableValue<string>> = [
  { value: 'messages', label: 'Messages' },
  { value: 'percent', label: 'Percent' },
];
