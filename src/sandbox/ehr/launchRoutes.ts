/**
 * Launch contexts, as an EHR creates them before opening an app: `POST /ehr/launch` (JSON or form
 * `{ patient, practitioner }`) or `GET /ehr/launch?patient=&practitioner=` answers `{ launch, launchUrl }`,
 * the id the app passes to `/oauth2/authorize` and the URL that launches Careloop with it.
 */

import type { Route } from '../context';
import type { SandboxStore } from '../fhir/store';
import { json } from '../server/responses';
import type { LaunchStore } from '../smart/launches';
import { lookup } from './directory';

/** The URL that launches Careloop for `launch` from the EHR at `origin`. */
export function appLaunchUrl(origin: string, launch?: string): string {
  const url = new URL('/app/launch.html', origin);
  url.searchParams.set('iss', `${origin}/ehr/fhir`);
  if (launch) url.searchParams.set('launch', launch);
  return url.toString();
}

function asReference(value: unknown, type: string): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return value.includes('/') ? value : `${type}/${value}`;
}

/** The launch routes. */
export function launchRoutes(deps: { store: SandboxStore; launches: LaunchStore }): Route[] {
  const create = async (request: Request): Promise<Response> => {
    let input: Record<string, unknown> = {};
    const url = new URL(request.url);
    if (request.method === 'GET') {
      input = Object.fromEntries(url.searchParams.entries());
    } else {
      const type = request.headers.get('content-type') ?? '';
      const text = await request.text();
      try {
        input = type.includes('json')
          ? (JSON.parse(text) as Record<string, unknown>)
          : Object.fromEntries(new URLSearchParams(text));
      } catch {
        return json({ error: 'the body must be JSON {"patient": "...", "practitioner": "..."}' }, 400);
      }
    }
    const practitioner = asReference(input.practitioner, 'Practitioner');
    const patient = asReference(input.patient, 'Patient');
    if (!practitioner?.startsWith('Practitioner/') || !lookup(deps.store, practitioner)) {
      return json({ error: 'practitioner must name an existing Practitioner' }, 400);
    }
    if (patient !== undefined && (!patient.startsWith('Patient/') || !lookup(deps.store, patient))) {
      return json({ error: 'patient must name an existing Patient' }, 400);
    }
    const launch = deps.launches.put({ practitioner, patient: patient?.slice('Patient/'.length) });
    return json(
      { launch, launchUrl: appLaunchUrl(url.origin, launch) },
      request.method === 'POST' ? 201 : 200,
    );
  };
  return [
    { method: 'POST', path: '/ehr/launch', handle: create },
    { method: 'GET', path: '/ehr/launch', handle: create },
  ];
}
