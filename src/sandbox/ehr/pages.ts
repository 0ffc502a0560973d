/**
 * The sandbox EHR's pages, server-rendered and self-contained: `/ehr` (choose who you are, then find a
 * patient by name), `/ehr/patients/:id` (demographics and upcoming appointments, and a "Careloop" tab that
 * frames the app by a real EHR launch: a fresh launch id in `launch.html?iss=...&launch=...`), and a
 * "Coordinator worklist" entry that opens the app by a standalone launch.
 */

import type { Appointment, Patient, Practitioner } from '@medplum/fhirtypes';
import type { Clock } from '../../bots/runtime';
import type { Route } from '../context';
import type { SandboxStore } from '../fhir/store';
import { escapeHtml, html, page } from '../server/responses';
import type { LaunchStore } from '../smart/launches';
import { displayName, listPatients, listPractitioners, lookup, upcomingAppointments } from './directory';
import { appLaunchUrl } from './launchRoutes';

/** What the pages need. */
export interface EhrPageDeps {
  readonly store: SandboxStore;
  readonly launches: LaunchStore;
  readonly clock: Clock;
}

function header(practitioner: Practitioner | undefined, origin: string): string {
  const who = practitioner
    ? `Signed in as <strong>${escapeHtml(displayName(practitioner))}</strong> · <a href="/ehr">switch user</a>`
    : '';
  const worklist = practitioner
    ? ` · <a href="${escapeHtml(appLaunchUrl(origin))}" target="_blank" rel="noopener">Coordinator worklist (Careloop)</a>`
    : '';
  return `<header class="bar"><a href="/ehr"><strong>Sandbox EHR</strong></a><span>${who}${worklist}</span></header>`;
}

function practitionerParam(practitioner: Practitioner): string {
  return `practitioner=${encodeURIComponent(practitioner.id ?? '')}`;
}

async function pickerPage(store: SandboxStore): Promise<Response> {
  const practitioners = await listPractitioners(store);
  const options = practitioners
    .map((p) => `<option value="${escapeHtml(p.id)}">${escapeHtml(displayName(p))}</option>`)
    .join('\n');
  return html(
    page(
      'Sandbox EHR',
      `${header(undefined, '')}
<main>
<h1>Sandbox EHR</h1>
<p class="muted">A stand-in for a practice's EHR. There are no passwords: choose who you are.</p>
<form method="get" action="/ehr" class="card">
<label for="practitioner">Practitioner</label>
<select id="practitioner" name="practitioner" required>${options}</select>
<p><button type="submit">Continue</button></p>
</form>
</main>`,
    ),
  );
}

async function patientListPage(
  deps: EhrPageDeps,
  practitioner: Practitioner,
  query: string,
  origin: string,
): Promise<Response> {
  const { patients, total } = await listPatients(deps.store, query, 100);
  const rows = patients
    .map(
      (
        p,
      ) => `<tr><td><a href="/ehr/patients/${encodeURIComponent(p.id ?? '')}?${practitionerParam(practitioner)}">${escapeHtml(displayName(p))}</a></td>
<td>${escapeHtml(p.birthDate ?? '')}</td><td>${escapeHtml(p.gender ?? '')}</td><td>${escapeHtml(p.active === false ? 'inactive' : 'active')}</td></tr>`,
    )
    .join('\n');
  const shown =
    total > patients.length
      ? `Showing ${patients.length} of ${total}.`
      : `${total} patient${total === 1 ? '' : 's'}.`;
  return html(
    page(
      'Patients · Sandbox EHR',
      `${header(practitioner, origin)}
<main>
<h1>Patients</h1>
<form method="get" action="/ehr" role="search" class="card">
<input type="hidden" name="practitioner" value="${escapeHtml(practitioner.id)}">
<label for="q">Search by name</label>
<input id="q" name="q" type="search" value="${escapeHtml(query)}" autocomplete="off">
<button type="submit">Search</button>
</form>
<p class="muted" role="status">${escapeHtml(shown)}</p>
<table>
<caption class="muted">Patients${query ? ` matching “${escapeHtml(query)}”` : ''}</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Born</th><th scope="col">Sex</th><th scope="col">Status</th></tr></thead>
<tbody>${rows}</tbody>
</table>
</main>`,
    ),
  );
}

function formatStart(appointment: Appointment, timeZone: string): string {
  if (!appointment.start) return 'no time set';
  try {
    return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(
      new Date(appointment.start),
    );
  } catch {
    return appointment.start;
  }
}

function patientZone(patient: Patient): string {
  const ext = patient.extension?.find((e) => e.url.endsWith('timezone') || e.url.endsWith('time-zone'));
  return ext?.valueCode ?? 'America/Chicago';
}

