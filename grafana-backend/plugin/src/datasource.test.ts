import fs from 'fs';
import path from 'path';
import {
  CoreApp,
  DataQueryRequest,
  DataSourceVariableSupport,
  FieldType,
  createDataFrame,
  dateTime,
} from '@grafana/data';
import { lastValueFrom } from 'rxjs';

import { MailFlowQuery } from './types';
import { TestGrafanaApi, TestTemplateSrv, newDataSource } from './testing/grafana';

const base: MailFlowQuery = { refId: 'A', queryType: 'summary' };

function expand(query: Partial<MailFlowQuery>, variables: ConstructorParameters<typeof TestTemplateSrv>[0], scopedVars = {}) {
  new TestGrafanaApi().install(new TestTemplateSrv(variables));
  return newDataSource().applyTemplateVariables({ ...base, ...query }, scopedVars);
}

describe('applyTemplateVariables', () => {
  it('expands single-value variables in every text member', () => {
    const query = expand(
      {
        queryType: '$type',
        direction: '$direction',
        connectorType: '$connector_type',
        source: '$source',
        tls: '${tls}',
        measure: '$measure',
        minMessages: '$min',
        limit: '$limit',
        connectors: ['$connector'],
      },
      [
        { name: 'type', current: 'timeseries' },
        { name: 'direction', current: 'inbound' },
        { name: 'connector_type', current: 'Partner' },
        { name: 'source', current: 'mx1' },
        { name: 'tls', current: 'TLS1.0' },
        { name: 'measure', current: 'percent' },
        { name: 'min', current: '20' },
        { name: 'limit', current: '5' },
        { name: 'connector', current: 'Contoso' },
      ]
    );

    expect(query).toEqual({
      refId: 'A',
      queryType: 'timeseries',
      direction: 'inbound',
      connectorType: 'Partner',
      source: 'mx1',
      tls: 'TLS1.0',
      measure: 'percent',
      minMessages: '20',
      limit: '5',
      connectors: ['Contoso'],
    });
  });

  it('keeps numbers and members without variables as they are', () => {
    const query = expand({ minMessages: 20, limit: 50, source: 'mx1', connectors: ['Contoso'], perDay: false }, []);

    expect(query.minMessages).toBe(20);
    expect(query.limit).toBe(50);
    expect(query.source).toBe('mx1');
    expect(query.connectors).toEqual(['Contoso']);
    expect(query.perDay).toBe(false);
  });

  it('turns a multi-value variable into one connector per value, without duplicates, keeping $__internet', () => {
    // $connector holds two connectors; Contoso is also written by hand, and $__internet (the pseudo-connector,
    // which looks like a variable) must reach the backend as written.
    const query = expand({ connectors: ['$connector', 'Contoso', '$__internet'] }, [
      { name: 'connector', current: ['Contoso', 'Fabrikam'] },
    ]);

    expect(query.connectors).toEqual(['Contoso', 'Fabrikam', '$__internet']);
  });

  it('sends every option of a variable set to All without a custom all value', () => {
    const query = expand({ connectors: ['$connector'] }, [
      { name: 'connector', current: ['$__all'], options: ['Contoso', 'Fabrikam', 'Northwind'] },
    ]);

    expect(query.connectors).toEqual(['Contoso', 'Fabrikam', 'Northwind']);
  });

  it('sends a custom all value as written ($__all: the backend reads all connectors)', () => {
    const query = expand({ connectors: ['$connector'] }, [
      { name: 'connector', current: '$__all', options: ['Contoso'], allValue: '$__all' },
    ]);

    expect(query.connectors).toEqual(['$__all']);
  });

  it('drops a variable whose value is empty (the "All" of the connector-type list): no connector filter', () => {
    const query = expand({ connectors: ['$connector'], connectorType: '$connector_type' }, [
      { name: 'connector', current: '' },
      { name: 'connector_type', current: '' },
    ]);

    expect(query.connectors).toEqual([]);
    expect(query.connectorType).toBe('');
  });

  it('accepts connectors written as one string', () => {
    const query = expand({ connectors: '$connector' }, [{ name: 'connector', current: ['Contoso', 'Fabrikam'] }]);

    expect(query.connectors).toEqual(['Contoso', 'Fabrikam']);
  });

  it("prefers a repeated panel's scoped value to the dashboard's", () => {
    const query = expand(
      { connectors: ['$connector'] },
      [{ name: 'connector', current: ['Contoso', 'Fabrikam'] }],
      { connector: { text: 'Northwind', value: 'Northwind' } }
    );

    expect(query.connectors).toEqual(['Northwind']);
  });
});

