import {
  CoreApp,
  DataFrame,
  DataQueryRequest,
  DataSourceInstanceSettings,
  DataSourceVariableSupport,
  FieldType,
  LegacyMetricFindQueryOptions,
  MetricFindValue,
  ScopedVars,
  dateTime,
} from '@grafana/data';
import { DataSourceWithBackend, TemplateSrv, getTemplateSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

import { DEFAULT_QUERY, DEFAULT_VARIABLE_QUERY, INTERNET, MailFlowOptions, MailFlowQuery } from './types';

/**
 * Query variables (the Connector report's "Show data for") are ordinary queries of the model, e.g.
 * {queryType: 'connectors', connectorType: '$connector_type', source: '$source'}: Grafana sends them through
 * query() like a panel's, with the dashboard's time range and the other variables expanded, and lists the first
 * string field (the connector names). The editor is the data source's query editor.
 */
export class MailFlowVariableSupport extends DataSourceVariableSupport<DataSource, MailFlowQuery, MailFlowOptions> {
  getDefaultQuery(): Partial<MailFlowQuery> {
    return { ...DEFAULT_VARIABLE_QUERY };
  }
}

/**
 * The browser side of the data source: queries run in the backend plugin (DataSourceWithBackend); this class
 * only expands template variables in the query model and lists values for variables.
 */
export class DataSource extends DataSourceWithBackend<MailFlowQuery, MailFlowOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<MailFlowOptions>) {
    super(instanceSettings);
    this.variables = new MailFlowVariableSupport();
  }

  getDefaultQuery(_app: CoreApp): Partial<MailFlowQuery> {
    return { ...DEFAULT_QUERY };
  }

  filterQuery(query: MailFlowQuery): boolean {
    return !query.hide;
  }

  applyTemplateVariables(query: MailFlowQuery, scopedVars: ScopedVars): MailFlowQuery {
    const templateSrv = getTemplateSrv();
    const one = <T>(value: T): T | string => (typeof value === 'string' ? templateSrv.replace(value, scopedVars) : value);
    const names = typeof query.connectors === 'string' ? [query.connectors] : (query.connectors ?? []);
    const connectors: string[] = [];
    for (const name of names) {
      for (const item of expandList(templateSrv, name, scopedVars)) {
        if (item !== '' && !connectors.includes(item)) {
          connectors.push(item);
        }
      }
    }
    return {
      ...query,
      queryType: one(query.queryType),
      direction: one(query.direction),
      connectorType: one(query.connectorType),
      source: one(query.source),
      tls: one(query.tls),
      measure: one(query.measure),
      minMessages: one(query.minMessages),
      limit: one(query.limit),
      connectors,
    };
  }

  /**
   * The values of a query (a query model, or a query type's name such as 'connectors') as Grafana lists them for
   * a variable: the first string field's distinct values, over the given range (default: the last 6 hours).
   */
  async metricFindQuery(query: MailFlowQuery | string, options?: LegacyMetricFindQueryOptions): Promise<MetricFindValue[]> {
    const target: MailFlowQuery =
      typeof query === 'string'
        ? { ...DEFAULT_VARIABLE_QUERY, refId: 'metricFindQuery', queryType: query || DEFAULT_VARIABLE_QUERY.queryType }
        : { ...query, refId: query.refId || 'metricFindQuery' };
    const to = dateTime();
    const range = options?.range ?? { from: dateTime(to).subtract(6, 'hours'), to, raw: { from: 'now-6h', to: 'now' } };
    const request: DataQueryRequest<MailFlowQuery> = {
      requestId: 'mailflow-metric-find',
      app: CoreApp.Unknown,
      targets: [target],
      range,
      interval: '1m',
      intervalMs: 60_000,
      scopedVars: options?.scopedVars ?? {},
      timezone: 'utc',
      startTime: Date.now(),
    };
    const response = await lastValueFrom(this.query(request));
    if (response.errors?.length) {
      throw new Error(response.errors[0].message ?? 'the query failed');
    }
    return firstStringValues(response.data as DataFrame[]).map((text) => ({ text, value: text }));
  }
}

/** A template variable's value as a list: multi-value variables come back as a JSON array with the 'json' format. */
function expandList(templateSrv: TemplateSrv, value: string, scopedVars: ScopedVars): string[] {
  if (typeof value !== 'string' || !value.includes('$') || value === INTERNET.value) {
    return [value];
  }
  const text = templateSrv.replace(value, scopedVars, 'json');
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.map(String) : [String(parsed)];
  } catch {
    return [templateSrv.replace(value, scopedVars)];
  }
}

/** The distinct values of the first string field of the frames, in order. */
function firstStringValues(frames: DataFrame[]): string[] {
  const values: string[] = [];
  for (const frame of frames) {
    const field = frame.fields.find((f) => f.type === FieldType.string);
    for (const value of field?.values ?? []) {
      if (value != null && !values.includes(String(value))) {
        values.push(String(value));
      }
    }
  }
  return values;
}
