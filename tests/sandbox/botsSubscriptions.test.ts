import type { Appointment, QuestionnaireResponse, Subscription } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { loadSubscriptionDefinitions, subscriptionName } from '../../src/sandbox/bots/definitions';
import { subscriptionFires } from '../../src/sandbox/bots/subscriptions';
import { indexFhirDefinitions } from '../fixtures/fhirDefinitions';

indexFhirDefinitions();

function deployed(name: string): Subscription {
  const s = loadSubscriptionDefinitions().find((d) => subscriptionName(d) === name);
  if (!s) throw new Error(`no subscription ${name}`);
  return { ...s, id: name, channel: { ...s.channel, endpoint: 'Bot/b1' } };
}

const booked: Appointment = {
  resourceType: 'Appointment',
  id: 'a1',
  status: 'booked',
  start: '2026-12-04T15:00:00Z',
  participant: [{ actor: { reference: 'Patient/p1' }, status: 'needs-action' }],
};

describe('subscriptions fire with Medplum semantics', () => {
  it('appointment-created fires on create only', async () => {
    const created = deployed('careloop-appointment-created');
    expect(await subscriptionFires(created, { interaction: 'create', resource: booked })).toBe(true);
    expect(
      await subscriptionFires(created, {
        interaction: 'update',
        resource: { ...booked, status: 'cancelled' },
        previous: booked,
      }),
    ).toBe(false);
  });

  it('appointment-changed fires when status or start changes, not when only a participant answers (%previous/%current)', async () => {
    const changed = deployed('careloop-appointment-changed');
    const cancel = {
      interaction: 'update' as const,
      resource: { ...booked, status: 'cancelled' as const },
      previous: booked,
    };
    const moved = {
      interaction: 'update' as const,
      resource: { ...booked, start: '2026-12-05T15:00:00Z' },
      previous: booked,
    };
    const accepted = {
      interaction: 'update' as const,
      resource: {
        ...booked,
        participant: [{ actor: { reference: 'Patient/p1' }, status: 'accepted' as const }],
      },
      previous: booked,
    };
    expect(await subscriptionFires(changed, cancel)).toBe(true);
    expect(await subscriptionFires(changed, moved)).toBe(true);
    expect(await subscriptionFires(changed, accepted)).toBe(false);
    expect(await subscriptionFires(changed, { interaction: 'create', resource: booked })).toBe(false);
  });

  it('criteria are a search: only completed QuestionnaireResponses fire, and only on the completing update', async () => {
    const completed = deployed('careloop-survey-response-completed');
    const draft: QuestionnaireResponse = {
      resourceType: 'QuestionnaireResponse',
      id: 'q1',
      status: 'in-progress',
    };
    const done: QuestionnaireResponse = { ...draft, status: 'completed' };
    expect(
      await subscriptionFires(completed, { interaction: 'update', resource: done, previous: draft }),
    ).toBe(true);
    expect(
      await subscriptionFires(completed, { interaction: 'update', resource: draft, previous: draft }),
    ).toBe(false);
    expect(
      await subscriptionFires(completed, { interaction: 'update', resource: done, previous: done }),
    ).toBe(false);
  });

  it('without the interaction extension a delete fires too; an inactive subscription never fires', async () => {
    const any: Subscription = {
      resourceType: 'Subscription',
      id: 's',
      status: 'active',
      reason: 'test',
      criteria: 'Appointment',
      channel: { type: 'rest-hook', endpoint: 'Bot/b1' },
    };
    expect(await subscriptionFires(any, { interaction: 'delete', resource: booked })).toBe(true);
    expect(
      await subscriptionFires(deployed('careloop-appointment-created'), {
        interaction: 'delete',
        resource: booked,
      }),
    ).toBe(false);
    expect(
      await subscriptionFires({ ...any, status: 'off' }, { interaction: 'create', resource: booked }),
    ).toBe(false);
    expect(
      await subscriptionFires(any, { interaction: 'create', resource: { resourceType: 'Patient', id: 'p' } }),
    ).toBe(false);
  });
});