describe('the data source', () => {
  it('offers the summary over everything as a new query, and skips hidden queries', () => {
    const ds = newDataSource();

    expect(ds.getDefaultQuery(CoreApp.PanelEditor)).toEqual({
      queryType: 'summary',
      direction: '',
      connectors: [],
      connectorType: '',
      source: '',
      tls: '',
      measure: 'messages',
      limit: 50,
    });
    expect(ds.filterQuery({ refId: 'A', hide: true })).toBe(false);
    expect(ds.filterQuery({ refId: 'A' })).toBe(true);
  });
});

describe('query variables', () => {
  // The connectors frame as the backend answers it (docs/grafana-plugin.md): one row per connector and
  // direction, so a connector seen in two directions comes twice.
  const connectorsFrame = createDataFrame({
    refId: 'connectors',
    fields: [
      { name: 'connector', type: FieldType.string, values: ['Contoso', 'Contoso', 'Fabrikam'] },
      { name: 'connector_type', type: FieldType.string, values: ['Partner', 'Partner', 'OnPremises'] },
      { name: 'direction', type: FieldType.string, values: ['inbound', 'outbound', 'inbound'] },
      { name: 'forced_tls', type: FieldType.boolean, values: [true, true, false] },
    ],
  });
  const dashboardVariables = [
    { name: 'connector_type', current: 'Partner' },
    { name: 'source', current: 'mx1' },
  ];

  it('declares variable support whose new query lists the connectors', () => {
    const ds = newDataSource();

    expect(ds.variables).toBeInstanceOf(DataSourceVariableSupport);
    expect((ds.variables as DataSourceVariableSupport<any>).getDefaultQuery!()).toEqual({
      queryType: 'connectors',
      connectorType: '',
      source: '',
    });
  });

  it("runs the Connector report's \"Show data for\" query through the backend with the range and the variables expanded", async () => {
    const dashboard = JSON.parse(
      fs.readFileSync(path.join(__dirname, '..', '..', '..', 'dashboards', 'connector-report.json'), 'utf8')
    );
    const variable = dashboard.templating.list.find((v: { name: string }) => v.name === 'connector');
    const api = new TestGrafanaApi().install(new TestTemplateSrv(dashboardVariables));
    api.answer = () => [connectorsFrame];
    const ds = newDataSource();
    const from = dateTime('2026-11-01T00:00:00Z');
    const to = dateTime('2026-11-08T00:00:00Z');
    const request = {
      requestId: 'variable',
      app: CoreApp.Dashboard,
      targets: [variable.query],
      range: { from, to, raw: { from, to } },
      interval: '1m',
      intervalMs: 60000,
      scopedVars: {},
      timezone: 'utc',
      startTime: 0,
    } as DataQueryRequest<MailFlowQuery>;

    const response = await lastValueFrom(ds.query(request));

    const sent = api.requests.find((r) => r.url.startsWith('/api/ds/query'))!;
    expect(sent.data.from).toBe(String(from.valueOf()));
    expect(sent.data.to).toBe(String(to.valueOf()));
    expect(sent.data.queries).toHaveLength(1);
    expect(sent.data.queries[0]).toMatchObject({ queryType: 'connectors', connectorType: 'Partner', source: 'mx1', connectors: [] });
    // Grafana lists the first string field of the answer: the connector names.
    expect(response.data[0].fields[0].name).toBe('connector');
    expect(response.data[0].fields[0].values).toEqual(['Contoso', 'Contoso', 'Fabrikam']);
  });

  it('metricFindQuery lists the distinct connectors of a query model', async () => {
    const api = new TestGrafanaApi().install(new TestTemplateSrv(dashboardVariables));
    api.answer = () => [connectorsFrame];

    const values = await newDataSource().metricFindQuery({ refId: 'v', queryType: 'connectors', connectorType: '$connector_type' });

    expect(values).toEqual([
      { text: 'Contoso', value: 'Contoso' },
      { text: 'Fabrikam', value: 'Fabrikam' },
    ]);
    expect(api.requests[0].data.queries[0]).toMatchObject({ queryType: 'connectors', connectorType: 'Partner' });
  });

  it('metricFindQuery takes a query type by name', async () => {
    const api = new TestGrafanaApi().install();
    api.answer = (query) => (query.queryType === 'connectors' ? [connectorsFrame] : []);

    const values = await newDataSource().metricFindQuery('connectors');

    expect(values.map((v) => v.text)).toEqual(['Contoso', 'Fabrikam']);
  });

  it("metricFindQuery fails with the backend's message", async () => {
    const api = new TestGrafanaApi().install();
    api.answer = () => ({ error: "unknown queryType 'nope': use one of summary, timeseries" });

    await expect(newDataSource().metricFindQuery('nope')).rejects.toThrow("unknown queryType 'nope'");
  });
});
