/*
 * What Grafana's front end provides to a data source, for the tests: template variables and its HTTP API. The
 * @grafana/data, @grafana/runtime and @grafana/ui code under test is the real one from node_modules; only the
 * services that live in Grafana's app (not in those packages) are stood in for here, through the packages' own
 * setters (setTemplateSrv, setBackendSrv).
 */
import {
  DataFrame,
  DataSourceInstanceSettings,
  ScopedVars,
  TypedVariableModel,
  dataFrameToJSON,
} from '@grafana/data';
import { BackendSrv, BackendSrvRequest, FetchResponse, TemplateSrv, setBackendSrv, setTemplateSrv } from '@grafana/runtime';
import { Observable, of, throwError } from 'rxjs';

import { DataSource } from '../datasource';
import { MailFlowOptions } from '../types';

/** A dashboard variable: its current value, and for "All" its options and custom all value. */
export interface TestVariable {
  name: string;
  current: string | string[];
  options?: string[];
  allValue?: string;
}

const ALL = '$__all';

/**
 * Template expansion with the rules of Grafana's TemplateSrv (public/app/features/templating/template_srv.ts):
 * $name, ${name}, ${name:format} and [[name]]; scoped variables (repeated panels) before the dashboard's; a
 * multi-value variable formats as a glob {a,b} by default and as a JSON array with 'json'; "All" ($__all) is the
 * custom all value, returned unformatted, or else every option's value; an unknown variable stays as written.
 */
export class TestTemplateSrv implements TemplateSrv {
  constructor(private readonly variables: TestVariable[] = []) {}

  getVariables(): TypedVariableModel[] {
    return this.variables.map((v) => ({ name: v.name, type: 'custom', id: v.name }) as unknown as TypedVariableModel);
  }

  replace(target?: string, scopedVars?: ScopedVars, format?: string | Function): string {
    if (!target) {
      return target ?? '';
    }
    return target.replace(/\$(\w+)|\$\{(\w+)(?::(\w+))?\}|\[\[(\w+)\]\]/g, (match, plain, braced, inlineFormat, bracketed) => {
      const name: string = plain ?? braced ?? bracketed;
      const fmt = inlineFormat ?? (typeof format === 'string' ? format : undefined);
      const scoped = scopedVars?.[name];
      if (scoped) {
        return formatValue(scoped.value, fmt);
      }
      const variable = this.variables.find((v) => v.name === name);
      if (!variable) {
        return match;
      }
      const current = variable.current;
      if (current === ALL || (Array.isArray(current) && current[0] === ALL)) {
        if (variable.allValue) {
          return this.replace(variable.allValue);
        }
        return formatValue(variable.options ?? [], fmt);
      }
      return formatValue(current, fmt);
    });
  }

  containsTemplate(target?: string): boolean {
    return !!target && /\$\w+|\$\{\w+|\[\[\w+/.test(target);
  }

  updateTimeRange(): void {}
}

function formatValue(value: unknown, format?: string): string {
  if (format === 'json') {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return value.length > 1 ? `{${value.join(',')}}` : String(value[0] ?? '');
  }
  return String(value ?? '');
}

/** A request Grafana's HTTP API received, as the data source sent it. */
export interface RecordedRequest {
  method: string;
  url: string;
  data?: any;
}

/**
 * Grafana's HTTP API as the data source reaches it (getBackendSrv().fetch): the resources of the backend plugin
 * and /api/ds/query, answering what the plugin would (frames serialised as Grafana serialises them).
 */
export class TestGrafanaApi {
  readonly requests: RecordedRequest[] = [];
  resources: Record<string, unknown> = {};
  /** The frames of each query, by refId, or an error message. */
  answer: (query: any) => DataFrame[] | { error: string } = () => [];

  install(templateSrv: TemplateSrv = new TestTemplateSrv()): this {
    setTemplateSrv(templateSrv);
    setBackendSrv({ fetch: (options: BackendSrvRequest) => this.fetch(options) } as unknown as BackendSrv);
    return this;
  }

  private fetch(options: BackendSrvRequest): Observable<FetchResponse> {
    const method = options.method ?? 'GET';
    this.requests.push({ method, url: options.url, data: options.data });
    const resource = /^\/api\/datasources\/uid\/[^/]+\/resources\/(.+)$/.exec(options.url);
    if (method === 'GET' && resource) {
      if (!(resource[1] in this.resources)) {
        return throwError(() => ({ status: 404, data: { message: 'not found' } }));
      }
      return of(response(this.resources[resource[1]]));
    }
    if (method === 'POST' && options.url.startsWith('/api/ds/query')) {
      const results: Record<string, unknown> = {};
      for (const query of options.data.queries) {
        const answer = this.answer(query);
        results[query.refId] = Array.isArray(answer)
          ? { status: 200, frames: answer.map((f) => dataFrameToJSON(f)) }
          : { status: 400, error: answer.error, errorSource: 'downstream' };
      }
      return of(response({ results }));
    }
    return throwError(() => ({ status: 404, data: { message: `no route ${method} ${options.url}` } }));
  }
}

function response(data: unknown): FetchResponse {
  return {
    data,
    status: 200,
    statusText: 'OK',
    ok: true,
    headers: new Headers(),
    redirected: false,
    type: 'basic',
    url: '',
    config: { url: '' },
  } as FetchResponse;
}

/** The settings Grafana gives a data source instance (as for the provisioned "MailFlow" data source). */
export function instanceSettings(jsonData: MailFlowOptions = {}): DataSourceInstanceSettings<MailFlowOptions> {
  return {
    id: 1,
    uid: 'mailflow',
    type: 'mailflow-tls-datasource',
    name: 'MailFlow',
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: { id: 'mailflow-tls-datasource', name: 'MailFlow TLS Insights', type: 'datasource', backend: true } as any,
  } as DataSourceInstanceSettings<MailFlowOptions>;
}

export function newDataSource(jsonData: MailFlowOptions = {}): DataSource {
  return new DataSource(instanceSettings(jsonData));
}
