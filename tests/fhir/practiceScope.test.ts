import type { Appointment, Patient } from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { isOfPractice, isPracticePatient, ofPractice } from '../../src/fhir/practiceScope';
import { indexFhirDefinitions } from '../fixtures/fhirDefinitions';

const LAKESIDE = 'Organization/lakeside';
const RIVERSIDE = 'Organization/riverside';
let medplum: MockClient;

beforeEach(() => {
  indexFhirDefinitions();
  medplum = new MockClient();
});

async function patient(extra: Partial<Patient>): Promise<string> {
  const p = await medplum.createResource<Patient>({ resourceType: 'Patient', ...extra });
  return `Patient/${p.id}`;
}

const visit = (id: string, patientRef: string, accounts?: string[]): Appointment => ({
  resourceType: 'Appointment',
  id,
  status: 'booked',
  ...(accounts ? { meta: { accounts: accounts.map((reference) => ({ reference })) } } : {}),
  participant: [{ actor: { reference: patientRef as `Patient/${string}` }, status: 'accepted' }],
});

const patientOf = (a: Appointment): string | undefined => a.participant?.[0]?.actor?.reference;

describe('ofPractice', () => {
  it("keeps what is filed under the practice, by the resource's accounts first, then its patient's", async () => {
    const riversidePatient = await patient({ managingOrganization: { reference: RIVERSIDE } });
    const lakesidePatient = await patient({ meta: { accounts: [{ reference: LAKESIDE }] } });
    const nobody = await patient({});
    const page = [
      visit('a', riversidePatient, [LAKESIDE]), // its own accounts win over its patient's
      visit('b', lakesidePatient, [RIVERSIDE]),
      visit('c', riversidePatient),
      visit('d', lakesidePatient),
      visit('e', nobody), // filed nowhere: a one-practice project
    ];
    expect((await ofPractice(medplum, page, LAKESIDE, patientOf)).map((a) => a.id)).toEqual(['a', 'd', 'e']);
    expect((await ofPractice(medplum, page, RIVERSIDE, patientOf)).map((a) => a.id)).toEqual(['b', 'c', 'e']);
  });

  it('filters nothing for settings without an organization', async () => {
    const page = [visit('a', 'Patient/x', [RIVERSIDE])];
    expect(await ofPractice(medplum, page, undefined, patientOf)).toEqual(page);
  });
});

describe('ofPractice with patients already in hand', () => {
  it('reads no patient it was given, and decides as if it had searched', async () => {
    const riverside = await patient({ managingOrganization: { reference: RIVERSIDE } });
    const lakeside = await patient({ meta: { accounts: [{ reference: LAKESIDE }] } });
    const known = new Map(
      await Promise.all(
        [riverside, lakeside].map(
          async (ref) => [ref, await medplum.readResource('Patient', ref.slice('Patient/'.length))] as const,
        ),
      ),
    );
    const search = vi.spyOn(medplum, 'search');
    const page = [visit('a', riverside), visit('b', lakeside), visit('c', riverside, [LAKESIDE])];
    expect((await ofPractice(medplum, page, LAKESIDE, patientOf, known)).map((a) => a.id)).toEqual([
      'b',
      'c',
    ]);
    expect(search).not.toHaveBeenCalled();
  });
});

describe('isPracticePatient and isOfPractice', () => {
  const filed = (accounts: string[], managing?: string): Patient => ({
    resourceType: 'Patient',
    meta: { accounts: accounts.map((reference) => ({ reference })) },
    ...(managing ? { managingOrganization: { reference: managing } } : {}),
  });

  it("a patient is a practice's by its accounts, else its managing organization, else every practice's", () => {
    expect(isPracticePatient(filed([LAKESIDE], RIVERSIDE), LAKESIDE)).toBe(true);
    expect(isPracticePatient(filed([LAKESIDE], RIVERSIDE), RIVERSIDE)).toBe(false);
    expect(isPracticePatient(filed([], RIVERSIDE), LAKESIDE)).toBe(false);
    expect(isPracticePatient(filed([LAKESIDE, RIVERSIDE]), RIVERSIDE)).toBe(true);
    expect(isPracticePatient(filed([]), LAKESIDE)).toBe(true);
    expect(isPracticePatient(filed([RIVERSIDE]), undefined)).toBe(true);
  });

  it("a resource is a practice's by its own accounts, else by its patient's", () => {
    const theirPatient = filed([RIVERSIDE]);
    expect(isOfPractice(visit('a', 'Patient/x', [LAKESIDE]), LAKESIDE, theirPatient)).toBe(true);
    expect(isOfPractice(visit('b', 'Patient/x'), LAKESIDE, theirPatient)).toBe(false);
    expect(isOfPractice(visit('c', 'Patient/x'), LAKESIDE, undefined)).toBe(true);
  });
});
