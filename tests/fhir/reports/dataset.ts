/**
 * A fixed, hand-checked practice week and a bit (America/Chicago, 16–24 Nov 2026) for the reports. The
 * expected figures in EXPECTED are worked out by hand from the table below, not by running the code.
 *
 *   patient  language  born        fulfilled visits   cohort (age at plan start 10 Nov)
 *   P1 Ana   en        1980-05-01  2026-01-10         returning, 35–49
 *   P2 Ben   es (pref) 1950-03-03  2026-11-20 (after) new, 65+
 *   P3 Cleo  en        2000-07-07  2025-06-01         returning, 18–34
 *   P4 Dan   es        1990-01-01  —                  new, 35–49
 *
 *   plan  workflow          patient  messages (UTC)                                  reply      ended
 *   R1    reminders         P1       m1 sms 17 Nov 16:00 delivered                   r1 → m1    —
 *   R2    reminders         P2       m2 sms 17 Nov 17:00 delivered                   —          —
 *   R3    reminders         P3       m3 sms 18 Nov 16:00 FAILED; m3b email 18:00     —          —
 *   N1    no-show recovery  P4       m4 sms 19 Nov 16:00 delivered                   r4 → m4    19 Nov 20:00 rescheduled
 *   N2    no-show recovery  P1       m5 sms 24 Nov 16:00 delivered                   —          24 Nov 22:00 no-response
 *   F1    feedback          P3       m6 sms 24 Nov 17:00 delivered                   r6 STOP    24 Nov 17:05 opted-out (revoked)
 *   + an sms opt-out Consent for P3 caused by r6.
 */

import type {
  Appointment,
  CarePlan,
  Communication,
  CommunicationRequest,
  Consent,
  Patient,
} from '@medplum/fhirtypes';
import { CS, EXT } from '../../../src/engine/codes';
import { mediumFor } from '../../../src/engine/planning/resources';
import { buildConsent } from '../../../src/engine/policy/consent';
import type { Channel } from '../../../src/engine/workflow/types';
import type { KpiInput } from '../../../src/fhir/kpi';
import type { CohortFacts } from '../../../src/fhir/reports';

/** The practice's zone. */
export const ZONE = 'America/Chicago';
/** 16 Nov 00:00 Chicago to 25 Nov 00:00 Chicago. */
export const PERIOD = { start: '2026-11-16T06:00:00.000Z', end: '2026-11-25T06:00:00.000Z' };
/** The days the roll-up runs for. */
export const DAYS = [
  '2026-11-16',
  '2026-11-17',
  '2026-11-18',
  '2026-11-19',
  '2026-11-20',
  '2026-11-21',
  '2026-11-22',
  '2026-11-23',
  '2026-11-24',
];

const wf = (name: string): string => `https://careloop.health/fhir/PlanDefinition/${name}|1.0.0`;

function patient(id: string, given: string, birthDate: string, language: string, preferred = false): Patient {
  return {
    resourceType: 'Patient',
    id,
    name: [{ given: [given], family: 'Testpatient' }],
    birthDate,
    communication: [
      {
        language: { coding: [{ system: 'urn:ietf:bcp:47', code: language }] },
        ...(preferred ? { preferred } : {}),
      },
    ],
    telecom: [{ system: 'phone', use: 'mobile', value: `+1312555010${id.slice(1)}` }],
  };
}

function plan(
  id: string,
  name: string,
  purpose: string,
  patientId: string,
  end?: { status: 'completed' | 'revoked'; outcome: string; at: string },
  appointment?: string,
): CarePlan {
  return {
    resourceType: 'CarePlan',
    id,
    status: end?.status ?? 'active',
    intent: 'plan',
    instantiatesCanonical: [wf(name)],
    category: [{ coding: [{ system: CS.purpose, code: purpose }] }],
    subject: { reference: `Patient/${patientId}` },
    period: { start: '2026-11-10T15:00:00.000Z', ...(end ? { end: end.at } : {}) },
    ...(appointment ? { supportingInfo: [{ reference: `Appointment/${appointment}` }] } : {}),
    ...(end
      ? { extension: [{ url: EXT.outcome, valueCoding: { system: CS.outcome, code: end.outcome } }] }
      : {}),
  };
}

