import React, { ChangeEvent, useEffect, useState } from 'react';
import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { InlineField, InlineFieldRow, Input, MultiSelect, RadioButtonGroup, Select } from '@grafana/ui';

import { DataSource } from '../datasource';
import {
  CONNECTOR_TYPES,
  ConnectorInfo,
  DEFAULT_QUERY,
  DIRECTIONS,
  INTERNET,
  MEASURES,
  MailFlowOptions,
  MailFlowQuery,
  QUERY_TYPES,
  SECURITY_INSIGHTS,
  TLS_VERSIONS,
} from '../types';

type Props = QueryEditorProps<DataSource, MailFlowQuery, MailFlowOptions>;

const QUERY_TYPE_OPTIONS: Array<SelectableValue<string>> = QUERY_TYPES.map((t) => ({ ...t }));

/**
 * The connectors to offer: the backend's list (the last 30 days), the pseudo-connector of the mail without a
 * connector, and the dashboard's template variables. A failed list leaves the pseudo-connector (names can still
 * be typed).
 */
function useConnectorOptions(datasource: DataSource): Array<SelectableValue<string>> {
  const [options, setOptions] = useState<Array<SelectableValue<string>>>([]);
  useEffect(() => {
    let cancelled = false;
    datasource.getResource<ConnectorInfo[]>('connectors').then(
      (list) => {
        if (cancelled) {
          return;
        }
        const seen = new Set<string>();
        const next: Array<SelectableValue<string>> = [INTERNET];
        for (const c of list ?? []) {
          if (!seen.has(c.name)) {
            seen.add(c.name);
            next.push({ value: c.name, label: c.name, description: c.connectorType + (c.forcedTls ? ', forced TLS' : '') });
          }
        }
        for (const v of getTemplateSrv().getVariables()) {
          next.push({ value: '$' + v.name, label: '$' + v.name });
        }
        setOptions(next);
      },
      () => {
        if (!cancelled) {
          setOptions([INTERNET]);
        }
      }
    );
    return () => {
      cancelled = true;
    };
  }, [datasource]);
  return options;
}

interface NumberFieldProps {
  label: string;
  tooltip: string;
  labelWidth: number;
  id: string;
  value: number | string | undefined;
  /** Shown when empty: what the backend uses then. */
  placeholder: string;
  /** The typed number; undefined when the field is emptied (the default applies). */
  onChange: (value: number | undefined) => void;
  onBlur: () => void;
}

/** A number of the query model that may be left empty for the backend's default. */
export function NumberField({ label, tooltip, labelWidth, id, value, placeholder, onChange, onBlur }: NumberFieldProps) {
  return (
    <InlineField label={label} tooltip={tooltip} labelWidth={labelWidth}>
      <Input
        id={id}
        width={12}
        type="number"
        value={value ?? ''}
        placeholder={placeholder}
        onChange={(e: ChangeEvent<HTMLInputElement>) => {
          const text = e.currentTarget.value;
          onChange(text === '' ? undefined : Number(text));
        }}
        onBlur={() => onBlur()}
      />
    </InlineField>
  );
}

