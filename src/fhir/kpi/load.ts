/**
 * Loads what one day's KPIs read, in paged searches (1000 a page, following `link[next]`) keyed by the
 * date each resource carries, never the whole store: the day's outbound messages (with their requests
 * and enrolments included where the server supports `_include`), the replies and opt-outs since the day
 * began, and the enrolments that ended on the day. Whatever an include did not bring is read by `_id`.
 */

import type { MedplumClient } from '@medplum/core';
import type {
  CarePlan,
  Communication,
  CommunicationRequest,
  Consent,
  Resource,
  ResourceType,
} from '@medplum/fhirtypes';
import { CS } from '../../engine/codes';
import type { DayWindow } from './days';
import { carePlanRefOf, keyOf, requestsOf } from './facts';

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

  all<T extends Resource>(type: T['resourceType']): T[] {
    return [...this.found.values()].filter((r): r is T => r.resourceType === type);
  }
}

/**
 * Loads one day's KPI input. Replies and Consents are read from the day's start up to now, so a reply
 * after midnight to a message of the day is counted for that day.
 */
export async function loadKpiInput(medplum: MedplumClient, window: DayWindow): Promise<LoadedKpiInput> {
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
  return {
    carePlans: c.all<CarePlan>('CarePlan'),
    requests,
    communications,
    consents: c.all<Consent>('Consent'),
    searches: c.searches,
  };
}