function request(id: string, planId: string, patientId: string, channel: Channel): CommunicationRequest {
  return {
    resourceType: 'CommunicationRequest',
    id,
    status: 'completed',
    basedOn: [{ reference: `CarePlan/${planId}` }],
    medium: [mediumFor(channel)],
    subject: { reference: `Patient/${patientId}` },
  };
}

function outbound(
  id: string,
  req: CommunicationRequest,
  sent: string,
  delivery = 'delivered',
): Communication {
  return {
    resourceType: 'Communication',
    id,
    basedOn: [{ reference: `CommunicationRequest/${req.id ?? ''}` }, ...(req.basedOn ?? [])],
    status: delivery === 'failed' ? 'not-done' : 'completed',
    medium: req.medium,
    subject: req.subject,
    recipient: req.subject ? [req.subject] : [],
    sent,
    payload: [{ contentString: `Message ${id}` }],
    extension: [{ url: EXT.deliveryStatus, valueCode: delivery }],
  };
}

function reply(
  id: string,
  patientId: string,
  answers: string,
  received: string,
  text: string,
): Communication {
  return {
    resourceType: 'Communication',
    id,
    status: 'completed',
    sender: { reference: `Patient/${patientId}` },
    subject: { reference: `Patient/${patientId}` },
    inResponseTo: [{ reference: `Communication/${answers}` }],
    received,
    payload: [{ contentString: text }],
  };
}

/** The patients. */
export const PATIENTS: Patient[] = [
  patient('P1', 'Ana', '1980-05-01', 'en'),
  patient('P2', 'Ben', '1950-03-03', 'es', true),
  patient('P3', 'Cleo', '2000-07-07', 'en'),
  patient('P4', 'Dan', '1990-01-01', 'es'),
];

/** Fulfilled visits, and N1's missed appointment. */
export const APPOINTMENTS: Appointment[] = [
  {
    resourceType: 'Appointment',
    id: 'v1',
    status: 'fulfilled',
    start: '2026-01-10T15:00:00Z',
    end: '2026-01-10T15:30:00Z',
    participant: [{ actor: { reference: 'Patient/P1' }, status: 'accepted' }],
  },
  {
    resourceType: 'Appointment',
    id: 'v2',
    status: 'fulfilled',
    start: '2026-11-20T15:00:00Z',
    end: '2026-11-20T15:30:00Z',
    participant: [{ actor: { reference: 'Patient/P2' }, status: 'accepted' }],
  },
  {
    resourceType: 'Appointment',
    id: 'v3',
    status: 'fulfilled',
    start: '2025-06-01T15:00:00Z',
    end: '2025-06-01T15:30:00Z',
    participant: [{ actor: { reference: 'Patient/P3' }, status: 'accepted' }],
  },
  {
    resourceType: 'Appointment',
    id: 'a4',
    status: 'noshow',
    start: '2026-11-18T15:00:00Z',
    end: '2026-11-18T15:30:00Z',
    participant: [{ actor: { reference: 'Patient/P4' }, status: 'accepted' }],
  },
];

/** The enrolments. */
export const CARE_PLANS: CarePlan[] = [
  plan('R1', 'appointment-reminders', 'reminder', 'P1'),
  plan('R2', 'appointment-reminders', 'reminder', 'P2'),
  plan('R3', 'appointment-reminders', 'reminder', 'P3'),
  plan(
    'N1',
    'no-show-recovery',
    'no-show-recovery',
    'P4',
    { status: 'completed', outcome: 'rescheduled', at: '2026-11-19T20:00:00.000Z' },
    'a4',
  ),
  plan('N2', 'no-show-recovery', 'no-show-recovery', 'P1', {
    status: 'completed',
    outcome: 'no-response',
    at: '2026-11-24T22:00:00.000Z',
  }),
  plan('F1', 'feedback-survey', 'feedback', 'P3', {
    status: 'revoked',
    outcome: 'opted-out',
    at: '2026-11-24T17:05:00.000Z',
  }),
];