/** Edits the query model (docs/grafana-plugin.md, "Query model"); also the editor of query variables. */
export function QueryEditor(props: Props) {
  const { datasource, onChange, onRunQuery } = props;
  const query: MailFlowQuery = { ...DEFAULT_QUERY, ...props.query };
  const connectorOptions = useConnectorOptions(datasource);

  /** Selections run the query at once; text fields run it when they lose the focus. */
  const change = (patch: Partial<MailFlowQuery>, run = true) => {
    onChange({ ...props.query, ...patch });
    if (run) {
      onRunQuery();
    }
  };
  const connectors = typeof query.connectors === 'string' ? [query.connectors] : (query.connectors ?? []);
  const type = query.queryType;

  return (
    <div>
      <InlineFieldRow>
        <InlineField label="Query type" tooltip="What to ask" labelWidth={16}>
          <Select
            inputId="mailflow-query-type"
            width={36}
            options={QUERY_TYPE_OPTIONS}
            value={type}
            onChange={(v) => change({ queryType: v.value })}
          />
        </InlineField>
        <InlineField label="Direction" tooltip="Inbound, outbound, submission or all" labelWidth={12}>
          <Select
            inputId="mailflow-direction"
            width={20}
            options={DIRECTIONS}
            value={query.direction || ''}
            onChange={(v) => change({ direction: v.value })}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField
          label="Connectors"
          tooltip='Empty = all; "Without a connector" = the implicit internet connectors; template variables allowed'
          labelWidth={16}
        >
          <MultiSelect
            inputId="mailflow-connectors"
            width={36}
            options={connectorOptions}
            allowCustomValue
            placeholder="All connectors"
            value={connectors.map((c) => ({ value: c, label: c === INTERNET.value ? INTERNET.label : c }))}
            onChange={(values) => change({ connectors: values.map((v) => v.value ?? '') })}
          />
        </InlineField>
        <InlineField label="Type" tooltip="Connector type" labelWidth={12}>
          <Select
            inputId="mailflow-connector-type"
            width={20}
            options={CONNECTOR_TYPES}
            value={query.connectorType || ''}
            onChange={(v) => change({ connectorType: v.value })}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="TLS version" tooltip="Only this version in the answer (shares stay relative to all messages)" labelWidth={16}>
          <Select
            inputId="mailflow-tls"
            width={20}
            options={TLS_VERSIONS}
            value={query.tls || ''}
            onChange={(v) => change({ tls: v.value })}
          />
        </InlineField>
        <InlineField label="Source" tooltip="Mail server (source tag); empty = all" labelWidth={12}>
          <Input
            id="mailflow-source"
            width={20}
            value={query.source || ''}
            placeholder="all servers"
            onChange={(e: ChangeEvent<HTMLInputElement>) => change({ source: e.currentTarget.value }, false)}
            onBlur={() => onRunQuery()}
          />
        </InlineField>
      </InlineFieldRow>
      {(type === 'timeseries' || type === 'securityAuthSeries' || type === 'securityCipherSeries') && (
        <InlineFieldRow>
          <InlineField label="Measure" tooltip="Message counts or share of the direction" labelWidth={16}>
            <RadioButtonGroup options={MEASURES} value={query.measure || 'messages'} onChange={(v) => change({ measure: v })} />
          </InlineField>
        </InlineFieldRow>
      )}
      {(type === 'connectorTlsShare' || type === 'insights') && (
        <InlineFieldRow>
          <NumberField
            label="Min messages"
            tooltip="Connectors with fewer messages in the range yield no value; empty = the data source's minimum"
            labelWidth={16}
            id="mailflow-min-messages"
            value={query.minMessages}
            placeholder="data source's"
            onChange={(minMessages) => change({ minMessages }, false)}
            onBlur={onRunQuery}
          />
          {type === 'insights' && (
            <NumberField
              label="Threshold %"
              tooltip="Legacy-TLS share that raises the insight; empty = the data source's threshold"
              labelWidth={14}
              id="mailflow-threshold"
              value={query.thresholdPct}
              placeholder="data source's"
              onChange={(thresholdPct) => change({ thresholdPct }, false)}
              onBlur={onRunQuery}
            />
          )}
        </InlineFieldRow>
      )}
      {type === 'securityInsightShares' && (
        <InlineFieldRow>
          <InlineField label="Insight" tooltip="Which transit-security insight gives values; All = every kind" labelWidth={16}>
            <Select
              inputId="mailflow-insight"
              width={36}
              options={SECURITY_INSIGHTS}
              value={query.insight || ''}
              onChange={(v) => change({ insight: v.value })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {(type === 'peers' || type === 'blocked' || type === 'plaintextDomains' || type === 'securityPeers') && (
        <InlineFieldRow>
          <InlineField label="Limit" tooltip="Most rows, busiest peers first" labelWidth={16}>
            <Input
              id="mailflow-limit"
              width={12}
              type="number"
              value={query.limit}
              onChange={(e: ChangeEvent<HTMLInputElement>) => change({ limit: Number(e.currentTarget.value) }, false)}
              onBlur={() => onRunQuery()}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {(type === 'tlsrptInsights' || type === 'tlsrptInsightShares') && (
        <InlineFieldRow>
          <NumberField
            label="Failed share %"
            tooltip="Failed share of the reported sessions that raises the insight; empty = 2"
            labelWidth={16}
            id="mailflow-tlsrpt-threshold"
            value={query.thresholdPct}
            placeholder="2"
            onChange={(thresholdPct) => change({ thresholdPct }, false)}
            onBlur={onRunQuery}
          />
          <NumberField
            label="Min sessions"
            tooltip="Policy domains and MX hosts with fewer reported sessions raise nothing; empty = 100"
            labelWidth={14}
            id="mailflow-tlsrpt-min-sessions"
            value={query.minMessages}
            placeholder="100"
            onChange={(minMessages) => change({ minMessages }, false)}
            onBlur={onRunQuery}
          />
        </InlineFieldRow>
      )}
    </div>
  );
}
