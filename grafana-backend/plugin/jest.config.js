// As @grafana/create-plugin's jest configuration: @swc/jest, jsdom, Testing Library; the Grafana packages are the
// real ones from node_modules, some of whose dependencies ship only ES modules and are transformed too.
process.env.TZ = 'UTC';

const esModules = ['@grafana/schema', '@wojtekmaj/date-utils', 'd3', 'd3-color', 'd3-force', 'd3-interpolate',
  'd3-scale-chromatic', 'get-user-locale', 'marked', 'memoize', 'mimic-function', 'ol', 'react-calendar',
  'react-colorful', 'rxjs', 'uuid'];

module.exports = {
  moduleNameMapper: {
    '\\.(css|scss|sass)$': '<rootDir>/jest/style-stub.js',
    'react-inlinesvg': '<rootDir>/jest/react-inlinesvg.tsx',
  },
  setupFilesAfterEnv: ['<rootDir>/jest-setup.js'],
  testEnvironment: 'jest-environment-jsdom',
  // The machine may be busy (several builds share two cores): a rendering test may take seconds.
  testTimeout: 30000,
  testMatch: ['<rootDir>/src/**/*.test.{ts,tsx}'],
  transform: {
    '^.+\\.(m?js|jsx|tsx?)$': [
      '@swc/jest',
      { sourceMaps: 'inline', jsc: { parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true } } },
    ],
  },
  transformIgnorePatterns: [`node_modules/(?!.*(${esModules.join('|')})/.*)`],
  watchPathIgnorePatterns: ['<rootDir>/node_modules', '<rootDir>/dist'],
};
