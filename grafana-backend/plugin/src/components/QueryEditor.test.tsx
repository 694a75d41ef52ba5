import React, { useState } from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { DataSource } from '../datasource';
import { MailFlowQuery, QUERY_TYPES, SECURITY_INSIGHTS } from '../types';
import { TestGrafanaApi, TestTemplateSrv, newDataSource } from '../testing/grafana';
import { NumberField, QueryEditor } from './QueryEditor';

/** The editor as a panel holds it: every change becomes the next query; the calls are recorded. */
function setup(query: Partial<MailFlowQuery>, datasource: DataSource = newDataSource()) {
  const changes: MailFlowQuery[] = [];
  const runs: number[] = [];
  function Panel() {
    const [current, setCurrent] = useState<MailFlowQuery>({ refId: 'A', ...query });
    return (
      <QueryEditor
        datasource={datasource}
        query={current}
        onChange={(next) => {
          changes.push(next);
          setCurrent(next);
        }}
        onRunQuery={() => runs.push(changes.length)}
      />
    );
  }
  const view = render(<Panel />);
  return { changes, runs, view, user: userEvent.setup() };
}

const COMMON_FIELDS = ['Query type', 'Direction', 'Connectors', 'Type', 'TLS version', 'Source'];

// Which query types take which extra field (docs/grafana-plugin.md, "Query model": measure for timeseries,
// minMessages for connectorTlsShare and insights, thresholdPct for insights, limit for peers, insight for
// securityInsightShares).
const EXTRA_FIELDS: Record<string, string[]> = {
  summary: [],
  timeseries: ['Measure'],
  connectorReport: [],
  insights: ['Min messages', 'Threshold %'],
  peers: ['Limit'],
  connectorTlsShare: ['Min messages'],
  connectors: [],
  thresholds: [],
  securityDirections: [],
  securityConnectors: [],
  securityAuthSeries: ['Measure'],
  securityCipherSeries: ['Measure'],
  blocked: ['Limit'],
  plaintextDomains: ['Limit'],
  securityInsights: [],
  securityInsightShares: ['Insight'],
  // SMTP TLS reports: the insight takes its threshold and minimum sessions.
  tlsrptPolicies: [],
  tlsrptFailureTypes: [],
  tlsrptOrganizations: [],
  tlsrptDays: [],
  tlsrptInsights: ['Failed share %', 'Min sessions'],
  tlsrptInsightShares: ['Failed share %', 'Min sessions'],
  securityPeers: ['Limit'],
};
const ALL_EXTRA = ['Measure', 'Min messages', 'Threshold %', 'Insight', 'Limit', 'Failed share %', 'Min sessions'];

