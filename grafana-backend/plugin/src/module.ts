import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { MailFlowOptions, MailFlowQuery, MailFlowSecureJsonData } from './types';

/** What Grafana loads (dist/module.js, an AMD module): the data source with its editors. */
export const plugin = new DataSourcePlugin<DataSource, MailFlowQuery, MailFlowOptions, MailFlowSecureJsonData>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);

export { ConfigEditor, DataSource, QueryEditor };
