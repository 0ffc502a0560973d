import { validateResource } from '@medplum/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ID_SYSTEM, loadWorkflow, planEnrollment } from '../../src/engine';
import { enrollmentTransaction } from '../../src/fhir/enrollmentBundle';
import { appointment, patient, PRACTICE, reminderWorkflow } from '../fixtures/fhir';
import { indexFhirDefinitions } from '../fixtures/fhirDefinitions';

beforeAll(() => indexFhirDefinitions());

function planned(start: string, now: string) {
  const { plan, activities } = reminderWorkflow();
  const result = planEnrollment({
    definition: loadWorkflow(plan, activities),
    patient: patient({ telecom: [{ system: 'phone', use: 'mobile', value: '555' }] }),
    trigger: { kind: 'appointment-booked', appointment: appointment(start) },
    practice: PRACTICE,
    history: [],
    consents: [],
    now,
  });
  if (!result.applicable) throw new Error('fixture should plan');
  return result;
}

describe('enrollmentTransaction', () => {
  it('is a valid transaction of conditional creates whose references resolve inside it', () => {
    // An unreachable patient, so the plan has revoked requests and a task as well.
    const bundle = enrollmentTransaction(planned('2026-12-01T09:30:00-06:00', '2026-11-20T15:00:00-06:00'));
    const issues = validateResource(bundle);
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
    // The validator cannot see a urn:uuid's target type; the server resolves them within the transaction.
    for (const warning of issues) {
      expect(warning.details?.text).toMatch(/^Invalid reference: got "urn:uuid:/);
    }
    const entries = bundle.entry ?? [];
    expect(entries.map((e) => e.resource?.resourceType)).toEqual([
      'CarePlan',
      'CommunicationRequest',
      'CommunicationRequest',
      'CommunicationRequest',
      'Task',
    ]);
    const fullUrls = new Set(entries.map((e) => e.fullUrl));
    const carePlan = entries[0]?.resource;
    if (carePlan?.resourceType !== 'CarePlan') throw new Error('first entry must be the CarePlan');
    for (const a of carePlan.activity ?? []) {
      expect(fullUrls.has(a.reference?.reference)).toBe(true);
    }
    for (const e of entries.slice(1)) {
      const basedOn = (e.resource as { basedOn?: { reference?: string }[] }).basedOn?.[0]?.reference;
      expect(basedOn).toBe(entries[0]?.fullUrl);
      expect(e.request?.method).toBe('POST');
      expect(e.request?.ifNoneExist).toMatch(/^identifier=/);
    }
    expect(decodeURIComponent(entries[0]?.request?.ifNoneExist ?? '')).toContain(ID_SYSTEM.enrolment);
  });

  it('is identical when the same enrolment is planned again, so a retry matches what exists', () => {
    const a = enrollmentTransaction(planned('2026-12-01T09:30:00-06:00', '2026-11-20T15:00:00-06:00'));
    const b = enrollmentTransaction(planned('2026-12-01T09:30:00-06:00', '2026-11-20T15:00:00-06:00'));
    expect(b).toEqual(a);
  });
});
