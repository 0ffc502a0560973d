/**
 * `/oauth2/authorize`: the SMART authorization step. The client and its redirect URI are checked first
 * (a bad one gets an error page, never a redirect); every other problem is sent back to the app as the
 * spec says (`error`, `error_description`, `state`). PKCE S256 is required. An EHR launch (`launch`) is
 * granted at once for the launch's practitioner and patient; a standalone launch shows a picker (no
 * login: choose the practitioner, and the patient when `launch/patient` is asked), a plain form.
 */

import type { Route } from '../context';
import { displayName, listPatients, listPractitioners, lookup } from '../ehr/directory';
import type { SandboxStore } from '../fhir/store';
import { escapeHtml, html, page, redirect } from '../server/responses';
import type { ClientRegistry } from './clients';
import type { CodeStore, LaunchStore } from './launches';

/** What authorize needs. */
export interface AuthorizeDeps {
  readonly fhirBases: () => readonly string[];
  readonly clients: ClientRegistry;
  readonly launches: LaunchStore;
  readonly codes: CodeStore;
  readonly store: SandboxStore;
}

const PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'aud',
  'launch',
  'code_challenge',
  'code_challenge_method',
  'nonce',
] as const;
type AuthorizeParams = Partial<Record<(typeof PARAMS)[number], string>>;

