import React, { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { DataSourceSettings } from '@grafana/data';

import { MailFlowOptions, MailFlowSecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';

type Settings = DataSourceSettings<MailFlowOptions, MailFlowSecureJsonData>;

/** The settings as Grafana hands them to the page: never a saved secret, only whether one is set. */
function settings(patch: Partial<Settings> = {}): Settings {
  return {
    id: 1,
    uid: 'mailflow',
    orgId: 1,
    name: 'MailFlow',
    type: 'mailflow-tls-datasource',
    typeName: 'MailFlow TLS Insights',
    typeLogoUrl: '',
    access: 'proxy',
    url: 'http://influxdb:8086',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    jsonData: {},
    secureJsonFields: {},
    ...patch,
  } as Settings;
}

/** The settings page as Grafana holds it: every change becomes the next settings; the calls are recorded. */
function setup(initial: Settings) {
  const changes: Settings[] = [];
  function Page() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          changes.push(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Page />);
  return { changes, user: userEvent.setup() };
}

const V1_FIELDS = ['Database', 'Retention policy', 'User', 'Password'];
const V2_FIELDS = ['Organisation', 'Bucket', 'Token'];

describe('ConfigEditor', () => {
  it('asks for the 1.x database and user by default', () => {
    setup(settings({ jsonData: { database: 'mailflow', user: 'grafana' } }));

    for (const label of ['URL', 'Version', ...V1_FIELDS, 'Threshold (%)', 'Minimum messages', 'Rollups']) {
      expect(screen.getByText(label, { selector: 'label' })).toBeInTheDocument();
    }
    for (const label of V2_FIELDS) {
      expect(screen.queryByText(label, { selector: 'label' })).not.toBeInTheDocument();
    }
    expect(screen.getByLabelText('URL')).toHaveValue('http://influxdb:8086');
    expect(screen.getByLabelText('Database')).toHaveValue('mailflow');
    expect(screen.getByLabelText('User')).toHaveValue('grafana');
    expect(screen.getByLabelText('Rollups')).toBeChecked();
  });

  it('switches to the 2.x organisation, bucket and token', async () => {
    const { changes, user } = setup(settings({ jsonData: { database: 'mailflow' } }));

    await user.click(screen.getByText('InfluxDB 2.x'));

    expect(changes).toHaveLength(1);
    expect(changes[0].jsonData).toEqual({ database: 'mailflow', influxVersion: '2' });
    for (const label of V2_FIELDS) {
      expect(screen.getByText(label, { selector: 'label' })).toBeInTheDocument();
    }
    for (const label of V1_FIELDS) {
      expect(screen.queryByText(label, { selector: 'label' })).not.toBeInTheDocument();
    }
  });

  it.each([
    ['Database', 'database', 'mail'],
    ['Retention policy', 'retentionPolicy', 'autogen'],
    ['User', 'user', 'reader'],
    ['Threshold (%)', 'legacyTlsThresholdPercent', '7.5'],
    ['Minimum messages', 'legacyTlsMinMessages', '25'],
  ])('writes %s to jsonData.%s', async (label, key, text) => {
    const { changes, user } = setup(settings({ jsonData: { influxVersion: '1', rollups: false } }));

    await user.type(screen.getByLabelText(label), text);

    expect(changes.at(-1)!.jsonData).toEqual({ influxVersion: '1', rollups: false, [key]: text });
    expect(changes.at(-1)!.secureJsonData).toBeUndefined();
  });

  it('writes the 2.x organisation and bucket to jsonData', async () => {
    const { changes, user } = setup(settings({ jsonData: { influxVersion: '2' } }));

    await user.type(screen.getByLabelText('Organisation'), 'contoso');
    await user.type(screen.getByLabelText('Bucket'), 'mail');

    expect(changes.at(-1)!.jsonData).toEqual({ influxVersion: '2', organization: 'contoso', bucket: 'mail' });
  });

  it('shows provisioned numbers for the insight threshold and minimum', () => {
    setup(settings({ jsonData: { legacyTlsThresholdPercent: 5, legacyTlsMinMessages: 20 } }));

    expect(screen.getByLabelText('Threshold (%)')).toHaveValue('5');
    expect(screen.getByLabelText('Minimum messages')).toHaveValue('20');
  });

  it('changes the URL', async () => {
    const { changes, user } = setup(settings({ url: '' }));

    await user.type(screen.getByLabelText('URL'), 'http://db:8086');

    expect(changes.at(-1)!.url).toBe('http://db:8086');
  });

  it('turns the rollups off', async () => {
    const { changes, user } = setup(settings());

    await user.click(screen.getByLabelText('Rollups'));

    expect(changes.at(-1)!.jsonData).toEqual({ rollups: false });
  });

  it('sends a new password only in secureJsonData', async () => {
    const { changes, user } = setup(settings({ jsonData: { user: 'grafana' } }));

    await user.type(screen.getByLabelText('Password'), 's3cret');

    const last = changes.at(-1)!;
    expect(last.secureJsonData).toEqual({ password: 's3cret' });
    expect(JSON.stringify(last.jsonData)).not.toContain('s3cret');
  });

  it('shows a saved token as configured, without its value, until it is reset', async () => {
    // Grafana sends secureJsonFields (token: set) and no secureJsonData for a saved data source.
    const { changes, user } = setup(settings({ jsonData: { influxVersion: '2' }, secureJsonFields: { token: true } }));

    const token = screen.getByLabelText('Token');
    expect(token).toBeDisabled();
    expect(token).toHaveValue('configured');

    await user.click(screen.getByRole('button', { name: 'Reset' }));

    expect(changes.at(-1)!.secureJsonFields).toEqual({ token: false });
    expect(changes.at(-1)!.secureJsonData).toEqual({ token: '' });
    expect(screen.getByLabelText('Token')).toBeEnabled();
    expect(screen.getByLabelText('Token')).toHaveValue('');
    await user.type(screen.getByLabelText('Token'), 'abc');
    expect(changes.at(-1)!.secureJsonData).toEqual({ token: 'abc' });
  });
});
