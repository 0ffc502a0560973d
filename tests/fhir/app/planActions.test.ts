import type { CarePlan } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { EXT, sendTimeCheck } from '../../../src/engine';
import { setPlanPaused, stopPlan } from '../../../src/fhir/app/planActions';
import { loadEngagement } from '../../../src/fhir/app/engagement';
import { planTimeline } from '../../../src/fhir/app/timeline';
import { practiceWithRemindedPatient } from '../../fixtures/medplum';

const NOW = new Date('2026-11-28T16:00:00Z');

async function reminded() {
  const fixture = await practiceWithRemindedPatient();
  const [plan] = await fixture.medplum.searchResources('CarePlan', {
    subject: `Patient/${fixture.patientId}`,
  });
  return { ...fixture, plan: plan as CarePlan };
}

describe('plan actions', () => {
  it('pause holds the pending messages at send time, resume releases them, each with its reason', async () => {
    const { medplum, plan, practice, patientId } = await reminded();
    const paused = await setPlanPaused(medplum, plan, true, {
      reason: 'patient in hospital',
      now: NOW,
      by: { reference: 'Practitioner/dr-test' },
    });
    expect(paused.status).toBe('on-hold');
    expect(paused.note?.at(-1)?.text).toBe('Paused: patient in hospital');
    const engagement = await loadEngagement(medplum, patientId);
    const pending = engagement.requests.find((r) => r.status === 'active');
    if (!pending) throw new Error('the fixture has no pending reminder');
    const patient = await medplum.readResource('Patient', patientId);
    expect(
      sendTimeCheck({
        request: pending,
        carePlan: paused,
        patient,
        consents: [],
        sent: [],
        practice,
        now: NOW.toISOString(),
      }),
    ).toMatchObject({ action: 'hold' });
    await expect(setPlanPaused(medplum, paused, true, { reason: 'again', now: NOW })).rejects.toThrow(
      'Only an active plan can be paused (this one is on-hold)',
    );
    const resumed = await setPlanPaused(medplum, paused, false, { reason: 'back home', now: NOW });
    expect(resumed.status).toBe('active');
    await expect(setPlanPaused(medplum, resumed, true, { reason: '  ', now: NOW })).rejects.toThrow(
      'Say why',
    );
  });

  it('refuses a pause over a version a bot has changed meanwhile', async () => {
    const { medplum, plan } = await reminded();
    await medplum.updateResource({ ...plan, description: 'touched by a bot' });
    await expect(setPlanPaused(medplum, plan, true, { reason: 'x', now: NOW })).rejects.toThrow();
  });

  it('stop revokes pending messages and records stopped-by-staff, which the timeline shows', async () => {
    const { medplum, plan, practice, workflows, patientId } = await reminded();
    const definition = workflows[0];
    if (!definition) throw new Error('the fixture has no workflow');
    await stopPlan(medplum, plan, { definition, practice, reason: 'patient moved away', now: NOW });
    const stopped = await medplum.readResource('CarePlan', plan.id ?? '');
    expect(stopped.extension?.find((e) => e.url === EXT.outcome)?.valueCoding?.code).toBe('stopped-by-staff');
    const engagement = await loadEngagement(medplum, patientId);
    expect(engagement.requests.filter((r) => r.status === 'active')).toEqual([]);
    const items = planTimeline(stopped, engagement);
    expect(items.at(-1)).toMatchObject({ kind: 'outcome', title: 'Stopped by staff' });
    expect(items.filter((i) => i.kind === 'skipped').map((i) => i.reasons[0])).toContain(
      'stopped by staff: patient moved away',
    );
  });
});