const q = {
  m1: request('q1', 'R1', 'P1', 'sms'),
  m2: request('q2', 'R2', 'P2', 'sms'),
  m3: request('q3', 'R3', 'P3', 'sms'),
  m3b: request('q3b', 'R3', 'P3', 'email'),
  m4: request('q4', 'N1', 'P4', 'sms'),
  m5: request('q5', 'N2', 'P1', 'sms'),
  m6: request('q6', 'F1', 'P3', 'sms'),
};

/** The planned messages. */
export const REQUESTS: CommunicationRequest[] = Object.values(q);

/** Messages sent and replies received. */
export const COMMUNICATIONS: Communication[] = [
  outbound('m1', q.m1, '2026-11-17T16:00:00.000Z'),
  reply('r1', 'P1', 'm1', '2026-11-17T16:10:00.000Z', 'C'),
  outbound('m2', q.m2, '2026-11-17T17:00:00.000Z'),
  outbound('m3', q.m3, '2026-11-18T16:00:00.000Z', 'failed'),
  outbound('m3b', q.m3b, '2026-11-18T18:00:00.000Z'),
  outbound('m4', q.m4, '2026-11-19T16:00:00.000Z'),
  reply('r4', 'P4', 'm4', '2026-11-19T16:30:00.000Z', 'yes please call me'),
  outbound('m5', q.m5, '2026-11-24T16:00:00.000Z'),
  outbound('m6', q.m6, '2026-11-24T17:00:00.000Z'),
  reply('r6', 'P3', 'm6', '2026-11-24T17:04:00.000Z', 'STOP'),
];

/** P3's opt-out, caused by r6. */
export const CONSENTS: Consent[] = [
  {
    ...buildConsent({
      patient: { reference: 'Patient/P3' },
      channel: 'sms',
      decision: 'deny',
      at: '2026-11-24T17:04:00.000Z',
      reason: 'replied STOP',
      source: { reference: 'Communication/r6' },
    }),
    id: 'c6',
  },
];

/** The roll-up's input over the whole period. */
export const INPUT: KpiInput = {
  carePlans: CARE_PLANS,
  requests: REQUESTS,
  communications: COMMUNICATIONS,
  consents: CONSENTS,
  period: PERIOD,
  timeZone: ZONE,
};

/** Cohort facts for the dataset. */
export const FACTS: CohortFacts = {
  patients: new Map(PATIENTS.map((p) => [`Patient/${p.id ?? ''}`, p])),
  fulfilledVisits: new Map([
    ['Patient/P1', ['2026-01-10T15:00:00Z']],
    ['Patient/P2', ['2026-11-20T15:00:00Z']],
    ['Patient/P3', ['2025-06-01T15:00:00Z']],
  ]),
  appointments: new Map(APPOINTMENTS.map((a) => [`Appointment/${a.id ?? ''}`, a])),
};

/** Worked out by hand from the table above (numerator/denominator). */
export const EXPECTED = {
  responseByWorkflow: { reminder: [1, 3], 'no-show-recovery': [1, 2], feedback: [1, 1] },
  responseOverall: [3, 6],
  responseByChannel: { sms: [3, 5], email: [0, 1] },
  deliveryFailureByWorkflow: { reminder: [1, 4], 'no-show-recovery': [0, 2], feedback: [0, 1] },
  deliveryFailureOverall: [1, 7],
  followUpOverall: [1, 3],
  noShowRecovery: [1, 2],
  surveyCompletion: [0, 1],
  optOutOverall: [1, 6],
  responseByWeek: { '2026-11-16': [2, 4], '2026-11-23': [1, 2] },
  responseByLanguage: { en: [2, 4], es: [1, 2] },
  responseByNewReturning: { new: [1, 2], returning: [2, 4] },
  responseByAgeBand: { '18–34': [1, 2], '35–49': [2, 3], '65+': [0, 1] },
  funnels: [
    { workflow: 'feedback', sent: 1, delivered: 1, replied: 1, completed: 0 },
    { workflow: 'no-show-recovery', sent: 2, delivered: 2, replied: 1, completed: 1 },
    { workflow: 'reminder', sent: 3, delivered: 3, replied: 1, completed: 0 },
  ],
} as const;
