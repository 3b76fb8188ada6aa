// The dashboard: one static HTML page (inline CSS and JS, no build step) that the admin listener serves.
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

/**
 * The page reads the admin API like any client: `/api/*` and `/metrics` with `fetch`, `/events`
 * over WebSocket. It holds no data itself, so it is served without a token; the token (typed in, or
 * given once as `/dashboard#token=...`) stays in the browser's session storage and goes out as
 * `Authorization: Bearer` on requests and `?access_token=` on WebSocket handshakes.
 */
const HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  // Inline script and style only; fetch and WebSocket to this origin only; never framed.
  'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
} as const;

let page: Buffer | undefined;

/** The page's bytes, read once. dist/src/dashboard/dashboard-page.js → src/dashboard/dashboard.html. */
export function dashboardHtml(): Buffer {
  page ??= readFileSync(new URL('../../../src/dashboard/dashboard.html', import.meta.url));
  return page;
}

/** Answers `GET` (or `HEAD`) of the dashboard. */
export function sendDashboard(res: ServerResponse, isHead: boolean): void {
  const body = dashboardHtml();
  res.writeHead(200, { ...HEADERS, 'Content-Length': body.length });
  if (isHead) res.end();
  else res.end(body);
}