describe('QueryEditor', () => {
  let api: TestGrafanaApi;
  beforeEach(() => {
    api = new TestGrafanaApi().install(new TestTemplateSrv([{ name: 'connector', current: ['Contoso'] }]));
    api.resources.connectors = [
      { name: 'Contoso', connectorType: 'Partner', forcedTls: true },
      { name: 'Contoso', connectorType: 'Partner', forcedTls: true },
      { name: 'Fabrikam', connectorType: 'OnPremises', forcedTls: false },
    ];
  });

  it('offers exactly the query types listed here', () => {
    expect(QUERY_TYPES.map((t) => t.value)).toEqual(Object.keys(EXTRA_FIELDS));
  });

  it.each(Object.keys(EXTRA_FIELDS))('shows the fields of a %s query', async (queryType) => {
    setup({ queryType });

    for (const label of [...COMMON_FIELDS, ...EXTRA_FIELDS[queryType]]) {
      expect(screen.getByText(label, { selector: 'label' })).toBeInTheDocument();
    }
    for (const label of ALL_EXTRA.filter((l) => !EXTRA_FIELDS[queryType].includes(l))) {
      expect(screen.queryByText(label, { selector: 'label' })).not.toBeInTheDocument();
    }
    // The query type's name shows as the selection.
    const label = QUERY_TYPES.find((t) => t.value === queryType)!.label;
    expect(screen.getByText(label, { selector: 'div' })).toBeInTheDocument();
    await waitFor(() => expect(api.requests).toHaveLength(1));
  });

  it('shows a new query as the summary over everything', async () => {
    setup({});

    expect(screen.getByText('Summary')).toBeInTheDocument();
    expect(screen.getAllByText('All')).toHaveLength(3); // direction, connector type, TLS version
    expect(screen.getByText('All connectors')).toBeInTheDocument();
    await waitFor(() => expect(api.requests).toHaveLength(1));
  });

  it('changes the query type and runs the query', async () => {
    const { changes, runs, user } = setup({ queryType: 'summary', source: 'mx1' });

    await user.click(screen.getByLabelText('Query type'));
    await user.click(await screen.findByText('Legacy peers'));

    expect(changes).toEqual([{ refId: 'A', queryType: 'peers', source: 'mx1' }]);
    expect(runs).toEqual([1]);
    expect(screen.getByText('Limit')).toBeInTheDocument();
  });

  it.each([
    ['Direction', 'Outbound', { direction: 'outbound' }],
    ['Type', 'On-premises', { connectorType: 'OnPremises' }],
    ['TLS version', 'TLS 1.0', { tls: 'TLS1.0' }],
  ])('sets %s to %s and runs the query', async (label, option, patch) => {
    const { changes, runs, user } = setup({ queryType: 'summary' });

    await user.click(screen.getByLabelText(label));
    await user.click(await screen.findByText(option));

    expect(changes).toEqual([{ refId: 'A', queryType: 'summary', ...patch }]);
    expect(runs).toEqual([1]);
  });

  it('offers the connectors the backend lists once each, the internet pseudo-connector and the variables', async () => {
    const { changes, user } = setup({ queryType: 'connectorReport' });
    await waitFor(() => expect(api.requests).toHaveLength(1));
    expect(api.requests[0]).toMatchObject({ method: 'GET', url: '/api/datasources/uid/mailflow/resources/connectors' });

    await user.click(screen.getByLabelText('Connectors'));
    expect(await screen.findByText('Without a connector (internet)')).toBeInTheDocument();
    expect(screen.getAllByText('Contoso')).toHaveLength(1);
    expect(screen.getByText('Partner, forced TLS')).toBeInTheDocument();
    expect(screen.getByText('OnPremises')).toBeInTheDocument();
    expect(screen.getByText('$connector')).toBeInTheDocument();

    await user.click(screen.getByText('Fabrikam'));
    expect(changes.at(-1)).toEqual({ refId: 'A', queryType: 'connectorReport', connectors: ['Fabrikam'] });
    await user.click(screen.getByLabelText('Connectors'));
    await user.click(await screen.findByText('Without a connector (internet)'));
    expect(changes.at(-1)!.connectors).toEqual(['Fabrikam', '$__internet']);
  });

  it('still offers the internet pseudo-connector when the list fails', async () => {
    delete api.resources.connectors;
    const { user } = setup({ queryType: 'summary' });
    await waitFor(() => expect(api.requests).toHaveLength(1));

    await user.click(screen.getByLabelText('Connectors'));

    expect(await screen.findByText('Without a connector (internet)')).toBeInTheDocument();
    expect(screen.queryByText('Contoso')).not.toBeInTheDocument();
  });

  it('shows selected connectors, the pseudo-connector by its label', async () => {
    setup({ queryType: 'summary', connectors: ['Contoso', '$__internet'] });
    await waitFor(() => expect(api.requests).toHaveLength(1));

    expect(screen.getByText('Contoso')).toBeInTheDocument();
    expect(screen.getByText('Without a connector (internet)')).toBeInTheDocument();
  });

  it('edits the source as typed and runs the query when the field is left', async () => {
    const { changes, runs, user } = setup({ queryType: 'summary' });

    await user.type(screen.getByLabelText('Source'), 'mx1');
    expect(changes.at(-1)).toEqual({ refId: 'A', queryType: 'summary', source: 'mx1' });
    expect(runs).toEqual([]);
    await user.tab();
    expect(runs).toEqual([3]);
  });

  it('sets the measure of a time series', async () => {
    const { changes, runs, user } = setup({ queryType: 'timeseries' });

    await user.click(screen.getByText('Percent'));

    expect(changes).toEqual([{ refId: 'A', queryType: 'timeseries', measure: 'percent' }]);
    expect(runs).toEqual([1]);
  });

  it('takes the minimum messages as a number, and empty as the data source default', async () => {
    const { changes, runs, user } = setup({ queryType: 'connectorTlsShare' });
    const input = screen.getByLabelText('Min messages');

    await user.type(input, '20');
    expect(changes.at(-1)!.minMessages).toBe(20);
    await user.clear(input);
    expect(changes.at(-1)!.minMessages).toBeUndefined();
    expect(runs).toEqual([]);
    await user.tab();
    expect(runs).toHaveLength(1);
  });

  it('takes the TLS report insight threshold and minimum sessions as numbers, empty as the defaults', async () => {
    const { changes, runs, user } = setup({ queryType: 'tlsrptInsights' });
    const threshold = screen.getByLabelText('Failed share %');
    const minimum = screen.getByLabelText('Min sessions');

    await user.type(threshold, '3.5');
    expect(changes.at(-1)!.thresholdPct).toBe(3.5);
    await user.type(minimum, '250');
    expect(changes.at(-1)!.minMessages).toBe(250);
    await user.clear(threshold);
    expect(changes.at(-1)!.thresholdPct).toBeUndefined();
    expect(changes.at(-1)!.minMessages).toBe(250);
    await user.tab();
    expect(runs.length).toBeGreaterThan(0);
  });

  it('takes the legacy TLS insight threshold as a number, and empty as the data source default', async () => {
    const { changes, runs, user } = setup({ queryType: 'insights', minMessages: 20 });
    const threshold = screen.getByLabelText('Threshold %');
    expect(threshold).toHaveValue(null);

    await user.type(threshold, '7.5');
    expect(changes.at(-1)).toEqual({ refId: 'A', queryType: 'insights', minMessages: 20, thresholdPct: 7.5 });
    await user.clear(threshold);
    expect(changes.at(-1)).toEqual({ refId: 'A', queryType: 'insights', minMessages: 20, thresholdPct: undefined });
    expect(runs).toEqual([]);
    await user.tab();
    expect(runs).toHaveLength(1);
  });

  it('shows a new transit-security insight share query over all insights', async () => {
    setup({ queryType: 'securityInsightShares' });

    expect(screen.getAllByText('All')).toHaveLength(4); // direction, connector type, TLS version, insight
    await waitFor(() => expect(api.requests).toHaveLength(1));
  });

  it('offers the transit-security insights by readable names and sets the chosen one', async () => {
    const { changes, runs, user } = setup({ queryType: 'securityInsightShares' });

    await user.click(screen.getByLabelText('Insight'));
    // The three kinds the backend accepts, each with the title its insight shows, besides All.
    expect(await screen.findByText('Partner: unverified certificates')).toBeInTheDocument();
    expect(screen.getByText('Outbound Partner connector delivering to unverified certificates')).toBeInTheDocument();
    expect(screen.getByText('Forced TLS: unverified peers')).toBeInTheDocument();
    await user.click(screen.getByText('Weak ciphers'));

    expect(changes).toEqual([{ refId: 'A', queryType: 'securityInsightShares', insight: 'WeakCiphers' }]);
    expect(runs).toEqual([1]);
    expect(screen.getByText('Weak ciphers')).toBeInTheDocument();
  });

  it('shows a saved insight by its name and goes back to all insights as empty', async () => {
    const { changes, user } = setup({ queryType: 'securityInsightShares', insight: 'ForcedTlsUnverifiedPeers' });
    expect(screen.getByText('Forced TLS: unverified peers')).toBeInTheDocument();

    await user.click(screen.getByLabelText('Insight'));
    const options = await screen.findAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual(SECURITY_INSIGHTS.map((o) => (o.label ?? '') + (o.description ?? '')));
    await user.click(options[0]);

    // The backend reads an empty insight as all of them (PluginQuery.cs, AllMeansEmpty).
    expect(changes).toEqual([{ refId: 'A', queryType: 'securityInsightShares', insight: '' }]);
  });

  it('takes the peers limit as a number', async () => {
    const { changes, user } = setup({ queryType: 'peers' });
    const input = screen.getByLabelText('Limit');
    expect(input).toHaveValue(50);

    await user.clear(input);
    await user.type(input, '7');

    expect(changes.at(-1)!.limit).toBe(7);
  });
});

describe('NumberField', () => {
  it('gives the typed number, undefined when emptied, shows the placeholder when empty, and reports leaving', async () => {
    const values: Array<number | undefined> = [];
    let blurs = 0;
    function Holder() {
      const [value, setValue] = useState<number | undefined>(12);
      return (
        <NumberField
          label="Some number"
          tooltip="A number"
          labelWidth={16}
          id="some-number"
          value={value}
          placeholder="default"
          onChange={(next) => {
            values.push(next);
            setValue(next);
          }}
          onBlur={() => blurs++}
        />
      );
    }
    render(<Holder />);
    const user = userEvent.setup();
    const input = screen.getByLabelText('Some number');
    expect(input).toHaveValue(12);

    await user.clear(input);
    expect(input).toHaveAttribute('placeholder', 'default');
    await user.type(input, '25');
    await user.tab();

    // Emptied, then "2" and "25": numbers, not text.
    expect(values).toEqual([undefined, 2, 25]);
    expect(input).toHaveValue(25);
    expect(blurs).toBe(1);
  });
});
