import type { Task } from '@medplum/fhirtypes';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_FILTER,
  QUEUE_COUNTS,
  WorklistFilterError,
  countPhrase,
  filterForCount,
  queueCountParams,
  taskKind,
  worklistFilterParams,
  worklistSearchParams,
  type QueueCount,
  type WorklistFilter,
  type WorklistViewer,
} from '../../../src/fhir/worklist';
import { CS } from '../../../src/engine/codes';
import { emptyMedplum, store, task } from './fixtures';
import type { MockClient } from '@medplum/mock';

const NOW = new Date('2026-11-20T15:00:00.000Z');
const VIEWER: WorklistViewer = { me: 'Practitioner/coord-1', queues: ['access'], now: NOW };

function countById(id: string): QueueCount {
  const found = QUEUE_COUNTS.find((c) => c.id === id);
  if (!found) throw new Error(`no count ${id}`);
  return found;
}

function filter(overrides: Partial<WorklistFilter> = {}): WorklistFilter {
  return { ...DEFAULT_FILTER, ...overrides };
}

describe('worklistSearchParams', () => {
  it('asks for open work, soonest due first, one page with the patients', () => {
    const p = worklistSearchParams(filter(), VIEWER);
    expect(p.get('status')).toBe('requested,received,accepted,ready,in-progress,on-hold');
    expect(p.get('_sort')).toBe('due-date');
    expect(p.get('_count')).toBe('25');
    expect(p.get('_offset')).toBeNull();
    expect(p.get('_include')).toBe('Task:subject');
  });

  it('pages with _offset', () => {
    expect(worklistSearchParams(filter({ page: 2, pageSize: 50 }), VIEWER).get('_offset')).toBe('100');
  });

  it('turns each filter into its search parameter', () => {
    const p = new URLSearchParams(
      worklistFilterParams(
        filter({
          workflow: 'no-show-recovery',
          kinds: ['call-patient', 'reschedule'],
          businessStatus: 'attempting-contact',
          priorities: ['urgent', 'asap'],
          owner: 'mine',
          due: 'overdue',
        }),
        VIEWER,
      ),
    );
    expect(p.get('_tag')).toBe(`${CS.purpose}|no-show-recovery`);
    expect(p.get('code')).toBe(`${CS.taskKind}|call-patient,${CS.taskKind}|reschedule`);
    expect(p.get('business-status')).toBe(`${CS.businessStatus}|attempting-contact`);
    expect(p.get('priority')).toBe('urgent,asap');
    expect(p.get('owner')).toBe('Practitioner/coord-1');
    expect(p.get('due-date')).toBe('eb2026-11-20T15:00:00.000Z');
  });

  it('reads "unassigned" as open work nobody has taken and "my queues" as the queue codes', () => {
    expect(
      new URLSearchParams(worklistFilterParams(filter({ owner: 'unassigned' }), VIEWER)).get('status'),
    ).toBe('requested,received,ready');
    expect(
      new URLSearchParams(worklistFilterParams(filter({ owner: 'my-queues' }), VIEWER)).get('performer'),
    ).toBe(`${CS.queue}|access`);
  });

  it('sorts by priority with the most pressing first, and by creation', () => {
    expect(worklistSearchParams(filter({ sort: 'priority' }), VIEWER).get('_sort')).toBe('-priority-order');
    expect(worklistSearchParams(filter({ sort: '-created' }), VIEWER).get('_sort')).toBe('-authored-on');
  });

  it('refuses "mine" when nobody is signed in', () => {
    expect(() => worklistFilterParams(filter({ owner: 'mine' }), { queues: [], now: NOW })).toThrow(
      WorklistFilterError,
    );
  });
});

