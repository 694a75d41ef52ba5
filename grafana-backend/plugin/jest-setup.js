// As @grafana/create-plugin's jest setup: what @grafana/ui needs from a browser that jsdom lacks.
import '@testing-library/jest-dom';
import { TextDecoder, TextEncoder } from 'util';

Object.assign(global, { TextDecoder, TextEncoder });

Object.defineProperty(global, 'matchMedia', {
  writable: true,
  value: (query) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});

HTMLCanvasElement.prototype.getContext = () => null;

// Layout observers (menus' scroll indicators, sizing): jsdom lays nothing out, so they never report.
class NoLayoutObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
global.IntersectionObserver = global.IntersectionObserver ?? NoLayoutObserver;
global.ResizeObserver = global.ResizeObserver ?? NoLayoutObserver;

// i18next (under @grafana/ui) prints an advertisement when it starts; keep the test output to the tests.
const info = console.info;
console.info = (...args) => {
  if (typeof args[0] === 'string' && args[0].includes('i18next is made possible by')) {
    return;
  }
  info(...args);
};
