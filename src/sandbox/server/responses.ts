/**
 * Response builders shared by every sandbox part: JSON, FHIR JSON, OperationOutcomes and HTML. Errors
 * never carry stack traces or resource content, only a short diagnostic a user can act on.
 */

import type { OperationOutcome } from '@medplum/fhirtypes';

/** The FHIR JSON media type. */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** A FHIR JSON response. */
export function fhirJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': FHIR_JSON, 'cache-control': 'no-store', ...headers },
  });
}

const ISSUE_CODE: Record<number, NonNullable<OperationOutcome['issue']>[number]['code']> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  409: 'conflict',
  412: 'conflict',
  413: 'too-costly',
  415: 'not-supported',
  422: 'processing',
  500: 'exception',
  503: 'transient',
};

/** An OperationOutcome with one error issue. */
export function operationOutcome(status: number, diagnostics: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: ISSUE_CODE[status] ?? (status >= 500 ? 'exception' : 'processing'),
        details: { text: diagnostics },
        diagnostics,
      },
    ],
  };
}

/** A FHIR OperationOutcome response with `status`. */
export function outcomeResponse(
  status: number,
  diagnostics: string,
  headers: Record<string, string> = {},
): Response {
  return fhirJson(operationOutcome(status, diagnostics), status, headers);
}

/** An HTML page response. */
export function html(body: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      // Server-rendered pages load nothing from elsewhere; the chart page frames the app (same origin).
      'content-security-policy':
        "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'",
      ...headers,
    },
  });
}

/** A redirect. */
export function redirect(location: string, status = 302): Response {
  return new Response(null, { status, headers: { location, 'cache-control': 'no-store' } });
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A whole HTML document with the sandbox's small inline stylesheet. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1a1a1a;background:#f6f7f9}
header.bar{background:#12355b;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center;flex-wrap:wrap}
header.bar a{color:#fff}
main{padding:1rem;max-width:72rem}
a{color:#0b5cad}
a:focus,button:focus,input:focus,select:focus{outline:3px solid #f4b400;outline-offset:2px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #dde}
label{display:block;margin:.6rem 0 .2rem;font-weight:600}
input,select,button{font:inherit;padding:.35rem .5rem}
button{background:#0b5cad;color:#fff;border:0;border-radius:4px;cursor:pointer}
.card{background:#fff;border:1px solid #dde;border-radius:6px;padding:1rem;margin:0 0 1rem}
.muted{color:#555}
.error{color:#a00000}
.tabs{display:flex;gap:.25rem;margin:1rem 0 0}
.tabs a{padding:.4rem .8rem;border:1px solid #dde;border-bottom:0;background:#e9edf2;border-radius:6px 6px 0 0;text-decoration:none}
.tabs a[aria-current="page"]{background:#fff;font-weight:600}
.chart{display:grid;grid-template-columns:minmax(16rem,1fr) 2fr;gap:1rem}
@media (max-width:800px){.chart{grid-template-columns:1fr}}
iframe.app{width:100%;height:80vh;border:1px solid #dde;background:#fff}
</style>
</head>
<body>
${body}
</body>
</html>`;
}
