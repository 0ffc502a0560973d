/**
 * Twilio's status callbacks racing dispatch's record of the message: dispatch sends a page, then records
 * it in one batch, so a fast "sent", "delivered" or "failed" callback can arrive first and find nothing.
 * The watchdog settles such messages from Twilio's current status; callbacks that come after the record
 * are applied as they arrive and need no lookup.
 */

import type { Communication, CommunicationRequest } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handleStatus } from '../../src/bots/deliveryStatus';
import { handleWatchdog, type StatusLookupFn } from '../../src/bots/watchdog';
import type { ProviderStatus } from '../../src/channels';
import { EXT, ID_SYSTEM, type PracticeSettings, type WorkflowDefinition } from '../../src/engine';
import { runDispatch } from '../../src/fhir/dispatchRun';
import { practiceWithRemindedPatient } from '../fixtures/medplum';

// The 1-day reminder is due Mon 30 Nov 09:30 Chicago; dispatch sends it at 09:31.
const SENT_AT = new Date('2026-11-30T15:31:00Z');
const at = (minutes: number) => new Date(SENT_AT.getTime() + minutes * 60_000);

let medplum: MockClient;
let practice: PracticeSettings;
let workflows: WorkflowDefinition[];
let patientId: string;

beforeEach(async () => {
  ({ medplum, practice, workflows, patientId } = await practiceWithRemindedPatient());
});

const callback = (params: Record<string, string>, now = SENT_AT) =>
  handleStatus(medplum, { MessageSid: 'SM1day', ...params }, { practice, workflows, now });

async function dispatchTheReminder(): Promise<void> {
  const summary = await runDispatch(medplum, {
    practice,
    workflows,
    send: async () => ({ ok: true, providerId: 'SM1day', status: 'queued' }),
    now: () => SENT_AT,
  });
  expect(summary.sent).toBe(1);
}

async function reminder(): Promise<Communication | undefined> {
  const [c] = await medplum.searchResources(
    'Communication',
    { identifier: `${ID_SYSTEM.providerMessage}|SM1day` },
    { cache: 'no-cache' },
  );
  return c;
}

const providerStatusOf = (c: Communication | undefined): string | undefined =>
  c?.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode;

/** A Twilio stand-in that answers `answers[sid]` and remembers what it was asked. */
function twilioLog(answers: Record<string, ProviderStatus>): { lookup: StatusLookupFn; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lookup: async ({ sid }) => {
      asked.push(sid);
      return answers[sid] ?? { known: true, callback: { MessageSid: sid, MessageStatus: 'delivered' } };
    },
  };
}

const watchdog = (now: Date, lookup: StatusLookupFn) =>
  handleWatchdog(medplum, { practice, workflows, clock: () => now, lookupStatus: lookup });

describe('delivery status racing the dispatcher', () => {
  it('callbacks that came before the record are settled from Twilio once the record has had time to settle', async () => {
    expect((await callback({ MessageStatus: 'sent' })).outcome).toBe('unknown-message');
    expect((await callback({ MessageStatus: 'delivered' })).outcome).toBe('unknown-message');
    await dispatchTheReminder();
    expect(providerStatusOf(await reminder())).toBe('queued');

    const twilio = twilioLog({});
    // Four minutes on, a callback may still be on its way: not asked yet.
    await watchdog(at(4), twilio.lookup);
    expect(twilio.asked).not.toContain('SM1day');

    const later = await watchdog(at(12), twilio.lookup);
    expect(later.errors).toEqual([]);
    expect(later.deliveryStatus.settled).toContainEqual(expect.stringContaining('delivered (updated)'));
    const settled = await reminder();
    expect(settled?.status).toBe('completed');
    expect(providerStatusOf(settled)).toBe('delivered');

    // Settled once: later runs do not ask again.
    await watchdog(at(30), twilio.lookup);
    expect(twilio.asked.filter((s) => s === 'SM1day')).toHaveLength(1);
  });

  it('a failure reported before the record is acted on like any failure: queued again', async () => {
    expect((await callback({ MessageStatus: 'undelivered', ErrorCode: '30003' })).outcome).toBe(
      'unknown-message',
    );
    await dispatchTheReminder();
    const twilio = twilioLog({
      SM1day: {
        known: true,
        callback: { MessageSid: 'SM1day', MessageStatus: 'undelivered', ErrorCode: '30003' },
      },
    });
    const result = await watchdog(at(12), twilio.lookup);
    expect(result.deliveryStatus.settled).toContainEqual(expect.stringContaining('undelivered (requeued)'));
    expect((await reminder())?.status).toBe('not-done');
    const [request] = (await medplum.searchResources(
      'CommunicationRequest',
      { subject: `Patient/${patientId}`, status: 'active', _count: '100' },
      { cache: 'no-cache' },
    )) as CommunicationRequest[];
    expect(request?.payload?.[0]?.contentString).toBe((await reminder())?.payload?.[0]?.contentString);
    expect(request?.occurrenceDateTime).toBe(at(17).toISOString());
  });

  it('callbacks that come after the record are applied at once, and the watchdog does not ask', async () => {
    await dispatchTheReminder();
    expect((await callback({ MessageStatus: 'sent' }, at(1))).outcome).toBe('updated');
    expect((await callback({ MessageStatus: 'delivered' }, at(1))).outcome).toBe('updated');
    const twilio = twilioLog({});
    await watchdog(at(12), twilio.lookup);
    expect(twilio.asked).not.toContain('SM1day');
    expect(providerStatusOf(await reminder())).toBe('delivered');
  });

  it('when Twilio cannot answer, the message is left for the next run and the run does not fail', async () => {
    await callback({ MessageStatus: 'delivered' });
    await dispatchTheReminder();
    const down = twilioLog({ SM1day: { known: false, reason: 'Twilio answered HTTP 503' } });
    const first = await watchdog(at(12), down.lookup);
    expect(first.errors).toEqual([]);
    expect(first.deliveryStatus.unknown).toContainEqual(expect.stringContaining('HTTP 503'));
    expect(providerStatusOf(await reminder())).toBe('queued');

    const second = await watchdog(at(27), twilioLog({}).lookup);
    expect(second.deliveryStatus.settled).toContainEqual(expect.stringContaining('delivered'));
    expect(providerStatusOf(await reminder())).toBe('delivered');
  });
});