describe('queue counts', () => {
  it('says counts the way coordinators do', () => {
    const byId = (id: string) => countById(id);
    expect(countPhrase(byId('ready-to-schedule'), 12)).toBe('12 patients ready for scheduling');
    expect(countPhrase(byId('no-show-calls'), 6)).toBe('6 no-shows need a call');
    expect(countPhrase(byId('survey'), 2)).toBe('2 low survey scores');
    expect(countPhrase(byId('survey'), 1)).toBe('1 low survey score');
  });

  it('counts with _summary=count and opens the matching filter', () => {
    const noShow = countById('no-show-calls');
    const p = queueCountParams(noShow);
    expect(p.get('_summary')).toBe('count');
    expect(p.get('_tag')).toBe(`${CS.purpose}|no-show-recovery`);
    expect(filterForCount(noShow, filter({ page: 3, owner: 'mine' }))).toMatchObject({
      workflow: 'no-show-recovery',
      kinds: ['call-patient'],
      page: 0,
      owner: 'mine',
    });
  });
});

describe('on Medplum in-memory FHIR', () => {
  let medplum: MockClient;
  beforeEach(async () => {
    medplum = emptyMedplum();
    await store(medplum, [
      {
        ...task({
          kind: 'call-patient',
          workflow: 'no-show-recovery',
          due: '2026-11-19T15:00:00Z',
          patient: 'a',
        }),
        id: 't1',
      },
      {
        ...task({
          kind: 'call-patient',
          workflow: 'no-show-recovery',
          due: '2026-11-22T15:00:00Z',
          patient: 'b',
        }),
        id: 't2',
      },
      {
        ...task({
          kind: 'call-patient',
          workflow: 'no-show-recovery',
          due: '2026-11-18T15:00:00Z',
          patient: 'c',
          status: 'completed',
        }),
        id: 't3',
      },
      {
        ...task({
          kind: 'ready-to-schedule',
          workflow: 'preventive-recall',
          queue: 'access',
          due: '2026-11-21T15:00:00Z',
          patient: 'd',
          priority: 'urgent',
        }),
        id: 't4',
      },
      {
        ...task({
          kind: 'survey-escalation',
          workflow: 'feedback',
          due: '2026-11-20T10:00:00Z',
          patient: 'e',
          owner: 'Practitioner/coord-1',
          status: 'accepted',
        }),
        id: 't5',
      },
    ] as Task[]);
  });

  const ids = async (f: WorklistFilter): Promise<string[]> =>
    (await medplum.searchResources('Task', worklistSearchParams(f, VIEWER))).map((t) => t.id ?? '');

  it('lists open work overdue first and pages it', async () => {
    expect(await ids(filter())).toEqual(['t1', 't5', 't4', 't2']);
    expect(await ids(filter({ pageSize: 2, page: 1 }))).toEqual(['t4', 't2']);
    const bundle = await medplum.search('Task', worklistSearchParams(filter({ pageSize: 2 }), VIEWER));
    expect(bundle.total).toBe(4);
  });

  it('filters by workflow, kind, owner, priority and due', async () => {
    expect(await ids(filter({ workflow: 'no-show-recovery' }))).toEqual(['t1', 't2']);
    expect(await ids(filter({ kinds: ['survey-escalation'] }))).toEqual(['t5']);
    expect(await ids(filter({ owner: 'mine' }))).toEqual(['t5']);
    expect(await ids(filter({ owner: 'unassigned' }))).toEqual(['t1', 't4', 't2']);
    expect(await ids(filter({ owner: 'my-queues' }))).toEqual(['t4']);
    expect(await ids(filter({ priorities: ['urgent'] }))).toEqual(['t4']);
    expect(await ids(filter({ due: 'overdue' }))).toEqual(['t1', 't5']);
    expect(await ids(filter({ status: 'completed' }))).toEqual(['t3']);
  });

  it('sorts by priority, most pressing first', async () => {
    expect((await ids(filter({ sort: 'priority' })))[0]).toBe('t4');
  });

  it('counts a queue without loading it', async () => {
    const noShow = countById('no-show-calls');
    const bundle = await medplum.search('Task', queueCountParams(noShow));
    expect(bundle.total).toBe(2);
    expect(bundle.entry ?? []).toHaveLength(0);
    const tasks = await medplum.searchResources(
      'Task',
      worklistSearchParams(filter({ workflow: 'no-show-recovery' }), VIEWER),
    );
    expect(tasks.map(taskKind)).toEqual(['call-patient', 'call-patient']);
  });
});
