/**
 * `npm run bench`: figures, printed.
 * - plans per second for 10,000 enrolments (the reminder workflow of the library, varied patients),
 * - classifications per second for 10,000 replies,
 * - per-intent precision and recall on the held-out part of the labelled corpus,
 * - dispatch: FHIR requests per 100 messages against a naive baseline,
 * - the app: a production build's initial JS per page, and launch redirect → chart panel in Chromium,
 * - the worklist with 10,000 open tasks: first page and filter change in Chromium (on that build).
 * Timing lives here, never in tests. `npm run bench -- engine` skips the browser benches.
 */

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Patient } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import {
  classifyReply,
  EXT,
  evaluateClassifier,
  parseCorpus,
  planEnrollment,
  practiceSettings,
  REPLY_INTENTS,
} from '../../src/engine';
import { loadLibraryWorkflows } from '../../src/fhir/library';
import { benchApp, formatAppBench } from './app';
import { benchDispatch } from './dispatch';
import { benchWorklist } from './worklist';

const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'Pacific/Honolulu',
];
const N = 10_000;

function benchPlanning(): void {
  const def = loadLibraryWorkflows().find((w) => w.purpose === 'reminder');
  if (!def) throw new Error('the library has no reminder workflow');
  const practice = practiceSettings({
    name: 'Bench Clinic',
    phone: '+13125550100',
    timeZone: 'America/Chicago',
  });
  const now = DateTime.fromISO('2026-11-02T15:00:00Z');
  const inputs = Array.from({ length: N }, (_, i) => {
    const patient: Patient = {
      resourceType: 'Patient',
      id: `bench-${i}`,
      name: [{ given: [`Pat${i}`], family: 'Bench' }],
      telecom: [
        {
          system: 'phone',
          use: i % 7 === 0 ? 'home' : 'mobile',
          value: `+1312555${String(i % 10_000).padStart(4, '0')}`,
        },
      ],
      extension: [{ url: EXT.timeZone, valueCode: ZONES[i % ZONES.length] ?? 'America/Chicago' }],
      ...(i % 3 === 0 ? { communication: [{ language: { coding: [{ code: 'es' }] } }] } : {}),
    };
    const start = now.plus({ hours: 6 + (i % 400) * 3 });
    return {
      definition: def,
      patient,
      trigger: {
        kind: 'appointment-booked' as const,
        appointment: {
          resourceType: 'Appointment' as const,
          id: `appt-${i}`,
          status: 'booked' as const,
          start: start.toISO() ?? '',
          end: start.plus({ minutes: 30 }).toISO() ?? '',
          participant: [{ actor: { reference: `Patient/bench-${i}` }, status: 'needs-action' as const }],
        },
      },
      practice,
      history: [],
      consents: [],
      now: now.toISO() ?? '',
    };
  });
  planEnrollment(inputs[0] ?? (undefined as never)); // warm-up
  const t0 = performance.now();
  let messages = 0;
  for (const input of inputs) {
    const plan = planEnrollment(input);
    if (plan.applicable) messages += plan.communicationRequests.length;
  }
  const ms = performance.now() - t0;
  console.log(
    `planning: ${N} enrolments in ${ms.toFixed(0)} ms → ${((N / ms) * 1000).toFixed(0)} plans/s (${messages} requests)`,
  );
}

function loadCorpus(): ReturnType<typeof parseCorpus> {
  return parseCorpus(readFileSync(new URL('../fixtures/replies/corpus.tsv', import.meta.url), 'utf8'));
}

function benchClassifier(): void {
  const rows = loadCorpus();
  const texts = Array.from({ length: N }, (_, i) => rows[i % rows.length]?.text ?? '');
  classifyReply('warm up');
  const t0 = performance.now();
  for (const t of texts) classifyReply(t);
  const ms = performance.now() - t0;
  console.log(
    `classification: ${N} replies in ${ms.toFixed(0)} ms → ${((N / ms) * 1000).toFixed(0)} replies/s`,
  );

  for (const split of ['test', 'train'] as const) {
    const part = rows.filter((r) => r.split === split);
    const result = evaluateClassifier(part);
    console.log(
      `\nclassifier on the ${split === 'test' ? 'held-out' : 'training'} set (${part.length} replies): accuracy ${(result.accuracy * 100).toFixed(1)}%`,
    );
    console.log('intent         precision  recall  support');
    for (const intent of REPLY_INTENTS) {
      const m = result.perIntent[intent];
      console.log(
        `${intent.padEnd(14)} ${(m.precision * 100).toFixed(1).padStart(8)}% ${(m.recall * 100).toFixed(1).padStart(6)}% ${String(m.support).padStart(8)}`,
      );
    }
    if (split === 'test') {
      for (const c of result.confusions) {
        console.log(`  miss: "${c.text}" expected ${c.expected}, got ${c.actual}`);
      }
    }
  }
}

benchPlanning();
benchClassifier();
await benchDispatch();
if (!process.argv.slice(2).includes('engine')) {
  // The app bench builds dist/app; the worklist bench then serves that production build.
  console.log('');
  for (const line of formatAppBench(await benchApp())) console.log(line);
  console.log('');
  await benchWorklist();
}
