import type { Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  CALL_OUTCOME_SYSTEM,
  TaskActionError,
  TaskConflictError,
  addNote,
  assignTask,
  businessStatusOf,
  cancelTask,
  claimTask,
  completeTask,
  dueOf,
  isOverdue,
  logCallOutcome,
  saveTask,
  saveTasks,
  setBusinessStatus,
  snoozeTask,
  taskQueue,
} from '../../../src/fhir/worklist';
import { emptyMedplum, task } from './fixtures';

const NOW = '2026-11-20T15:00:00.000Z';
const ME = { reference: 'Practitioner/coord-1', display: 'Casey Coordinator' };
const base = (): Task => ({ ...task({ kind: 'call-patient', due: '2026-11-19T15:00:00Z' }), id: 't1' });

describe('task actions', () => {
  it('claim makes the task mine and accepted', () => {
    const t = claimTask(base(), ME, NOW);
    expect(t.owner?.reference).toBe('Practitioner/coord-1');
    expect(t.status).toBe('accepted');
  });

  it('assigns to a person or hands back to a queue', () => {
    const mine = claimTask(base(), ME, NOW);
    const toQueue = assignTask(mine, { queue: 'access', owner: 'CareTeam/access' }, NOW);
    expect(toQueue.status).toBe('requested');
    expect(toQueue.owner?.reference).toBe('CareTeam/access');
    expect(taskQueue(toQueue)).toBe('access');
    const toPerson = assignTask(base(), { person: { reference: 'Practitioner/other' } }, NOW);
    expect(toPerson.owner?.reference).toBe('Practitioner/other');
    const unowned = assignTask(mine, { queue: 'billing' }, NOW);
    expect(unowned.owner).toBeUndefined();
  });

  it('logs a call: coded output, funnel stage, note, in progress', () => {
    const t = logCallOutcome(base(), ME, 'voicemail', 'asked to call back', NOW);
    expect(t.status).toBe('in-progress');
    expect(businessStatusOf(t)).toBe('attempting-contact');
    expect(t.output?.[0]?.type.coding?.[0]).toMatchObject({ system: CALL_OUTCOME_SYSTEM, code: 'voicemail' });
    expect(t.note?.at(-1)).toMatchObject({ text: 'Call: Left a voicemail — asked to call back', time: NOW });
    expect(t.note?.at(-1)?.authorReference?.reference).toBe('Practitioner/coord-1');
  });

  it('snoozes, sets status, notes, completes and cancels with a reason', () => {
    const snoozed = snoozeTask(base(), ME, 2, NOW);
    expect(dueOf(snoozed)).toBe('2026-11-22T15:00:00.000Z');
    expect(isOverdue(snoozed, new Date(NOW))).toBe(false);
    expect(isOverdue(base(), new Date(NOW))).toBe(true);
    expect(businessStatusOf(setBusinessStatus(base(), 'contacted', NOW))).toBe('contacted');
    expect(addNote(base(), ME, 'patient prefers mornings', NOW).note?.[0]?.text).toBe(
      'patient prefers mornings',
    );
    const done = completeTask(base(), ME, '', NOW);
    expect(done.status).toBe('completed');
    expect(done.note).toBeUndefined();
    const cancelled = cancelTask(base(), ME, 'duplicate', NOW);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.statusReason?.text).toBe('duplicate');
  });

  it('refuses what makes no sense, with a clear message', () => {
    expect(() => cancelTask(base(), ME, '  ', NOW)).toThrow('Say why');
    expect(() => addNote(base(), ME, '', NOW)).toThrow(TaskActionError);
    expect(() => completeTask(cancelTask(base(), ME, 'x', NOW), ME, '', NOW)).toThrow('already cancelled');
    expect(() => setBusinessStatus(base(), 'nope', NOW)).toThrow('Unknown business status');
    expect(() => snoozeTask(base(), ME, 0, NOW)).toThrow('at least one day');
  });
});

describe('saveTask', () => {
  it('saves with If-Match and reports a conflict with the other version', async () => {
    const medplum = emptyMedplum();
    const created = await medplum.createResource(base());
    // Another coordinator claims it first.
    await saveTask(medplum, claimTask(created, { reference: 'Practitioner/other' }, NOW));
    const mine = cancelTask(created, ME, 'patient moved away', NOW);
    const err = await saveTask(medplum, mine).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskConflictError);
    const conflict = err as TaskConflictError;
    expect(conflict.current.owner?.reference).toBe('Practitioner/other');
    expect(conflict.attempted.statusReason?.text).toBe('patient moved away');
    const stored = await medplum.readResource('Task', created.id ?? '');
    expect(stored.status).toBe('accepted');
  });

  it('bulk saves each task and reports conflicts per task', async () => {
    const medplum = emptyMedplum();
    const a = await medplum.createResource(base());
    const b = await medplum.createResource({ ...base(), id: undefined });
    await saveTask(medplum, setBusinessStatus(b, 'contacted', NOW));
    const results = await saveTasks(medplum, [a, b], (t) => claimTask(t, ME, NOW));
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(results[1]?.ok === false && results[1].error).toBeInstanceOf(TaskConflictError);
    expect((await medplum.readResource('Task', a.id ?? '')).owner?.reference).toBe('Practitioner/coord-1');
  });

  it('refuses a task it cannot version-check', async () => {
    await expect(saveTask(emptyMedplum(), base())).rejects.toThrow('id and version');
  });
});
