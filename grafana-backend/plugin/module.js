/*
 * MailFlow TLS Insights data source: the browser side, hand-written as an AMD module (no build step).
 * Grafana loads it with SystemJS and provides @grafana/runtime, @grafana/data, @grafana/ui and react.
 * Queries run in the backend plugin (DataSourceWithBackend): this file only edits the query model
 * (see the README's "Query model"), expands template variables and edits the data source settings.
 * Query variables (the Connector report's "Show data for") are ordinary queries of the model, e.g.
 * {queryType: 'connectors', connectorType: '$connector_type', source: '$source'}: Grafana sends them through
 * query() like a panel's, with the dashboard's time range and the other variables expanded, and lists the first
 * string field (the connector names).
 */
define(['@grafana/runtime', '@grafana/data', '@grafana/ui', 'react'], function (runtime, data, ui, React) {
  'use strict';

  var h = React.createElement;

  var QUERY_TYPES = [
    { value: 'summary', label: 'Summary', description: 'Messages and share per direction and TLS version (the mail flow widget)' },
    { value: 'timeseries', label: 'Time series', description: 'Messages or share per direction and TLS version over time' },
    { value: 'connectorReport', label: 'Connector report', description: 'Per day, connector and direction: TLS shares and volume' },
    { value: 'insights', label: 'Insights', description: 'Legacy TLS on partner/on-premises connectors, plaintext on forced TLS' },
    { value: 'peers', label: 'Legacy peers', description: 'Remote domains still using no TLS, SSLv3, TLS 1.0 or TLS 1.1' },
    { value: 'connectorTlsShare', label: 'Connector TLS share (alerting)', description: 'One value per connector and direction, labelled' },
    { value: 'connectors', label: 'Connectors', description: 'The connectors seen in the range' },
    { value: 'thresholds', label: 'Insight threshold (alerting)', description: 'The TLS 1.0 insight threshold (%) set on the data source, for alert conditions' }
  ];
  var ALL = { value: '', label: 'All' };
  var DIRECTIONS = [ALL, { value: 'inbound', label: 'Inbound' }, { value: 'outbound', label: 'Outbound' }, { value: 'submission', label: 'Submission' }];
  var CONNECTOR_TYPES = [ALL, { value: 'Partner', label: 'Partner' }, { value: 'OnPremises', label: 'On-premises' },
    { value: 'Internet', label: 'Internet (no connector)' }, { value: 'Submission', label: 'Submission' }];
  var TLS_VERSIONS = [ALL, { value: 'none', label: 'No TLS' }, { value: 'SSLv3', label: 'SSLv3' }, { value: 'TLS1.0', label: 'TLS 1.0' },
    { value: 'TLS1.1', label: 'TLS 1.1' }, { value: 'TLS1.2', label: 'TLS 1.2' }, { value: 'TLS1.3', label: 'TLS 1.3' }, { value: 'unknown', label: 'Unknown' }];
  var INTERNET = { value: '$__internet', label: 'Without a connector (internet)' };

  /* No minMessages: unset, the insights and connectorTlsShare queries use the data source's minimum volume. */
  var DEFAULT_QUERY = { queryType: 'summary', direction: '', connectors: [], connectorType: '', source: '', tls: '', measure: 'messages', limit: 50 };

  /* Query variables run through query() (DataSourceWithBackend), so the plugin answers them with the range. */
  var VariableSupport = data.DataSourceVariableSupport ? class extends data.DataSourceVariableSupport {
    getDefaultQuery() {
      return { queryType: 'connectors', connectorType: '', source: '' };
    }
  } : null;

  /* A template variable's value as a list: multi-value variables come back as a JSON array with the 'json' format. */
  function expandList(templateSrv, value, scopedVars) {
    if (typeof value !== 'string' || value.indexOf('$') < 0 || value === INTERNET.value) {
      return [value];
    }
    var text = templateSrv.replace(value, scopedVars, 'json');
    try {
      var parsed = JSON.parse(text);
      return Array.isArray(parsed) ? parsed.map(String) : [String(parsed)];
    } catch (e) {
      return [templateSrv.replace(value, scopedVars)];
    }
  }

  class DataSource extends runtime.DataSourceWithBackend {
    constructor(instanceSettings) {
      super(instanceSettings);
      if (VariableSupport) {
        this.variables = new VariableSupport();
      }
    }

    getDefaultQuery() {
      return Object.assign({}, DEFAULT_QUERY);
    }

    filterQuery(query) {
      return !query.hide;
    }

    applyTemplateVariables(query, scopedVars) {
      var templateSrv = runtime.getTemplateSrv();
      var one = function (value) {
        return typeof value === 'string' ? templateSrv.replace(value, scopedVars) : value;
      };
      var connectors = query.connectors;
      if (typeof connectors === 'string') {
        connectors = [connectors];
      }
      var expanded = [];
      (connectors || []).forEach(function (name) {
        expandList(templateSrv, name, scopedVars).forEach(function (item) {
          if (item !== '' && expanded.indexOf(item) < 0) {
            expanded.push(item);
          }
        });
      });
      return Object.assign({}, query, {
        queryType: one(query.queryType),
        direction: one(query.direction),
        connectorType: one(query.connectorType),
        source: one(query.source),
        tls: one(query.tls),
        measure: one(query.measure),
        minMessages: one(query.minMessages),
        limit: one(query.limit),
        connectors: expanded
      });
    }
  }

  function field(label, tooltip, control, width) {
    return h(ui.InlineField, { label: label, tooltip: tooltip, labelWidth: width || 16 }, control);
  }

  function QueryEditor(props) {
    var query = Object.assign({}, DEFAULT_QUERY, props.query);
    var datasource = props.datasource;
    var state = React.useState([]);
    var connectorOptions = state[0];
    var setConnectorOptions = state[1];

    React.useEffect(function () {
      var cancelled = false;
      datasource.getResource('connectors').then(function (list) {
        if (cancelled) {
          return;
        }
        var seen = {};
        var options = [INTERNET];
        (list || []).forEach(function (c) {
          if (!seen[c.name]) {
            seen[c.name] = true;
            options.push({ value: c.name, label: c.name, description: c.connectorType + (c.forcedTls ? ', forced TLS' : '') });
          }
        });
        runtime.getTemplateSrv().getVariables().forEach(function (v) {
          options.push({ value: '$' + v.name, label: '$' + v.name });
        });
        setConnectorOptions(options);
      }, function () {
        setConnectorOptions([INTERNET]);
      });
      return function () {
        cancelled = true;
      };
    }, [datasource]);

    function change(patch, run) {
      props.onChange(Object.assign({}, props.query, patch));
      if (run !== false) {
        props.onRunQuery();
      }
    }

    var type = query.queryType;
    var rows = [
      h(ui.InlineFieldRow, { key: 'type' },
        field('Query type', 'What to ask', h(ui.Select, {
          width: 36, options: QUERY_TYPES, value: type,
          onChange: function (v) { change({ queryType: v.value }); }
        })),
        field('Direction', 'Inbound, outbound, submission or all', h(ui.Select, {
          width: 20, options: DIRECTIONS, value: query.direction || '',
          onChange: function (v) { change({ direction: v.value }); }
        }), 12)),
      h(ui.InlineFieldRow, { key: 'filters' },
        field('Connectors', 'Empty = all; "Without a connector" = the implicit internet connectors; template variables allowed', h(ui.MultiSelect, {
          width: 36, options: connectorOptions, allowCustomValue: true, placeholder: 'All connectors',
          value: (query.connectors || []).map(function (c) { return { value: c, label: c === INTERNET.value ? INTERNET.label : c }; }),
          onChange: function (values) { change({ connectors: values.map(function (v) { return v.value; }) }); }
        })),
        field('Type', 'Connector type', h(ui.Select, {
          width: 20, options: CONNECTOR_TYPES, value: query.connectorType || '',
          onChange: function (v) { change({ connectorType: v.value }); }
        }), 12)),
      h(ui.InlineFieldRow, { key: 'tls' },
        field('TLS version', 'Only this version in the answer (shares stay relative to all messages)', h(ui.Select, {
          width: 20, options: TLS_VERSIONS, value: query.tls || '',
          onChange: function (v) { change({ tls: v.value }); }
        })),
        field('Source', 'Mail server (source tag); empty = all', h(ui.Input, {
          width: 20, value: query.source || '', placeholder: 'all servers',
          onChange: function (e) { change({ source: e.currentTarget.value }, false); },
          onBlur: function () { props.onRunQuery(); }
        }), 12))
    ];
    if (type === 'timeseries') {
      rows.push(h(ui.InlineFieldRow, { key: 'measure' },
        field('Measure', 'Message counts or share of the direction', h(ui.RadioButtonGroup, {
          options: [{ value: 'messages', label: 'Messages' }, { value: 'percent', label: 'Percent' }],
          value: query.measure || 'messages',
          onChange: function (v) { change({ measure: v }); }
        }))));
    }
    if (type === 'connectorTlsShare' || type === 'insights') {
      rows.push(h(ui.InlineFieldRow, { key: 'min' },
        field('Min messages', 'Connectors with fewer messages in the range yield no value; empty = the data source\'s minimum', h(ui.Input, {
          width: 12, type: 'number', value: query.minMessages === undefined || query.minMessages === null ? '' : query.minMessages,
          placeholder: 'data source\'s',
          onChange: function (e) {
            var text = e.currentTarget.value;
            change({ minMessages: text === '' ? undefined : Number(text) }, false);
          },
          onBlur: function () { props.onRunQuery(); }
        }))));
    }
    if (type === 'peers') {
      rows.push(h(ui.InlineFieldRow, { key: 'limit' },
        field('Limit', 'Most rows, busiest peers first', h(ui.Input, {
          width: 12, type: 'number', value: query.limit,
          onChange: function (e) { change({ limit: Number(e.currentTarget.value) }, false); },
          onBlur: function () { props.onRunQuery(); }
        }))));
    }
    return h('div', null, rows);
  }

  function ConfigEditor(props) {
    var options = props.options;
    var jsonData = options.jsonData || {};
    var secureFields = options.secureJsonFields || {};
    var secure = options.secureJsonData || {};
    var version = jsonData.influxVersion || '1';

    function setJson(key, value) {
      var next = Object.assign({}, jsonData);
      next[key] = value;
      props.onOptionsChange(Object.assign({}, options, { jsonData: next }));
    }
    function setSecure(key, value) {
      var next = Object.assign({}, secure);
      next[key] = value;
      props.onOptionsChange(Object.assign({}, options, { secureJsonData: next }));
    }
    function resetSecure(key) {
      var fields = Object.assign({}, secureFields);
      fields[key] = false;
      var next = Object.assign({}, secure);
      next[key] = '';
      props.onOptionsChange(Object.assign({}, options, { secureJsonFields: fields, secureJsonData: next }));
    }
    function text(label, tooltip, key, placeholder) {
      return field(label, tooltip, h(ui.Input, {
        width: 40, value: jsonData[key] || '', placeholder: placeholder,
        onChange: function (e) { setJson(key, e.currentTarget.value); }
      }), 20);
    }
    function secret(label, tooltip, key) {
      return field(label, tooltip, h(ui.SecretInput, {
        width: 40, isConfigured: !!secureFields[key], value: secure[key] || '', placeholder: 'kept encrypted by Grafana',
        onChange: function (e) { setSecure(key, e.currentTarget.value); },
        onReset: function () { resetSecure(key); }
      }), 20);
    }

    var children = [
      h('h3', { key: 'title', className: 'page-heading' }, 'InfluxDB'),
      h('div', { key: 'url' }, field('URL', 'InfluxDB as reached from the Grafana server, e.g. http://influxdb:8086', h(ui.Input, {
        width: 40, value: options.url || '', placeholder: 'http://localhost:8086',
        onChange: function (e) { props.onOptionsChange(Object.assign({}, options, { url: e.currentTarget.value })); }
      }), 20)),
      h('div', { key: 'version' }, field('Version', '1.x (and 3.x through its v1 API): database and user/password; 2.x: organisation, bucket and token',
        h(ui.RadioButtonGroup, {
          options: [{ value: '1', label: 'InfluxDB 1.x / 3.x' }, { value: '2', label: 'InfluxDB 2.x' }],
          value: version,
          onChange: function (v) { setJson('influxVersion', v); }
        }), 20))
    ];
    if (version === '2') {
      children.push(
        h('div', { key: 'org' }, text('Organisation', 'InfluxDB 2.x organisation', 'organization', 'my-org')),
        h('div', { key: 'bucket' }, text('Bucket', 'The bucket the exporter writes to (queried through its DBRP mapping)', 'bucket', 'mailflow')),
        h('div', { key: 'token' }, secret('Token', 'An API token with read access to the bucket', 'token')));
    } else {
      children.push(
        h('div', { key: 'db' }, text('Database', 'The database the exporter writes to', 'database', 'mailflow')),
        h('div', { key: 'rp' }, text('Retention policy', 'Empty = the database default', 'retentionPolicy', 'default')),
        h('div', { key: 'user' }, text('User', 'Empty when InfluxDB has no authentication', 'user', '')),
        h('div', { key: 'password' }, secret('Password', 'The user\'s password', 'password')));
    }
    children.push(
      h('h3', { key: 'insight', className: 'page-heading' }, 'TLS 1.0 insight and alerts'),
      h('div', { key: 'threshold' }, text('Threshold (%)',
        'A Partner or On-premises connector whose TLS 1.0 share reaches this percentage raises the insight and the alert rules. Empty = 5',
        'legacyTlsThresholdPercent', '5')),
      h('div', { key: 'minimum' }, text('Minimum messages',
        'Connectors with fewer messages in the range are left out of the insight and the alerts. Empty = 10',
        'legacyTlsMinMessages', '10')));
    children.push(h('div', { key: 'rollups' }, field('Rollups',
      'Read whole 5-minute blocks, hours and days from the rollup tiers the exporter writes, so long ranges stay fast. ' +
      'Turn off only for minute points written by another tool, until "mailflow-exporter rollup" has built their tiers.',
      h(ui.InlineSwitch, {
        value: jsonData.rollups !== false,
        onChange: function (e) { setJson('rollups', e.currentTarget.checked); }
      }), 20)));
    return h('div', { className: 'gf-form-group' }, children);
  }

  var plugin = new data.DataSourcePlugin(DataSource)
    .setConfigEditor(ConfigEditor)
    .setQueryEditor(QueryEditor);

  return { plugin: plugin, DataSource: DataSource, QueryEditor: QueryEditor, ConfigEditor: ConfigEditor };
});
