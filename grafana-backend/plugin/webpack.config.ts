/*
 * Builds src/module.ts into dist/module.js, the AMD module Grafana loads, as @grafana/create-plugin's webpack
 * configuration does: swc-loader, `library.type: 'amd'`, and Grafana's shared modules left external (Grafana
 * hands them to the plugin at load time, so the bundle holds only this plugin's code). Also copies plugin.json,
 * the README and the logo beside it: dist/ is the browser half of the plugin package (build-plugin.sh adds the
 * executables).
 */
import CopyWebpackPlugin from 'copy-webpack-plugin';
import path from 'path';
import type { Configuration } from 'webpack';

/** The modules Grafana provides to plugins (the scaffold's list, less Angular-era ones this plugin never used). */
export const externals = [
  'lodash',
  'moment',
  'emotion',
  '@emotion/react',
  '@emotion/css',
  'react',
  'react/jsx-runtime',
  'react-dom',
  'rxjs',
  'i18next',
  /^@grafana\/ui/i,
  /^@grafana\/runtime/i,
  /^@grafana\/data/i,
  /^@grafana\/schema/i,
];

type Env = Record<string, string | boolean | undefined>;

const config = (env: Env): Configuration => ({
  context: path.join(__dirname, 'src'),
  devtool: env.production ? 'source-map' : 'eval-source-map',
  entry: { module: './module.ts' },
  externals,
  mode: env.production ? 'production' : 'development',
  module: {
    rules: [
      {
        exclude: /node_modules/,
        test: /\.[tj]sx?$/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              target: 'es2015',
              loose: false,
              parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
            },
          },
        },
      },
    ],
  },
  output: {
    clean: true,
    filename: '[name].js',
    library: { type: 'amd' },
    path: path.join(__dirname, 'dist'),
    publicPath: 'public/plugins/mailflow-tls-datasource/',
    uniqueName: 'mailflow-tls-datasource',
  },
  performance: { hints: false },
  plugins: [
    new CopyWebpackPlugin({
      patterns: [
        { from: 'plugin.json', to: '.' },
        { from: 'README.md', to: '.' },
        { from: 'img', to: 'img' },
      ],
    }),
  ],
  resolve: { extensions: ['.js', '.jsx', '.ts', '.tsx'] },
});

export default config;
