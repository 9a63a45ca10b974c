import type { ServerResponse } from 'node:http';

/**
 * The page's Content-Security-Policy: its own origin only (no CDN, no inline script or style, no
 * framing), data: images for the empty favicon. Scripts and styles come from /page/app.js and
 * /page/app.css; the live channel and actions are fetch()es to the same origin.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Sets the headers every page response carries: CSP, no sniffing, no framing, no referrer, no caching. */
export function setPageHeaders(res: ServerResponse, contentType: string): void {
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  // A new build's page is picked up at once; the files are small.
  res.setHeader('Cache-Control', 'no-cache');
}
