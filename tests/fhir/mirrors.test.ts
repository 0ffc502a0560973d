import type { Appointment, Patient } from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EXT } from '../../src/engine/codes';
import {
  EHR_ID_SYSTEM,
  EHR_PARTICIPANT_STATUS_EXT,
  identifierSearch,
  MIRROR_TAG,
  parseEhrReference,
} from '../../src/fhir/mirrorIdentifiers';
import {
  MirrorInputError,
  upsertAppointmentMirror,
  upsertPatientMirror,
  type EhrSystem,
} from '../../src/fhir/mirrors';
import { indexFhirDefinitions } from '../fixtures/fhirDefinitions';

const EHR_BASE = 'https://ehr.example.test/fhir/R4';
const MRN_SYSTEM = 'urn:oid:2.16.840.1.113883.3.9999.1';
const EHR: EhrSystem = { base: EHR_BASE, organization: 'Organization/lakeside' };

function ehrPatient(overrides: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    id: 'ehr-p1',
    meta: { versionId: '7', lastUpdated: '2026-11-19T10:00:00Z' },
    identifier: [{ system: MRN_SYSTEM, value: 'MRN1001', type: { text: 'MRN' } }],
    name: [{ given: ['Ana'], family: 'Testpatient' }],
    telecom: [{ system: 'phone', use: 'mobile', value: '312-555-0142' }],
    birthDate: '1975-02-03',
    gender: 'female',
    address: [{ line: ['1 Test St'], city: 'Chicago', state: 'IL', postalCode: '60601' }],
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'es' }] }, preferred: true }],
    extension: [{ url: EXT.timeZone, valueCode: 'America/Chicago' }],
    // Not Careloop's business: must not be copied.
    maritalStatus: { text: 'Married' },
    ...overrides,
  };
}

function ehrAppointment(overrides: Partial<Appointment> = {}): Appointment {
  return {
    resourceType: 'Appointment',
    id: 'ehr-a1',
    meta: { lastUpdated: '2026-11-19T10:05:00Z' },
    identifier: [{ system: 'urn:oid:2.16.840.1.113883.3.9999.2', value: 'CSN5001' }],
    status: 'booked',
    start: '2026-12-01T15:30:00Z',
    end: '2026-12-01T16:00:00Z',
    minutesDuration: 30,
    appointmentType: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'ROUTINE' }],
    },
    serviceType: [{ text: 'Office visit' }],
    description: 'free text that may hold clinical detail',
    participant: [
      {
        actor: { reference: `${EHR_BASE}/Patient/ehr-p1`, display: 'Ana Testpatient' },
        status: 'needs-action',
      },
      { actor: { reference: 'Practitioner/ehr-dr1', display: 'Dr. Test' }, status: 'accepted' },
      { actor: { reference: 'Location/ehr-loc1', display: 'Lakeside Clinic' }, status: 'accepted' },
    ],
    ...overrides,
  };
}

let medplum: MockClient;

beforeEach(() => {
  indexFhirDefinitions();
  medplum = new MockClient();
});

async function mirrorsOf(type: 'Patient' | 'Appointment', identifier: string): Promise<unknown[]> {
  return medplum.searchResources(type, { identifier }, { cache: 'no-cache' });
}

describe('mirror identifiers', () => {
  it('reads relative, absolute and versioned references into the same EHR, and nothing else', () => {
    expect(parseEhrReference('Patient/123', EHR_BASE)).toEqual({ type: 'Patient', id: '123' });
    expect(parseEhrReference(`${EHR_BASE}/Patient/123`, EHR_BASE)).toEqual({ type: 'Patient', id: '123' });
    expect(parseEhrReference('Patient/123/_history/4', EHR_BASE)).toEqual({ type: 'Patient', id: '123' });
    expect(parseEhrReference('https://other.example.test/fhir/Patient/123', EHR_BASE)).toBeUndefined();
    expect(parseEhrReference('#contained', EHR_BASE)).toBeUndefined();
  });

  it('escapes search separators inside identifier values', () => {
    expect(identifierSearch([{ system: 'urn:x', value: 'a,b|c' }])).toBe('urn:x|a\\,b\\|c');
  });
});

