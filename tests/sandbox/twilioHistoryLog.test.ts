import type { Communication, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelOf, ID_SYSTEM } from '../../src/engine';
import { loadLibraryResources } from '../../src/fhir/library';
import { generateHistory } from '../../src/sandbox/history';
import { DEFAULT_PRACTICE_SEED, generatePractice, LAKESIDE } from '../../src/sandbox/practice';
import type { RunningSandbox } from '../../src/sandbox/start';
import { phoneLogFromHistory } from '../../src/sandbox/twilio';
import { removeDataDir, startTestSandbox, tempDataDir } from './helpers';

const NOW = new Date('2026-11-30T15:00:00Z');

describe("the seeded history's texts in the carrier's log", () => {
  const practice = generatePractice({ seed: DEFAULT_PRACTICE_SEED, now: NOW });
  const history = generateHistory({
    practice,
    seed: DEFAULT_PRACTICE_SEED,
    now: NOW,
    library: loadLibraryResources(),
  });
  const patients = (practice.entry ?? []).flatMap((e) =>
    e.resource?.resourceType === 'Patient' ? [e.resource] : [],
  );
  const texts = (history.entry ?? [])
    .map((e) => e.resource)
    .filter(
      (r): r is Communication => r?.resourceType === 'Communication' && channelOf(r) === 'sms' && !!r.payload,
    );

  it('has every history text once, each way between the practice number and the patient, oldest first', () => {
    const log = phoneLogFromHistory(history, patients, LAKESIDE.phone);
    const sids = texts.flatMap(
      (c) => c.identifier?.filter((i) => i.system === ID_SYSTEM.providerMessage) ?? [],
    );
    expect(log.map((m) => m.sid).sort()).toEqual(sids.map((i) => i.value).sort());
    const replies = log.filter((m) => m.direction === 'inbound');
    expect(replies.length).toBeGreaterThan(10);
    expect(replies.every((m) => m.to === LAKESIDE.phone && /^\+1\d{10}$/.test(m.from))).toBe(true);
    const sent = log.filter((m) => m.direction === 'outbound-api');
    expect(sent.every((m) => m.from === LAKESIDE.phone)).toBe(true);
    expect(log.map((m) => m.dateCreated)).toEqual([...log.map((m) => m.dateCreated)].sort());
  });

  it("uses each patient's own mobile number", () => {
    const log = phoneLogFromHistory(history, patients, LAKESIDE.phone);
    const first = texts.find((c) => c.sender?.reference?.startsWith('Patient/'));
    const patient = patients.find((p: Patient) => `Patient/${p.id}` === first?.subject?.reference);
    const mobile = patient?.telecom?.find((t) => t.use === 'mobile')?.value ?? '';
    const entry = log.find((m) => m.body === first?.payload?.[0]?.contentString && m.direction === 'inbound');
    expect(entry?.from.replace(/\D/g, '').slice(-10)).toBe(mobile.replace(/\D/g, '').slice(-10));
  });
});

describe('a first start with history', () => {
  let dir: string;
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    dir = tempDataDir();
    sandbox = await startTestSandbox(dir, { history: true });
  }, 60_000);
  afterAll(async () => {
    await sandbox.stop();
    removeDataDir(dir);
  });

  it('shows past conversations on the phone page', async () => {
    const phone = (await (await fetch(`${sandbox.baseUrl}/phone.json`)).json()) as {
      numbers: { number: string; messages: number; names: string[] }[];
    };
    expect(phone.numbers.length).toBeGreaterThan(20);
    expect(phone.numbers.some((n) => n.messages >= 2 && n.names.length > 0)).toBe(true);
  });
});