async function chartPage(
  deps: EhrPageDeps,
  practitioner: Practitioner,
  patient: Patient,
  tab: string,
  origin: string,
): Promise<Response> {
  const zone = patientZone(patient);
  const appointments = await upcomingAppointments(deps.store, patient.id ?? '', deps.clock.now());
  const rows = appointments
    .slice(0, 20)
    .map((a) => {
      const clinician = a.participant?.find((p) => p.actor?.reference?.startsWith('Practitioner/'))?.actor;
      const location = a.participant?.find((p) => p.actor?.reference?.startsWith('Location/'))?.actor;
      return `<tr><td>${escapeHtml(formatStart(a, zone))}</td><td>${escapeHtml(a.status)}</td>
<td>${escapeHtml(a.appointmentType?.text ?? a.serviceType?.[0]?.text ?? a.description ?? '')}</td>
<td>${escapeHtml(clinician?.display ?? displayName(lookup(deps.store, clinician?.reference)))}</td>
<td>${escapeHtml(location?.display ?? '')}</td></tr>`;
    })
    .join('\n');
  const phones = (patient.telecom ?? [])
    .filter((t) => t.system === 'phone' || t.system === 'email' || t.system === 'sms')
    .map((t) => `${t.use ?? t.system}: ${t.value ?? ''}`)
    .join('; ');
  const language =
    patient.communication?.[0]?.language?.coding?.[0]?.code ??
    patient.communication?.[0]?.language?.text ??
    'en';
  const summary = `<section class="card" aria-labelledby="demo-h">
<h2 id="demo-h">Demographics</h2>
<dl>
<dt>Name</dt><dd>${escapeHtml(displayName(patient))}</dd>
<dt>Born</dt><dd>${escapeHtml(patient.birthDate ?? 'unknown')}</dd>
<dt>Sex</dt><dd>${escapeHtml(patient.gender ?? 'unknown')}</dd>
<dt>Language</dt><dd>${escapeHtml(language)}</dd>
<dt>Time zone</dt><dd>${escapeHtml(zone)}</dd>
<dt>Contact</dt><dd>${escapeHtml(phones || 'none on file')}</dd>
</dl>
</section>
<section class="card" aria-labelledby="appt-h">
<h2 id="appt-h">Upcoming appointments</h2>
${
  appointments.length === 0
    ? '<p>No upcoming appointments.</p>'
    : `<table><thead><tr><th scope="col">When (${escapeHtml(zone)})</th><th scope="col">Status</th><th scope="col">Type</th><th scope="col">Clinician</th><th scope="col">Location</th></tr></thead><tbody>${rows}</tbody></table>`
}
</section>`;
  const base = `/ehr/patients/${encodeURIComponent(patient.id ?? '')}?${practitionerParam(practitioner)}`;
  const tabs = `<nav class="tabs" aria-label="Chart sections">
<a href="${escapeHtml(base)}"${tab === 'chart' ? ' aria-current="page"' : ''}>Chart</a>
<a href="${escapeHtml(`${base}&tab=careloop`)}"${tab === 'careloop' ? ' aria-current="page"' : ''}>Careloop</a>
</nav>`;
  let content = summary;
  if (tab === 'careloop') {
    // A fresh launch per view, as an EHR does each time its app tab opens.
    const launch = deps.launches.put({
      practitioner: `Practitioner/${practitioner.id ?? ''}`,
      patient: patient.id,
    });
    content = `<div class="chart"><div>${summary}</div>
<section aria-labelledby="app-h"><h2 id="app-h" class="muted">Careloop</h2>
<iframe class="app" title="Careloop" src="${escapeHtml(appLaunchUrl(origin, launch))}"></iframe></section></div>`;
  }
  return html(
    page(
      `${displayName(patient)} · Sandbox EHR`,
      `${header(practitioner, origin)}
<main>
<p><a href="/ehr?${practitionerParam(practitioner)}">← All patients</a></p>
<h1>${escapeHtml(displayName(patient))}</h1>
${tabs}
${content}
</main>`,
    ),
  );
}

/** The EHR page routes. */
export function ehrPageRoutes(deps: EhrPageDeps): Route[] {
  const practitionerOf = (url: URL): Practitioner | undefined => {
    const id = url.searchParams.get('practitioner');
    return id ? (deps.store.peek('Practitioner', id) as Practitioner | undefined) : undefined;
  };
  return [
    {
      method: 'GET',
      path: '/ehr',
      handle: async (request) => {
        const url = new URL(request.url);
        const practitioner = practitionerOf(url);
        if (!practitioner) return pickerPage(deps.store);
        return patientListPage(deps, practitioner, url.searchParams.get('q') ?? '', url.origin);
      },
    },
    {
      method: 'GET',
      path: '/ehr/patients/:id',
      handle: async (request, params) => {
        const url = new URL(request.url);
        const practitioner = practitionerOf(url);
        if (!practitioner) return pickerPage(deps.store);
        const patient = deps.store.peek('Patient', params.id ?? '') as Patient | undefined;
        if (!patient) {
          return html(
            page(
              'Not found · Sandbox EHR',
              `${header(practitioner, url.origin)}<main><h1>No such patient</h1><p><a href="/ehr?${practitionerParam(practitioner)}">Back to the patient list</a></p></main>`,
            ),
            404,
          );
        }
        const tab = url.searchParams.get('tab') === 'careloop' ? 'careloop' : 'chart';
        return chartPage(deps, practitioner, patient, tab, url.origin);
      },
    },
  ];
}
