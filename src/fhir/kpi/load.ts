/**
 * Loads what one day's KPIs read, in paged searches (1000 a page, following `link[next]`) keyed by the
 * date each resource carries, never the whole store: the day's outbound messages (with their requests
 * and enrolments included where the server supports `_include`), the replies and opt-outs since the day
 * began, and the enrolments that ended on the day. Whatever an include did not bring is read by `_id`.
 * For one practice of a project holding several, only that practice's resources are kept.
 */

import type { MedplumClient } from '@medplum/core';
import type {
  CarePlan,
  Communication,
  CommunicationRequest,
  Consent,
  Patient,
  Resource,
  ResourceType,
} from '@medplum/fhirtypes';
import { CS } from '../../engine/codes';
import type { DayWindow } from './days';
import { accountsOf, isOfPractice } from '../practiceScope';
import { carePlanRefOf, keyOf, refKey, requestsOf } from './facts';

/** The resources of one day's roll-up, and how many searches it took. */
export interface LoadedKpiInput {
  readonly carePlans: CarePlan[];
  readonly requests: CommunicationRequest[];
  readonly communications: Communication[];
  readonly consents: Consent[];
  readonly searches: number;
}

const PAGE_SIZE = '1000';
// Keeps `_id=a,b,...` URLs well under server and proxy limits.
const IDS_PER_SEARCH = 100;

class Collector {
  searches = 0;
  private readonly found = new Map<string, Resource>();

  async search(medplum: MedplumClient, type: ResourceType, params: [string, string][]): Promise<void> {
    const query = new URLSearchParams([...params, ['_count', PAGE_SIZE]]);
    for await (const page of medplum.searchResourcePages(type, query)) {
      this.searches++;
      // A page holds matches and `_include`d resources alike; both are wanted.
      for (const r of page as Resource[]) {
        const key = keyOf(r);
        if (key) this.found.set(key, r);
      }
    }
  }

  has(key: string): boolean {
    return this.found.has(key);
  }

  async byId(medplum: MedplumClient, type: ResourceType, keys: Iterable<string>): Promise<void> {
    const ids = [...new Set(keys)].filter((k) => !this.has(k)).map((k) => k.slice(type.length + 1));
    for (let i = 0; i < ids.length; i += IDS_PER_SEARCH) {
      await this.search(medplum, type, [['_id', ids.slice(i, i + IDS_PER_SEARCH).join(',')]]);
    }
  }

  get<T extends Resource>(key: string | undefined): T | undefined {
    return key ? (this.found.get(key) as T | undefined) : undefined;
  }

  all<T extends Resource>(type: T['resourceType']): T[] {
    return [...this.found.values()].filter((r): r is T => r.resourceType === type);
  }
}

/**
 * Loads one day's KPI input. Replies and Consents are read from the day's start up to now, so a reply
 * after midnight to a message of the day is counted for that day.
 */
export async function loadKpiInput(
  medplum: MedplumClient,
  window: DayWindow,
  options: { readonly organization?: string } = {},
): Promise<LoadedKpiInput> {
  const start = new Date(window.start).toISOString();
  const next = window.next;
  const c = new Collector();
  await Promise.all([
    c.search(medplum, 'Communication', [
      ['sent', `ge${start}`],
      ['sent', `lt${next}`],
      ['_include', 'Communication:based-on'],
    ]),
    c.search(medplum, 'Communication', [['received', `ge${start}`]]),
    c.search(medplum, 'Consent', [
      ['date', `ge${start}`],
      ['category', `${CS.consentCategory}|communication`],
    ]),
    // `date` is CarePlan.period: a plan that ended on the day overlaps it; open plans are filtered out
    // by status and the rest by period.end in computeKpis.
    c.search(medplum, 'CarePlan', [
      ['status', 'completed,revoked'],
      ['date', `ge${start}`],
      ['date', `lt${next}`],
    ]),
  ]);
  const communications = c.all<Communication>('Communication');
  await c.byId(
    medplum,
    'CommunicationRequest',
    communications.flatMap((m) => requestsOf(m)),
  );
  const requests = c.all<CommunicationRequest>('CommunicationRequest');
  await c.byId(
    medplum,
    'CarePlan',
    [...communications, ...requests].flatMap((r) => carePlanRefOf(r) ?? []),
  );
  const loaded = {
    carePlans: c.all<CarePlan>('CarePlan'),
    requests,
    communications,
    consents: c.all<Consent>('Consent'),
  };
  const { organization } = options;
  if (!organization) {
    return { ...loaded, searches: c.searches };
  }
  // One practice's figures: every resource is kept or dropped by its own accounts, else its patient's.
  // Only the patients of resources filed nowhere are read (none when the bots file what they write).
  const all: Resource[] = [
    ...loaded.carePlans,
    ...loaded.requests,
    ...loaded.communications,
    ...loaded.consents,
  ];
  await c.byId(
    medplum,
    'Patient',
    all.filter((r) => accountsOf(r).length === 0).flatMap((r) => patientRefOf(r) ?? []),
  );
  const ours = <T extends Resource>(list: T[]): T[] =>
    list.filter((r) => isOfPractice(r, organization, c.get<Patient>(patientRefOf(r))));
  return {
    carePlans: ours(loaded.carePlans),
    requests: ours(loaded.requests),
    communications: ours(loaded.communications),
    consents: ours(loaded.consents),
    searches: c.searches,
  };
}

/** The patient a KPI resource is about: `subject` (plans, messages, requests), `patient` (consents). */
function patientRefOf(resource: Resource): string | undefined {
  const ref =
    'subject' in resource
      ? (resource.subject as { reference?: string } | undefined)?.reference
      : 'patient' in resource
        ? (resource.patient as { reference?: string } | undefined)?.reference
        : undefined;
  const key = refKey(ref);
  return key?.startsWith('Patient/') ? key : undefined;
}
