import type { CarePlan, Communication, CommunicationRequest, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { CS, EXT } from '../../../src/engine';
import { orderPlans, planTimeline } from '../../../src/fhir/app/timeline';

const plan: CarePlan = {
  resourceType: 'CarePlan',
  id: 'p1',
  status: 'completed',
  intent: 'plan',
  subject: { reference: 'Patient/a' },
  period: { start: '2026-11-20T21:00:00Z', end: '2026-11-28T16:10:00Z' },
  extension: [{ url: EXT.outcome, valueCoding: { system: CS.outcome, code: 'confirmed' } }],
};
const sms = [{ coding: [{ system: CS.channel, code: 'sms' }] }];
const sent: CommunicationRequest = {
  resourceType: 'CommunicationRequest',
  id: 'r1',
  status: 'completed',
  basedOn: [{ reference: 'CarePlan/p1' }],
  medium: sms,
  occurrenceDateTime: '2026-11-28T09:31:00-06:00',
  extension: [
    { url: EXT.stepId, valueString: 'reminder-3d' },
    { url: EXT.scheduleReason, valueString: 'moved from 07:30 to 08:00: quiet hours' },
  ],
  payload: [{ contentString: 'Reply C to confirm' }],
};
const revoked: CommunicationRequest = {
  resourceType: 'CommunicationRequest',
  id: 'r2',
  status: 'revoked',
  basedOn: [{ reference: 'CarePlan/p1' }],
  medium: sms,
  occurrenceDateTime: '2026-11-30T09:30:00-06:00',
  statusReason: { text: 'at send time: appointment confirmed' },
  extension: [{ url: EXT.stepId, valueString: 'reminder-1d' }],
};
const outbound: Communication = {
  resourceType: 'Communication',
  id: 'c1',
  status: 'completed',
  basedOn: [{ reference: 'CommunicationRequest/r1' }, { reference: 'CarePlan/p1' }],
  sent: '2026-11-28T15:31:00Z',
  meta: { lastUpdated: '2026-11-28T15:31:20Z' },
  extension: [{ url: EXT.deliveryStatus, valueCode: 'delivered' }],
};
const reply: Communication = {
  resourceType: 'Communication',
  id: 'c2',
  status: 'completed',
  basedOn: [{ reference: 'CarePlan/p1' }],
  sender: { reference: 'Patient/a' },
  medium: sms,
  received: '2026-11-28T16:05:00Z',
  extension: [{ url: EXT.replyIntent, valueCode: 'confirm' }],
  payload: [{ contentString: 'C' }],
};
const task: Task = {
  resourceType: 'Task',
  id: 't1',
  status: 'requested',
  intent: 'order',
  basedOn: [{ reference: 'CarePlan/p1' }],
  code: { coding: [{ system: CS.taskKind, code: 'call-patient' }] },
  authoredOn: '2026-11-28T16:06:00Z',
};

describe('planTimeline', () => {
  it('tells the whole story of a plan in time order, with reasons, intents and the outcome last', () => {
    const items = planTimeline(
      plan,
      { requests: [revoked, sent], communications: [reply, outbound], tasks: [task] },
      (id) => ({ 'reminder-3d': 'Reminder 3 days before', 'reminder-1d': 'Reminder 1 day before' })[id],
    );
    expect(items.map((i) => `${i.kind}: ${i.title}`)).toEqual([
      'sent: Reminder 3 days before',
      'delivered: Reminder 3 days before',
      'replied: Patient replied: confirm',
      'task: Task: Call the patient (requested)',
      'skipped: Reminder 1 day before',
      'outcome: Appointment confirmed',
    ]);
    expect(items[0]?.reasons).toEqual(['moved from 07:30 to 08:00: quiet hours']);
    expect(items[4]?.reasons).toEqual(['at send time: appointment confirmed']);
  });

  it('lists active and paused plans before finished ones', () => {
    const a = {
      ...plan,
      id: 'a',
      status: 'completed' as const,
      meta: { lastUpdated: '2026-11-29T00:00:00Z' },
    };
    const b = { ...plan, id: 'b', status: 'on-hold' as const };
    const c = { ...plan, id: 'c', status: 'active' as const };
    expect(orderPlans([a, b, c]).map((p) => p.id)).toEqual(['c', 'b', 'a']);
  });
});
