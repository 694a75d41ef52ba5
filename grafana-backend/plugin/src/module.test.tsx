/*
 * The built dist/module.js (npm run build) as Grafana loads it: an AMD module whose dependencies are Grafana's
 * shared modules, here the real packages from node_modules, and which exports the data source plugin.
 */
import fs from 'fs';
import path from 'path';
import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as rxjs from 'rxjs';

import { TestGrafanaApi, instanceSettings } from './testing/grafana';

const dist = path.join(__dirname, '..', 'dist');

/** What Grafana hands a plugin's define() (its shared modules), for the ones this plugin imports. */
const SHARED: Record<string, unknown> = {
  '@grafana/data': grafanaData,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/ui': grafanaUi,
  react: React,
  rxjs,
};

function loadAmd(file: string): { dependencies: string[]; exports: any } {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: run "npm run build" first`);
  }
  let dependencies: string[] = [];
  let factory: (...modules: unknown[]) => unknown = () => undefined;
  const define = Object.assign(
    (deps: string[], f: typeof factory) => {
      dependencies = deps;
      factory = f;
    },
    { amd: true }
  );
  new Function('define', fs.readFileSync(file, 'utf8'))(define);
  return { dependencies, exports: factory(...dependencies.map((name) => SHARED[name])) };
}

describe('dist/module.js', () => {
  const file = path.join(dist, 'module.js');

  it('is an AMD module that asks Grafana for its shared modules instead of bundling them', () => {
    const { dependencies } = loadAmd(file);

    expect([...dependencies].sort()).toEqual(Object.keys(SHARED).sort());
    // This plugin's own code only: React, @grafana/ui or @grafana/data inside would weigh megabytes.
    expect(fs.statSync(file).size).toBeLessThan(64 * 1024);
  });

  it('exports the data source plugin with its editors and variable support', () => {
    const { exports } = loadAmd(file);
    const plugin = exports.plugin;

    expect(plugin).toBeInstanceOf(grafanaData.DataSourcePlugin);
    expect(plugin.components.QueryEditor).toBeDefined();
    expect(plugin.components.ConfigEditor).toBeDefined();
    new TestGrafanaApi().install();
    const ds = new plugin.DataSourceClass(instanceSettings());
    expect(ds).toBeInstanceOf(grafanaRuntime.DataSourceWithBackend);
    expect(ds.variables).toBeInstanceOf(grafanaData.DataSourceVariableSupport);
    expect(ds.getDefaultQuery(grafanaData.CoreApp.PanelEditor).queryType).toBe('summary');
  });

  it("renders the bundle's editors with the real @grafana/ui", async () => {
    const { exports } = loadAmd(file);
    const { QueryEditor, ConfigEditor } = exports.plugin.components;
    const api = new TestGrafanaApi().install();
    api.resources.connectors = [];
    const ds = new exports.plugin.DataSourceClass(instanceSettings());

    render(<QueryEditor datasource={ds} query={{ refId: 'A', queryType: 'peers' }} onChange={() => {}} onRunQuery={() => {}} />);
    render(
      <ConfigEditor
        options={{ jsonData: {}, secureJsonFields: {}, url: '' } as grafanaData.DataSourceSettings}
        onOptionsChange={() => {}}
      />
    );

    expect(screen.getByText('Legacy peers')).toBeInTheDocument();
    expect(screen.getByLabelText('Limit')).toHaveValue(50);
    expect(screen.getByText('Threshold (%)', { selector: 'label' })).toBeInTheDocument();
    await waitFor(() => expect(api.requests).toHaveLength(1));
  });

  it('comes with plugin.json, the README and the logo', () => {
    expect(fs.readFileSync(path.join(dist, 'plugin.json'), 'utf8')).toBe(fs.readFileSync(path.join(__dirname, 'plugin.json'), 'utf8'));
    const pluginJson = JSON.parse(fs.readFileSync(path.join(dist, 'plugin.json'), 'utf8'));
    expect(fs.existsSync(path.join(dist, pluginJson.info.logos.small))).toBe(true);
    expect(fs.existsSync(path.join(dist, 'README.md'))).toBe(true);
  });
});