describe('upsertPatientMirror', () => {
  it('creates the mirror once and writes nothing when the same record comes again', async () => {
    const first = await upsertPatientMirror(medplum, ehrPatient(), EHR);
    expect(first.outcome).toBe('created');
    expect(first.resource.identifier).toEqual(
      expect.arrayContaining([
        { system: EHR_ID_SYSTEM, value: `${EHR_BASE}/Patient/ehr-p1` },
        expect.objectContaining({ system: MRN_SYSTEM, value: 'MRN1001' }),
      ]),
    );
    expect(first.resource.meta?.accounts).toEqual([{ reference: 'Organization/lakeside' }]);
    expect(first.resource.meta?.tag).toEqual([MIRROR_TAG]);
    expect(first.resource.maritalStatus).toBeUndefined();
    expect(first.resource.id).not.toBe('ehr-p1');

    const second = await upsertPatientMirror(medplum, ehrPatient(), EHR);
    expect(second.outcome).toBe('unchanged');
    expect(second.resource.id).toBe(first.resource.id);
    expect(second.resource.meta?.versionId).toBe(first.resource.meta?.versionId);
    const history = await medplum.readHistory('Patient', first.resource.id);
    expect(history.entry).toHaveLength(1);
  });

  it('updates what the EHR changed, drops what it removed, keeps what only Careloop knows', async () => {
    const first = await upsertPatientMirror(medplum, ehrPatient(), EHR);
    const updated = await upsertPatientMirror(
      medplum,
      ehrPatient({
        telecom: [{ system: 'phone', use: 'mobile', value: '312-555-0143' }],
        address: undefined,
        communication: undefined,
        extension: undefined,
      }),
      EHR,
    );
    expect(updated.outcome).toBe('updated');
    expect(updated.resource.id).toBe(first.resource.id);
    expect(updated.resource.telecom).toEqual([{ system: 'phone', use: 'mobile', value: '312-555-0143' }]);
    expect(updated.resource.address).toBeUndefined();
    // The EHR is silent on language and zone: the mirror keeps them (a patient may have told us).
    expect(updated.resource.communication?.[0]?.language.coding?.[0]?.code).toBe('es');
    expect(updated.resource.extension).toEqual([{ url: EXT.timeZone, valueCode: 'America/Chicago' }]);
  });

  it('finds a mirror by any identifier, so the HL7 feed and the FHIR feed share one mirror', async () => {
    const fromFhir = await upsertPatientMirror(medplum, ehrPatient(), EHR);
    const fromHl7 = await upsertPatientMirror(
      medplum,
      {
        resourceType: 'Patient',
        identifier: [{ system: MRN_SYSTEM, value: 'MRN1001' }],
        name: [{ given: ['Ana'], family: 'Testpatient' }],
        telecom: [{ system: 'phone', use: 'work', value: '+13125550150' }],
      },
      { feed: 'hl7v2', organization: 'Organization/lakeside' },
    );
    expect(fromHl7.resource.id).toBe(fromFhir.resource.id);
    // An HL7 message speaks only for what it carries: the mobile and the address stay.
    expect(fromHl7.resource.telecom).toEqual([
      { system: 'phone', use: 'mobile', value: '312-555-0142' },
      { system: 'phone', use: 'work', value: '+13125550150' },
    ]);
    expect(fromHl7.resource.address).toHaveLength(1);
    expect(fromHl7.resource.birthDate).toBe('1975-02-03');
    expect(await mirrorsOf('Patient', `${MRN_SYSTEM}|MRN1001`)).toHaveLength(1);
  });

  it('updates the mirror holding the primary identifier when several match, and says so', async () => {
    const stray = await medplum.createResource<Patient>({
      resourceType: 'Patient',
      identifier: [{ system: MRN_SYSTEM, value: 'MRN1001' }],
    });
    const keyed = await medplum.createResource<Patient>({
      resourceType: 'Patient',
      identifier: [{ system: EHR_ID_SYSTEM, value: `${EHR_BASE}/Patient/ehr-p1` }],
    });
    const result = await upsertPatientMirror(medplum, ehrPatient(), EHR);
    expect(result.resource.id).toBe(keyed.id);
    expect(result.warnings[0]).toContain(stray.id);
  });

  it('refuses a record with nothing to match it by', async () => {
    await expect(
      upsertPatientMirror(medplum, { resourceType: 'Patient', name: [{ family: 'Testpatient' }] }, EHR),
    ).rejects.toThrow(MirrorInputError);
  });
});

