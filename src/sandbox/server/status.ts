/**
 * `GET /sandbox/status` (what a script or test needs: readiness, every URL, the dev client) and the index
 * page at `/` linking each part.
 */

import type { Route } from '../context';
import { escapeHtml, html, json, page } from './responses';

/** The sandbox's URLs. */
export interface SandboxUrls {
  readonly ehr: string;
  readonly ehrFhir: string;
  readonly medplumFhir: string;
  readonly phone: string;
  readonly app: string;
  readonly outbox: string;
  readonly status: string;
  readonly tokenEndpoint: string;
}

/** The URLs of a sandbox at `baseUrl`. */
export function sandboxUrls(baseUrl: string): SandboxUrls {
  return {
    ehr: `${baseUrl}/ehr`,
    ehrFhir: `${baseUrl}/ehr/fhir`,
    medplumFhir: `${baseUrl}/fhir/R4`,
    phone: `${baseUrl}/phone`,
    app: `${baseUrl}/app/`,
    outbox: `${baseUrl}/outbox`,
    status: `${baseUrl}/sandbox/status`,
    tokenEndpoint: `${baseUrl}/oauth2/token`,
  };
}

/** The status and index routes. */
export function statusRoutes(deps: {
  readonly urls: SandboxUrls;
  readonly ready: () => boolean;
  readonly devClient: { readonly clientId: string; readonly clientSecret: string };
}): Route[] {
  const { urls } = deps;
  return [
    {
      method: 'GET',
      path: '/sandbox/status',
      handle: async () =>
        json({
          ready: deps.ready(),
          urls: {
            ehr: urls.ehr,
            ehrFhir: urls.ehrFhir,
            medplumFhir: urls.medplumFhir,
            phone: urls.phone,
            app: urls.app,
            outbox: urls.outbox,
          },
          devClient: deps.devClient,
        }),
    },
    {
      method: 'GET',
      path: '/favicon.ico',
      handle: async () => new Response(null, { status: 204, headers: { 'cache-control': 'max-age=86400' } }),
    },
    {
      method: 'GET',
      path: '/',
      handle: async () =>
        html(
          page(
            'Careloop sandbox',
            `<header class="bar"><strong>Careloop sandbox</strong></header>
<main>
<h1>Careloop sandbox</h1>
<p>Everything Careloop needs, on this machine: an EHR, a Medplum-compatible FHIR server, the bots, a phone and an email outbox.</p>
<ul>
<li><a href="/ehr">Sandbox EHR</a>: pick a clinician, open a patient's chart, and launch Careloop from its tab.</li>
<li><a href="/phone">Phone</a>: the texts patients received; reply as a patient.</li>
<li><a href="/outbox">Email outbox</a>: emails the bots sent.</li>
<li><a href="/sandbox/status">Status</a> (JSON): URLs and the dev client for scripts.</li>
</ul>
<h2>FHIR bases</h2>
<ul>
<li>Medplum-compatible: <code>${escapeHtml(urls.medplumFhir)}</code></li>
<li>EHR (SMART): <code>${escapeHtml(urls.ehrFhir)}</code></li>
</ul>
</main>`,
          ),
        ),
    },
  ];
}
