import type { CarePlan, CommunicationRequest, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { conversationFacts } from '../../../src/fhir/worklist';
import { task } from './fixtures';

function request(
  id: string,
  status: CommunicationRequest['status'],
  at?: string,
  reason?: string,
): CommunicationRequest {
  return {
    resourceType: 'CommunicationRequest',
    id,
    status,
    ...(at ? { occurrenceDateTime: at } : {}),
    ...(reason ? { statusReason: { text: reason } } : {}),
  };
}

describe('conversationFacts', () => {
  it('orders what comes next, what was skipped, and the open tasks', () => {
    const plans: CarePlan[] = [
      {
        resourceType: 'CarePlan',
        id: 'a',
        status: 'active',
        intent: 'plan',
        subject: { reference: 'Patient/p' },
      },
      {
        resourceType: 'CarePlan',
        id: 'b',
        status: 'completed',
        intent: 'plan',
        subject: { reference: 'Patient/p' },
      },
    ];
    const tasks: Task[] = [
      { ...task({ kind: 'reschedule', due: '2026-12-02T15:00:00Z' }), id: 'later' },
      { ...task({ kind: 'call-patient', due: '2026-12-01T15:00:00Z' }), id: 'sooner' },
      { ...task({ kind: 'call-patient', due: '2026-11-30T15:00:00Z', status: 'completed' }), id: 'done' },
    ];
    const facts = conversationFacts({
      carePlans: plans,
      requests: [
        request('r2', 'active', '2026-12-01T14:00:00Z'),
        request('r1', 'active', '2026-11-30T14:00:00Z'),
        request('s1', 'revoked', '2026-11-29T14:00:00Z', 'quiet hours: too late to send'),
        request('s2', 'revoked', '2026-11-30T09:00:00Z', 'patient confirmed'),
        request('c1', 'completed', '2026-11-28T14:00:00Z'),
      ],
      tasks,
    });
    expect(facts.upcoming.map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(facts.skipped.map((r) => r.statusReason?.text)).toEqual([
      'patient confirmed',
      'quiet hours: too late to send',
    ]);
    expect(facts.activePlans.map((p) => p.id)).toEqual(['a']);
    expect(facts.openTasks.map((t) => t.id)).toEqual(['sooner', 'later']);
  });
});