function readParams(source: URLSearchParams): AuthorizeParams {
  const out: AuthorizeParams = {};
  for (const name of PARAMS) {
    const value = source.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

function errorPage(status: number, message: string): Response {
  return html(
    page(
      'Authorization error',
      `<main><h1>Authorization error</h1><p class="error" role="alert">${escapeHtml(message)}</p>
<p>The app that sent you here is not set up for this sandbox. Go back to the <a href="/ehr">EHR</a>.</p></main>`,
    ),
    status,
  );
}

function errorRedirect(params: AuthorizeParams, error: string, description: string): Response {
  const url = new URL(params.redirect_uri ?? '');
  url.searchParams.set('error', error);
  url.searchParams.set('error_description', description);
  if (params.state) url.searchParams.set('state', params.state);
  return redirect(url.toString());
}

function normalizeBase(url: string): string {
  return url.replace(/\/+$/, '').replace('://127.0.0.1', '://localhost');
}

/** Checks what can be checked before knowing the user; a Response when the request must stop. */
function validate(deps: AuthorizeDeps, params: AuthorizeParams): Response | undefined {
  const client = deps.clients.get(params.client_id);
  if (!client || !client.grants.includes('authorization_code')) {
    return errorPage(400, `Unknown client_id "${params.client_id ?? ''}".`);
  }
  if (!params.redirect_uri || !client.allowsRedirect(params.redirect_uri)) {
    return errorPage(400, 'The redirect_uri is missing or not registered for this client.');
  }
  if (params.response_type !== 'code') {
    return errorRedirect(params, 'unsupported_response_type', 'response_type must be "code"');
  }
  if (!params.state) {
    return errorRedirect(params, 'invalid_request', 'state is required');
  }
  const bases = deps.fhirBases().map(normalizeBase);
  if (!params.aud || !bases.includes(normalizeBase(params.aud))) {
    return errorRedirect(
      params,
      'invalid_request',
      `aud must be this server's FHIR base (${deps.fhirBases().join(' or ')})`,
    );
  }
  if (!params.code_challenge || params.code_challenge_method !== 'S256') {
    return errorRedirect(
      params,
      'invalid_request',
      'PKCE is required: send code_challenge with code_challenge_method=S256 (plain is not supported)',
    );
  }
  if (!/^[A-Za-z0-9_-]{43}$/.test(params.code_challenge)) {
    return errorRedirect(
      params,
      'invalid_request',
      'code_challenge must be a base64url SHA-256 digest (43 characters)',
    );
  }
  return undefined;
}

function scopes(params: AuthorizeParams): string[] {
  return (params.scope ?? '').split(/\s+/).filter(Boolean);
}

function grantCode(
  deps: AuthorizeDeps,
  params: AuthorizeParams,
  practitioner: string,
  patient: string | undefined,
): Response {
  const code = deps.codes.put({
    clientId: params.client_id ?? '',
    redirectUri: params.redirect_uri ?? '',
    codeChallenge: params.code_challenge ?? '',
    scope: params.scope ?? '',
    aud: params.aud ?? '',
    practitioner,
    patient,
    nonce: params.nonce,
  });
  const url = new URL(params.redirect_uri ?? '');
  url.searchParams.set('code', code);
  url.searchParams.set('state', params.state ?? '');
  return redirect(url.toString());
}

async function pickerPage(deps: AuthorizeDeps, params: AuthorizeParams, problem?: string): Promise<Response> {
  const wantsPatient = scopes(params).includes('launch/patient');
  const practitioners = await listPractitioners(deps.store);
  const { patients } = wantsPatient ? await listPatients(deps.store, '', 5000) : { patients: [] };
  const hidden = PARAMS.filter((p) => params[p] !== undefined)
    .map((p) => `<input type="hidden" name="${p}" value="${escapeHtml(params[p])}">`)
    .join('\n');
  const options = (items: { id?: string; label: string }[], type: string): string =>
    items
      .map((i) => `<option value="${escapeHtml(`${type}/${i.id ?? ''}`)}">${escapeHtml(i.label)}</option>`)
      .join('\n');
  const body = `<header class="bar"><strong>Sandbox EHR sign-in</strong></header>
<main>
<h1>Sign in to open Careloop</h1>
<p class="muted">This sandbox has no passwords: choose who you are${wantsPatient ? ' and which patient to open' : ''}.
The app asked for: <code>${escapeHtml(params.scope ?? '')}</code></p>
${problem ? `<p class="error" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/oauth2/authorize" class="card">
${hidden}
<label for="practitioner">Practitioner</label>
<select id="practitioner" name="practitioner" required>
${options(
  practitioners.map((p) => ({ id: p.id, label: displayName(p) })),
  'Practitioner',
)}
</select>
${
  wantsPatient
    ? `<label for="patient">Patient</label>
<select id="patient" name="patient" required>
${options(
  patients.map((p) => ({ id: p.id, label: `${displayName(p)} (born ${p.birthDate ?? 'unknown'})` })),
  'Patient',
)}
</select>`
    : ''
}
<p><button type="submit" name="decision" value="allow">Sign in and open the app</button>
<button type="submit" name="decision" value="deny" formnovalidate>Cancel</button></p>
</form>
</main>`;
  return html(page('Sandbox EHR sign-in', body));
}

/** The authorize routes. */
export function authorizeRoutes(deps: AuthorizeDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/oauth2/authorize',
      handle: async (request) => {
        const params = readParams(new URL(request.url).searchParams);
        const problem = validate(deps, params);
        if (problem) return problem;
        if (params.launch) {
          const launch = deps.launches.get(params.launch);
          if (!launch) {
            return errorRedirect(
              params,
              'invalid_request',
              'the launch is unknown or has expired; launch the app again from the EHR',
            );
          }
          const patient = scopes(params).includes('launch') ? launch.patient : undefined;
          return grantCode(deps, params, launch.practitioner, patient);
        }
        return pickerPage(deps, params);
      },
    },
    {
      method: 'POST',
      path: '/oauth2/authorize',
      handle: async (request) => {
        const form = new URLSearchParams(await request.text());
        const params = readParams(form);
        if (params.launch) {
          return errorPage(400, 'An EHR launch is authorized without this form.');
        }
        const problem = validate(deps, params);
        if (problem) return problem;
        if (form.get('decision') === 'deny') {
          return errorRedirect(params, 'access_denied', 'the user cancelled the sign-in');
        }
        const practitioner = form.get('practitioner') ?? '';
        if (!practitioner.startsWith('Practitioner/') || !lookup(deps.store, practitioner)) {
          return pickerPage(deps, params, 'Choose a practitioner from the list.');
        }
        let patient: string | undefined;
        if (scopes(params).includes('launch/patient')) {
          const chosen = form.get('patient') ?? '';
          if (!chosen.startsWith('Patient/') || !lookup(deps.store, chosen)) {
            return pickerPage(deps, params, 'Choose a patient from the list.');
          }
          patient = chosen.slice('Patient/'.length);
        }
        const response = grantCode(deps, params, practitioner, patient);
        return new Response(null, { status: 303, headers: response.headers });
      },
    },
  ];
}
