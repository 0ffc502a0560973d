import type { Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { CS } from '../../../src/engine/codes';
import { ownerLabel } from '../../../src/fhir/worklist';

function task(owner: Task['owner'], queue = 'front-office'): Task {
  return {
    resourceType: 'Task',
    status: 'requested',
    intent: 'order',
    performerType: [{ coding: [{ system: CS.queue, code: queue }] }],
    ...(owner ? { owner } : {}),
  };
}

describe('ownerLabel', () => {
  it('names a queue the bots assigned by the queue, not its reference', () => {
    expect(ownerLabel(task({ reference: 'CareTeam/lakeside-queue-front-office' }), undefined)).toBe(
      'Front office queue',
    );
    expect(ownerLabel(task({ reference: 'Organization/access-desk' }, 'access'), undefined)).toBe(
      'Patient access queue',
    );
  });

  it('says Me, Unassigned, or the display a person was given', () => {
    expect(ownerLabel(task({ reference: 'Practitioner/dana' }), 'Practitioner/dana')).toBe('Me');
    expect(ownerLabel(task(undefined), 'Practitioner/dana')).toBe('Unassigned');
    expect(ownerLabel(task({ reference: 'Practitioner/luis', display: 'Luis Ortega' }), undefined)).toBe(
      'Luis Ortega',
    );
    expect(ownerLabel(task({ reference: 'Practitioner/luis' }), undefined)).toBe('Practitioner/luis');
  });
});
