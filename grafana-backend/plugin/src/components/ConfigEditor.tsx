import React, { ChangeEvent, ReactNode } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { InlineField, InlineSwitch, Input, RadioButtonGroup, SecretInput } from '@grafana/ui';

import { MailFlowOptions, MailFlowSecureJsonData } from '../types';

type Props = DataSourcePluginOptionsEditorProps<MailFlowOptions, MailFlowSecureJsonData>;
type TextKey = 'database' | 'retentionPolicy' | 'user' | 'organization' | 'bucket' | 'legacyTlsThresholdPercent' | 'legacyTlsMinMessages';
type SecretKey = keyof MailFlowSecureJsonData;

const VERSIONS = [
  { value: '1' as const, label: 'InfluxDB 1.x / 3.x' },
  { value: '2' as const, label: 'InfluxDB 2.x' },
];

function Field(props: { label: string; tooltip: string; children: React.ReactElement }) {
  return (
    <div>
      <InlineField label={props.label} tooltip={props.tooltip} labelWidth={20}>
        {props.children}
      </InlineField>
    </div>
  );
}

/**
 * The data source's settings page (docs/grafana-plugin.md, "Data source settings"). The password and the token are
 * write-only: Grafana never sends a saved secret back, the page only knows whether one is set (secureJsonFields).
 */
export function ConfigEditor(props: Props) {
  const { options, onOptionsChange } = props;
  const jsonData = options.jsonData ?? {};
  const secureFields = options.secureJsonFields ?? {};
  const secure = options.secureJsonData ?? {};
  const version = jsonData.influxVersion || '1';

  const setJson = <K extends keyof MailFlowOptions>(key: K, value: MailFlowOptions[K]) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, [key]: value } });
  const setSecure = (key: SecretKey, value: string) =>
    onOptionsChange({ ...options, secureJsonData: { ...secure, [key]: value } });
  const resetSecure = (key: SecretKey) =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureFields, [key]: false },
      secureJsonData: { ...secure, [key]: '' },
    });

  const text = (label: string, tooltip: string, key: TextKey, placeholder: string): ReactNode => (
    <Field label={label} tooltip={tooltip}>
      <Input
        id={`mailflow-config-${key}`}
        width={40}
        value={jsonData[key] ?? ''}
        placeholder={placeholder}
        onChange={(e: ChangeEvent<HTMLInputElement>) => setJson(key, e.currentTarget.value)}
      />
    </Field>
  );
  const secret = (label: string, tooltip: string, key: SecretKey): ReactNode => (
    <Field label={label} tooltip={tooltip}>
      <SecretInput
        id={`mailflow-config-${key}`}
        width={40}
        isConfigured={Boolean(secureFields[key])}
        value={secure[key] ?? ''}
        placeholder="kept encrypted by Grafana"
        onChange={(e: ChangeEvent<HTMLInputElement>) => setSecure(key, e.currentTarget.value)}
        onReset={() => resetSecure(key)}
      />
    </Field>
  );

  return (
    <div className="gf-form-group">
      <h3 className="page-heading">InfluxDB</h3>
      <Field label="URL" tooltip="InfluxDB as reached from the Grafana server, e.g. http://influxdb:8086">
        <Input
          id="mailflow-config-url"
          width={40}
          value={options.url || ''}
          placeholder="http://localhost:8086"
          onChange={(e: ChangeEvent<HTMLInputElement>) => onOptionsChange({ ...options, url: e.currentTarget.value })}
        />
      </Field>
      <Field
        label="Version"
        tooltip="1.x (and 3.x through its v1 API): database and user/password; 2.x: organisation, bucket and token"
      >
        <RadioButtonGroup options={VERSIONS} value={version} onChange={(v) => setJson('influxVersion', v)} />
      </Field>
      {version === '2' ? (
        <>
          {text('Organisation', 'InfluxDB 2.x organisation', 'organization', 'my-org')}
          {text('Bucket', 'The bucket the exporter writes to (queried through its DBRP mapping)', 'bucket', 'mailflow')}
          {secret('Token', 'An API token with read access to the bucket', 'token')}
        </>
      ) : (
        <>
          {text('Database', 'The database the exporter writes to', 'database', 'mailflow')}
          {text('Retention policy', 'Empty = the database default', 'retentionPolicy', 'default')}
          {text('User', 'Empty when InfluxDB has no authentication', 'user', '')}
          {secret('Password', "The user's password", 'password')}
        </>
      )}
      <h3 className="page-heading">TLS 1.0 insight and alerts</h3>
      {text(
        'Threshold (%)',
        'A Partner or On-premises connector whose TLS 1.0 share reaches this percentage raises the insight and the alert rules. Empty = 5',
        'legacyTlsThresholdPercent',
        '5'
      )}
      {text(
        'Minimum messages',
        'Connectors with fewer messages in the range are left out of the insight and the alerts. Empty = 10',
        'legacyTlsMinMessages',
        '10'
      )}
      <Field
        label="Rollups"
        tooltip={
          'Read whole 5-minute blocks, hours and days from the rollup tiers the exporter writes, so long ranges stay fast. ' +
          'Turn off only for minute points written by another tool, until "mailflow-exporter rollup" has built their tiers.'
        }
      >
        <InlineSwitch
          id="mailflow-config-rollups"
          value={jsonData.rollups !== false}
          onChange={(e: React.FormEvent<HTMLInputElement>) => setJson('rollups', e.currentTarget.checked)}
        />
      </Field>
    </div>
  );
}