describe('upsertAppointmentMirror', () => {
  async function mirrorPatient(): Promise<string> {
    return (await upsertPatientMirror(medplum, ehrPatient(), EHR)).reference;
  }

  it('points the patient at the mirror and turns other participants into logical references', async () => {
    const patientRef = await mirrorPatient();
    const result = await upsertAppointmentMirror(medplum, ehrAppointment(), EHR, patientRef);
    const a = result.resource;
    expect(result.outcome).toBe('created');
    expect(a.status).toBe('booked');
    expect(a.start).toBe('2026-12-01T15:30:00Z');
    expect(a.minutesDuration).toBe(30);
    expect(a.description).toBeUndefined();
    expect(a.participant[0]).toEqual({
      extension: [{ url: EHR_PARTICIPANT_STATUS_EXT, valueCode: 'needs-action' }],
      actor: {
        reference: patientRef,
        identifier: { system: EHR_ID_SYSTEM, value: `${EHR_BASE}/Patient/ehr-p1` },
      },
      status: 'needs-action',
    });
    expect(a.participant[1]?.actor).toEqual({
      type: 'Practitioner',
      identifier: { system: EHR_ID_SYSTEM, value: `${EHR_BASE}/Practitioner/ehr-dr1` },
      display: 'Dr. Test',
    });
    expect(a.participant.some((p) => p.actor?.reference?.startsWith('Location/'))).toBe(false);
    expect(a.identifier).toContainEqual({ system: EHR_ID_SYSTEM, value: `${EHR_BASE}/Appointment/ehr-a1` });

    const again = await upsertAppointmentMirror(medplum, ehrAppointment(), EHR, patientRef);
    expect(again.outcome).toBe('unchanged');
    expect(again.resource.id).toBe(a.id);
  });

  it("keeps the patient's confirmation until the EHR changes the status or moves the visit", async () => {
    const patientRef = await mirrorPatient();
    const created = await upsertAppointmentMirror(medplum, ehrAppointment(), EHR, patientRef);
    // A reply bot records the patient's "C" on the mirror, as the engine's transition does.
    await medplum.updateResource({
      ...created.resource,
      participant: created.resource.participant.map((p) =>
        p.actor?.reference === patientRef ? { ...p, status: 'accepted' as const } : p,
      ),
    });

    const synced = await upsertAppointmentMirror(
      medplum,
      ehrAppointment({ serviceType: [{ text: 'Annual visit' }] }),
      EHR,
      patientRef,
    );
    expect(synced.outcome).toBe('updated');
    expect(synced.resource.participant[0]?.status).toBe('accepted');

    const moved = await upsertAppointmentMirror(
      medplum,
      ehrAppointment({ start: '2026-12-02T15:30:00Z', end: '2026-12-02T16:00:00Z' }),
      EHR,
      patientRef,
    );
    expect(moved.resource.participant[0]?.status).toBe('needs-action');
  });

  it('takes a status the EHR itself changed over the local one', async () => {
    const patientRef = await mirrorPatient();
    const created = await upsertAppointmentMirror(medplum, ehrAppointment(), EHR, patientRef);
    await medplum.updateResource({
      ...created.resource,
      participant: created.resource.participant.map((p, i) =>
        i === 0 ? { ...p, status: 'accepted' as const } : p,
      ),
    });
    const declinedInEhr = ehrAppointment();
    declinedInEhr.participant[0] = { ...declinedInEhr.participant[0], status: 'declined' };
    const result = await upsertAppointmentMirror(medplum, declinedInEhr, EHR, patientRef);
    expect(result.resource.participant[0]?.status).toBe('declined');
  });

  it('does not let an HL7 message, which carries no patient answer, undo a confirmation', async () => {
    const patientRef = await mirrorPatient();
    const confirmedInEhr = ehrAppointment();
    confirmedInEhr.participant[0] = { ...confirmedInEhr.participant[0], status: 'accepted' };
    const fromFhir = await upsertAppointmentMirror(medplum, confirmedInEhr, EHR, patientRef);
    const fromHl7 = await upsertAppointmentMirror(
      medplum,
      {
        resourceType: 'Appointment',
        identifier: [{ system: 'urn:oid:2.16.840.1.113883.3.9999.2', value: 'CSN5001' }],
        status: 'booked',
        start: '2026-12-01T15:30:00Z',
        participant: [{ actor: { type: 'Patient' }, status: 'needs-action' }],
      },
      { feed: 'hl7v2' },
      patientRef,
    );
    expect(fromHl7.resource.id).toBe(fromFhir.resource.id);
    expect(fromHl7.resource.participant[0]?.status).toBe('accepted');
    expect(fromHl7.resource.participant).toHaveLength(3);
    expect(fromHl7.outcome).toBe('unchanged');
  });

  it('creates an HL7-only appointment from a start alone', async () => {
    const patientRef = await mirrorPatient();
    const result = await upsertAppointmentMirror(
      medplum,
      {
        resourceType: 'Appointment',
        identifier: [{ system: 'https://careloop.health/fhir/identifier/hl7/EPIC', value: 'FL9' }],
        status: 'booked',
        start: '2026-12-01T15:30:00Z',
        participant: [{ actor: { type: 'Patient' }, status: 'needs-action' }],
      },
      { feed: 'hl7v2' },
      patientRef,
    );
    expect(result.resource).toMatchObject({ start: '2026-12-01T15:30:00Z', status: 'booked' });
    expect(result.resource.participant).toEqual([
      { actor: { reference: patientRef }, status: 'needs-action' },
    ]);
  });

  it('refuses an appointment without a patient and a malformed mirror reference', async () => {
    const patientRef = await mirrorPatient();
    await expect(
      upsertAppointmentMirror(
        medplum,
        ehrAppointment({
          participant: [{ actor: { reference: 'Practitioner/ehr-dr1' }, status: 'accepted' }],
        }),
        EHR,
        patientRef,
      ),
    ).rejects.toThrow(/no patient participant/);
    await expect(upsertAppointmentMirror(medplum, ehrAppointment(), EHR, 'ehr-p1')).rejects.toThrow(
      MirrorInputError,
    );
  });
});
