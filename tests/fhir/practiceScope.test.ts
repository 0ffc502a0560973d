import type { Appointment, Patient } from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ofPractice } from '../../src/fhir/practiceScope';
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
