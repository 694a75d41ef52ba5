// As @grafana/create-plugin's mock: @grafana/ui's Icon fetches /public/img/icons/<name>.svg through
// react-inlinesvg, which no server answers in the tests; an empty <svg> named after the icon stands in.
import React from 'react';

const SVG_FILE_NAME = /(.+)\/(.+)\.svg$/;

export const cacheStore: Record<string, unknown> = Object.create(null);

export default function InlineSVG({ src }: { src: string }) {
  return <svg xmlns="http://www.w3.org/2000/svg" data-testid={src.replace(SVG_FILE_NAME, '$2')} viewBox="0 0 24 24" />;
}
