import { Operator, validateResource } from '@medplum/core';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type {
  Appointment,
  Bundle,
  CareTeam,
  Consent,
  Organization,
  Patient,
  Resource,
} from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CS,
  EXT,
  isCommunicationConsent,
  matchCohorts,
  planEnrollment,
  resolveTimeZone,
  toE164,
  type EnrollmentPlan,
  type PracticeSettings,
  type WorkflowDefinition,
} from '../../src/engine';
import { loadLibraryWorkflows } from '../../src/fhir/library';
import { practiceSettingsFromOrganization } from '../../src/fhir/practice';
import {
  generatePractice,
  MAIN_PRACTICE,
  SANDBOX_IDENTIFIER,
  SECOND_PRACTICE,
  summarizePractice,
} from '../../src/sandbox/practice';
import { indexFhirDefinitions } from '../fixtures/fhirDefinitions';

const NOW = new Date('2026-11-30T02:00:00Z');
const NOW_ISO = NOW.toISOString();
const SEED = 42;

const bundle = generatePractice({ seed: SEED, now: NOW });
const resources = (bundle.entry ?? []).map((e) => e.resource as Resource);
const ofType = <T extends Resource>(type: T['resourceType']): T[] =>
  resources.filter((r): r is T => r.resourceType === type);
const byRef = new Map(resources.map((r) => [`${r.resourceType}/${r.id ?? ''}`, r]));
const accountOf = (r: Resource): string | undefined => r.meta?.accounts?.[0]?.reference;
const MAIN_ORG = `Organization/${MAIN_PRACTICE.organization}`;
const SECOND_ORG = `Organization/${SECOND_PRACTICE.organization}`;

const patients = ofType<Patient>('Patient');
const mainPatients = patients.filter((p) => accountOf(p) === MAIN_ORG);
const appointments = ofType<Appointment>('Appointment');
const consents = ofType<Consent>('Consent');
const patientRefOf = (a: Appointment): string =>
  a.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor?.reference ?? '';
const appointmentsOf = (patient: Patient): Appointment[] =>
  appointments.filter((a) => patientRefOf(a) === `Patient/${patient.id ?? ''}`);
const consentsOf = (patient: Patient): Consent[] =>
  consents.filter((c) => c.patient?.reference === `Patient/${patient.id ?? ''}`);
const phones = (p: Patient, use?: string): string[] =>
  (p.telecom ?? [])
    .filter((t) => t.system === 'phone' && (use === undefined || t.use === use))
    .map((t) => t.value ?? '');
const hasMobile = (p: Patient): boolean => phones(p, 'mobile').length > 0;
const hasEmail = (p: Patient): boolean => (p.telecom ?? []).some((t) => t.system === 'email');
const optedOutOfSms = (p: Patient): boolean =>
  consentsOf(p).some(
    (c) =>
      c.provision?.type === 'deny' &&
      c.provision.code?.some((cc) => cc.coding?.some((x) => x.code === 'sms')),
  );
const isSpanish = (p: Patient): boolean =>
  (p.communication ?? []).some((c) =>
    /^es|spanish|español/i.test(c.language.coding?.[0]?.code ?? c.language.text ?? ''),
  );

describe('generatePractice is deterministic', () => {
  it('gives byte-identical JSON for the same seed and now, and different data for another seed', () => {
    const again = generatePractice({ seed: SEED, now: NOW });
    expect(JSON.stringify(again)).toBe(JSON.stringify(bundle));
    expect(JSON.stringify(generatePractice({ seed: SEED + 1, now: NOW }))).not.toBe(JSON.stringify(bundle));
  });

  it('is fast', () => {
    const started = performance.now();
    generatePractice({ seed: 7, now: NOW });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keeps its mix and its timeline for other seeds and other days', () => {
    const days = [
      '2026-03-08T08:30:00Z',
      '2026-12-31T23:59:59Z',
      '2027-06-15T12:00:00Z',
      '2026-08-31T04:00:00Z',
    ];
    for (const [k, day] of days.entries()) {
      const now = new Date(day);
      const other = generatePractice({ seed: 1000 + k, now });
      const s = summarizePractice(other);
      expect(s.resources.Patient).toBe(230);
      expect(s.resources.Appointment).toBeGreaterThanOrEqual(600);
      for (const status of ['booked', 'fulfilled', 'noshow', 'cancelled']) {
        expect(s.appointmentStatuses[status], `${day} ${status}`).toBeGreaterThan(0);
      }
      const earliest = DateTime.fromJSDate(now).minus({ months: 18 }).toMillis();
      const latest = DateTime.fromJSDate(now).plus({ weeks: 4 }).toMillis();
      for (const e of other.entry ?? []) {
        const a = e.resource as Appointment;
        if (a.resourceType !== 'Appointment') continue;
        const start = Date.parse(a.start ?? '');
        expect(start >= earliest && start <= latest, `${day} ${a.start}`).toBe(true);
        expect(a.status !== 'booked' || start > now.getTime(), `${day} booked ${a.start}`).toBe(true);
      }
    }
  });

  it('refuses an invalid now', () => {
    expect(() => generatePractice({ seed: 1, now: new Date('nonsense') })).toThrow(/valid Date/);
  });
});

describe('the transaction bundle', () => {
  it('PUTs every resource at its own stable id, each once', () => {
    expect(bundle.type).toBe('transaction');
    const urls = (bundle.entry ?? []).map((e) => e.request?.url);
    expect(new Set(urls).size).toBe(urls.length);
    for (const e of bundle.entry ?? []) {
      expect(e.request?.method).toBe('PUT');
      expect(e.request?.url).toBe(`${e.resource?.resourceType}/${e.resource?.id}`);
      expect(e.resource?.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
    }
    // Ids do not depend on the seed, so other parts can name the fixed ones.
    const other = generatePractice({ seed: SEED + 1, now: NOW });
    expect((other.entry ?? []).slice(0, 40).map((e) => e.request?.url)).toEqual(urls.slice(0, 40));
  });

  it('loads into a Medplum FHIR router, and loading it again changes no content', async () => {
    indexFhirDefinitions();
    const repo = new MemoryRepository();
    const router = new FhirRouter();
    const load = async (): Promise<Bundle> => {
      const [outcome, result] = await router.handleRequest(
        { method: 'POST', url: '/', pathname: '', params: {}, query: {}, body: bundle },
        repo,
      );
      expect(outcome.id).toBe('ok');
      return result as Bundle;
    };
    const first = await load();
    expect(first.entry?.every((e) => e.response?.status === '200' || e.response?.status === '201')).toBe(
      true,
    );
    const strip = (r: Resource): Resource => ({ ...r, meta: { ...r.meta, versionId: '', lastUpdated: '' } });
    const before = strip(await repo.readResource('Patient', 'lakeside-patient-001'));
    await load();
    expect(strip(await repo.readResource('Patient', 'lakeside-patient-001'))).toEqual(before);
    const found = await repo.search({
      resourceType: 'Appointment',
      filters: [{ code: 'patient', operator: Operator.EQUALS, value: 'Patient/lakeside-patient-001' }],
    });
    expect(found.entry?.length).toBe(
      appointmentsOf(byRef.get('Patient/lakeside-patient-001') as Patient).length,
    );
    const chronic = await repo.search({
      resourceType: 'Patient',
      count: 1000,
      filters: [{ code: '_tag', operator: Operator.EQUALS, value: `${CS.cohort}|chronic-care` }],
    });
    expect(chronic.entry?.length).toBe(
      patients.filter((p) => p.meta?.tag?.some((t) => t.code === 'chronic-care')).length,
    );
  });

  it('tags every resource with its practice in meta.accounts', () => {
    for (const r of resources) {
      expect([MAIN_ORG, SECOND_ORG]).toContain(accountOf(r));
    }
  });

  it('has every resource valid against the FHIR R4 definitions', () => {
    indexFhirDefinitions();
    for (const r of resources) {
      expect(() => validateResource(r), `${r.resourceType}/${r.id}`).not.toThrow();
    }
  });
});

describe('the practices', () => {
  let settings: PracticeSettings;
  beforeAll(() => {
    settings = practiceSettingsFromOrganization(byRef.get(MAIN_ORG) as Organization);
  });

  it('give the bots their settings: zone, phone, links and a CareTeam owning every queue', () => {
    expect(settings.name).toBe('Lakeside Family Clinic');
    expect(settings.timeZone).toBe('America/Chicago');
    expect(settings.phone).toMatch(/^\+1312555010\d$/);
    expect(settings.organization).toBe(MAIN_ORG);
    expect(settings.links.reschedule).toMatch(/^https:\/\/[a-z-]+\.example\.(com|org)\//);
    for (const queue of ['access', 'front-office', 'care-coordination', 'clinical-triage', 'billing']) {
      const owner = settings.queueOwners[queue] ?? '';
      const team = byRef.get(owner) as CareTeam | undefined;
      expect(team?.resourceType, queue).toBe('CareTeam');
      expect(accountOf(team as CareTeam)).toBe(MAIN_ORG);
      expect(team?.category?.[0]?.coding?.[0]).toMatchObject({ system: CS.queue, code: queue });
      expect(team?.participant?.map((p) => p.member?.reference)).toContain(
        `Practitioner/${MAIN_PRACTICE.coordinator}`,
      );
    }
  });

  it('have a coordinator with a role at each organization, and clinicians', () => {
    for (const [ids, org] of [
      [MAIN_PRACTICE, MAIN_ORG],
      [SECOND_PRACTICE, SECOND_ORG],
    ] as const) {
      expect(byRef.get(`Practitioner/${ids.coordinator}`)?.resourceType).toBe('Practitioner');
      expect(byRef.get(`PractitionerRole/${ids.coordinatorRole}`)).toMatchObject({
        practitioner: { reference: `Practitioner/${ids.coordinator}` },
        organization: { reference: org },
      });
      expect(ids.clinicians.length).toBeGreaterThanOrEqual(2);
      expect(practiceSettingsFromOrganization(byRef.get(org) as Organization).queueOwners.access).toBe(
        `CareTeam/${ids.queues.access}`,
      );
    }
  });

  it('keep the second practice small and separate', () => {
    const second = patients.filter((p) => accountOf(p) === SECOND_ORG);
    const secondAppointments = appointments.filter((a) => accountOf(a) === SECOND_ORG);
    expect(second.length).toBe(10);
    expect(secondAppointments.length).toBeGreaterThanOrEqual(12);
    expect(secondAppointments.length).toBeLessThanOrEqual(35);
    for (const a of appointments) {
      for (const p of a.participant) {
        expect(accountOf(byRef.get(p.actor?.reference ?? '') as Resource), a.id).toBe(accountOf(a));
      }
    }
  });
});

describe('the patients', () => {
  it('are at least 200 in the main practice, with English and Spanish speakers, sexes and ages', () => {
    expect(mainPatients.length).toBeGreaterThanOrEqual(200);
    const spanish = mainPatients.filter(isSpanish).length;
    expect(spanish).toBeGreaterThanOrEqual(40);
    expect(mainPatients.length - spanish).toBeGreaterThanOrEqual(100);
    const genders = new Set(mainPatients.map((p) => p.gender));
    expect(genders).toContain('female');
    expect(genders).toContain('male');
    const ages = mainPatients.map(
      (p) => DateTime.fromJSDate(NOW).diff(DateTime.fromISO(p.birthDate ?? ''), 'years').years,
    );
    expect(ages.filter((a) => a >= 50 && a <= 75).length).toBeGreaterThan(40);
    expect(ages.filter((a) => a < 35).length).toBeGreaterThan(20);
    expect(ages.some((a) => a < 18)).toBe(true);
  });

  it("live in several time zones; some records have only an address, and its state's zone applies", () => {
    const zones = new Set(
      patients.map((p) => p.extension?.find((e) => e.url === EXT.timeZone)?.valueCode).filter(Boolean),
    );
    expect(zones.size).toBeGreaterThanOrEqual(4);
    const withoutZone = mainPatients.filter((p) => !p.extension?.some((e) => e.url === EXT.timeZone));
    expect(withoutZone.length).toBeGreaterThan(0);
    for (const p of withoutZone) {
      expect(p.address?.[0]?.state).toBe('IL');
      expect(resolveTimeZone(p, 'America/New_York')).toMatchObject({
        zone: 'America/Chicago',
        source: 'address',
      });
    }
  });

  it('include email-only, landline-only and opted-out patients', () => {
    const emailOnly = mainPatients.filter((p) => hasEmail(p) && phones(p).length === 0);
    const landlineOnly = mainPatients.filter(
      (p) => !hasMobile(p) && !hasEmail(p) && phones(p, 'home').length > 0,
    );
    const optedOut = mainPatients.filter(optedOutOfSms);
    expect(emailOnly.length).toBeGreaterThanOrEqual(10);
    expect(landlineOnly.length).toBeGreaterThanOrEqual(10);
    expect(optedOut.length).toBeGreaterThanOrEqual(10);
    for (const c of consents) {
      expect(isCommunicationConsent(c)).toBe(true);
      expect(c.extension?.find((e) => e.url.endsWith('/consent-source'))?.valueReference?.reference).toMatch(
        /^(Patient|Practitioner)\//,
      );
      expect(Date.parse(c.dateTime ?? '')).toBeLessThan(NOW.getTime());
    }
  });

  it('have fictional 555-01xx numbers, one per patient except one shared family number', () => {
    for (const r of resources) {
      const telecom = (r as { telecom?: Patient['telecom'] }).telecom ?? [];
      for (const t of telecom.filter((x) => x.system === 'phone')) {
        const e164 = toE164(t.value ?? '');
        expect(e164, `${r.resourceType}/${r.id} ${t.value}`).toMatch(/^\+1\d{3}55501\d\d$/);
      }
    }
    const owners = new Map<string, string[]>();
    for (const p of patients) {
      for (const n of new Set(phones(p).map((v) => toE164(v) ?? v))) {
        owners.set(n, [...(owners.get(n) ?? []), p.id ?? '']);
      }
    }
    const shared = [...owners.values()].filter((ids) => ids.length > 1);
    expect(shared).toHaveLength(1);
    expect(shared[0]).toHaveLength(2);
    const [a, b] = (shared[0] ?? []).map((id) => byRef.get(`Patient/${id}`) as Patient);
    expect(a?.name?.[0]?.family).toBe(b?.name?.[0]?.family);
    const staffNumbers = resources
      .filter((r) => r.resourceType !== 'Patient')
      .flatMap((r) => ((r as { telecom?: Patient['telecom'] }).telecom ?? []).map((t) => t.value));
    expect([...owners.keys()].filter((n) => staffNumbers.includes(n))).toEqual([]);
  });

  it('carry EHR identifiers', () => {
    for (const p of patients) {
      expect(p.identifier?.[0]?.system).toBe(SANDBOX_IDENTIFIER.patient);
    }
    const mrns = patients.map((p) => p.identifier?.[0]?.value);
    expect(new Set(mrns).size).toBe(patients.length);
    for (const a of appointments) {
      expect(a.identifier?.[0]?.system).toBe(SANDBOX_IDENTIFIER.appointment);
    }
  });
});

describe('the appointments', () => {
  const summary = summarizePractice(bundle);

  it('are at least 600, in every status, with telehealth visits', () => {
    expect(appointments.length).toBeGreaterThanOrEqual(600);
    for (const status of ['booked', 'fulfilled', 'noshow', 'cancelled']) {
      expect(summary.appointmentStatuses[status], status).toBeGreaterThanOrEqual(15);
    }
    expect(summary.telehealth).toBeGreaterThanOrEqual(30);
    expect(summary.resources.Appointment).toBe(appointments.length);
  });

  it('have booked visits ahead and unconfirmed, past visits behind, all within 18 months back and 4 weeks ahead', () => {
    const earliest = DateTime.fromJSDate(NOW).minus({ months: 18 }).toMillis();
    const latest = DateTime.fromJSDate(NOW).plus({ weeks: 4 }).toMillis();
    for (const a of appointments) {
      const start = Date.parse(a.start ?? '');
      const end = Date.parse(a.end ?? '');
      expect(start, a.id).toBeGreaterThanOrEqual(earliest);
      expect(start, a.id).toBeLessThanOrEqual(latest);
      if (a.status === 'booked') {
        expect(start, a.id).toBeGreaterThan(NOW.getTime());
        expect(a.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))?.status).toBe(
          'needs-action',
        );
      }
      if (a.status === 'fulfilled' || a.status === 'noshow') {
        expect(end, a.id).toBeLessThan(NOW.getTime());
      }
      expect(Date.parse(a.created ?? '')).toBeLessThan(Math.min(start, NOW.getTime()));
    }
  });

  it('are on weekdays in clinic hours in the practice zone, with a patient, a clinician and a location', () => {
    for (const a of appointments) {
      const org = byRef.get(accountOf(a) ?? '') as Organization;
      const zone = org.extension?.find((e) => e.url === EXT.timeZone)?.valueCode ?? '';
      const start = DateTime.fromISO(a.start ?? '').setZone(zone);
      const end = DateTime.fromISO(a.end ?? '').setZone(zone);
      expect(start.weekday, a.id).toBeLessThanOrEqual(5);
      expect(start.hour, a.id).toBeGreaterThanOrEqual(8);
      expect(end.hour * 60 + end.minute, a.id).toBeLessThanOrEqual(17 * 60);
      const types = a.participant.map((p) => p.actor?.reference?.split('/')[0]).sort();
      expect(types).toEqual(['Location', 'Patient', 'Practitioner']);
      for (const p of a.participant) {
        expect(byRef.has(p.actor?.reference ?? ''), p.actor?.reference).toBe(true);
      }
    }
  });

  it('never double-book a clinician', () => {
    const slots = appointments.map(
      (a) =>
        `${a.participant.find((p) => p.actor?.reference?.startsWith('Practitioner/'))?.actor?.reference}|${a.start}`,
    );
    expect(new Set(slots).size).toBe(slots.length);
  });
});

describe('the engine agrees with the mix', () => {
  const workflows = loadLibraryWorkflows();
  const workflow = (name: string): WorkflowDefinition => {
    const w = workflows.find((x) => x.name === name);
    if (!w) throw new Error(`no workflow ${name}`);
    return w;
  };
  const settings = practiceSettingsFromOrganization(byRef.get(MAIN_ORG) as Organization);
  const anyBooked = appointments.find(
    (a) => a.status === 'booked' && accountOf(a) === MAIN_ORG,
  ) as Appointment;
  /** The patient's own booked visit, or a copy of another one booked for them. */
  const bookedFor = (p: Patient): Appointment =>
    appointmentsOf(p).find((a) => a.status === 'booked') ?? {
      ...anyBooked,
      participant: anyBooked.participant.map((x) =>
        x.actor?.reference?.startsWith('Patient/') ? { ...x, actor: { reference: `Patient/${p.id}` } } : x,
      ),
    };
  const planReminders = (p: Patient): EnrollmentPlan =>
    planEnrollment({
      definition: workflow('appointment-reminders'),
      patient: p,
      trigger: { kind: 'appointment-booked', appointment: bookedFor(p) },
      practice: settings,
      history: [],
      consents: consentsOf(p),
      now: NOW_ISO,
    });
  const smsSteps = (plan: EnrollmentPlan): number =>
    plan.applicable ? plan.steps.filter((s) => s.status === 'scheduled' && s.channel === 'sms').length : 0;
  const reachable = mainPatients.filter((p) => hasMobile(p) && !optedOutOfSms(p));

  it('texts an ordinary patient with a mobile (the control for the cases below)', () => {
    for (const p of reachable.slice(0, 5)) {
      expect(smsSteps(planReminders(p)), p.id).toBeGreaterThan(0);
    }
  });

  it('has featured patients, the same kind whatever the seed, reachable and booked in a few days', () => {
    for (const seed of [SEED, 1, 99]) {
      const other = seed === SEED ? bundle : generatePractice({ seed, now: NOW });
      const found = new Map(
        (other.entry ?? []).map((e) => [`${e.resource?.resourceType}/${e.resource?.id}`, e.resource]),
      );
      const featured = [
        ...MAIN_PRACTICE.featuredPatients.map((id) => [id, settings] as const),
        ...SECOND_PRACTICE.featuredPatients.map(
          (id) => [id, practiceSettingsFromOrganization(byRef.get(SECOND_ORG) as Organization)] as const,
        ),
      ];
      expect(featured.length).toBe(3);
      for (const [k, [id, practice]] of featured.entries()) {
        const p = found.get(`Patient/${id}`) as Patient;
        expect(p.extension?.find((e) => e.url === EXT.timeZone)?.valueCode).toBe(practice.timeZone);
        expect(hasMobile(p) && hasEmail(p)).toBe(true);
        const booked = (other.entry ?? [])
          .map((e) => e.resource as Appointment)
          .filter(
            (a) =>
              a.resourceType === 'Appointment' &&
              a.status === 'booked' &&
              patientRefOf(a) === `Patient/${id}`,
          );
        expect(booked).toHaveLength(1);
        const days = (Date.parse(booked[0]?.start ?? '') - NOW.getTime()) / 86_400_000;
        expect(days).toBeGreaterThan(1);
        expect(days).toBeLessThan(7);
        expect(booked[0]?.appointmentType?.coding?.[0]?.code).not.toBe('VR');
        const plan = planEnrollment({
          definition: workflow('appointment-reminders'),
          patient: p,
          trigger: { kind: 'appointment-booked', appointment: booked[0] as Appointment },
          practice,
          history: [],
          consents: (other.entry ?? [])
            .map((e) => e.resource as Consent)
            .filter((c) => c.resourceType === 'Consent' && c.patient?.reference === `Patient/${id}`),
          now: NOW_ISO,
        });
        expect(smsSteps(plan), id).toBeGreaterThanOrEqual(2);
        expect(plan.applicable && plan.language).toBe(k === 1 ? 'es' : 'en');
      }
    }
  });

  it('sends no SMS to a patient who opted out', () => {
    const optedOut = mainPatients.filter(optedOutOfSms);
    expect(optedOut.length).toBeGreaterThan(0);
    for (const p of optedOut) {
      const plan = planReminders(p);
      expect(plan.applicable).toBe(true);
      expect(smsSteps(plan), p.id).toBe(0);
    }
  });

  it('does not text a landline-only patient', () => {
    const landline = mainPatients.filter((p) => !hasMobile(p) && phones(p, 'home').length > 0);
    expect(landline.length).toBeGreaterThan(0);
    for (const p of landline) {
      expect(smsSteps(planReminders(p)), p.id).toBe(0);
    }
  });

  it('writes to a Spanish speaker in Spanish', () => {
    const spanish = reachable.filter(isSpanish);
    expect(spanish.length).toBeGreaterThan(10);
    for (const p of spanish) {
      const plan = planReminders(p);
      expect(plan.applicable && plan.language, p.id).toBe('es');
      const text = plan.applicable ? (plan.steps.find((s) => s.channel === 'sms')?.text ?? '') : '';
      expect(text, p.id).toMatch(/cita|visita/i);
    }
  });

  it('finds reactivation and chronic-care patients, and only lapsed ones are inactive', () => {
    const cohortsOf = (p: Patient): string[] =>
      matchCohorts({ patient: p, appointments: appointmentsOf(p) }, NOW_ISO, settings.timeZone).map(
        (m) => m.cohort,
      );
    const inactive = mainPatients.filter((p) => cohortsOf(p).includes('inactive'));
    const chronic = mainPatients.filter((p) => cohortsOf(p).includes('chronic-care'));
    expect(inactive.length).toBeGreaterThanOrEqual(20);
    expect(chronic.length).toBeGreaterThanOrEqual(20);
    for (const p of inactive) {
      expect(appointmentsOf(p).some((a) => a.status === 'booked')).toBe(false);
    }
    // Most of the practice was seen recently and is in no outreach cohort.
    expect(inactive.length).toBeLessThan(mainPatients.length / 4);
    for (const p of chronic) {
      expect(p.meta?.tag?.some((t) => t.system === CS.cohort && t.code === 'chronic-care')).toBe(true);
    }
    expect(ofType('Condition').length).toBeGreaterThanOrEqual(chronic.length);
  });

  it('reaches inactive patients who consented to reactivation texts, and only them', () => {
    const inactive = mainPatients.filter((p) =>
      matchCohorts({ patient: p, appointments: appointmentsOf(p) }, NOW_ISO, settings.timeZone).some(
        (m) => m.cohort === 'inactive',
      ),
    );
    const plan = (p: Patient): EnrollmentPlan =>
      planEnrollment({
        definition: workflow('patient-reactivation'),
        patient: p,
        trigger: { kind: 'cohort-due', runKey: 'inactive:2026-Q4' },
        practice: settings,
        history: [],
        consents: consentsOf(p),
        now: NOW_ISO,
      });
    const permitted = inactive.filter((p) => consentsOf(p).some((c) => c.provision?.type === 'permit'));
    const others = inactive.filter((p) => hasMobile(p) && !consentsOf(p).length);
    expect(permitted.length).toBeGreaterThan(0);
    expect(others.length).toBeGreaterThan(0);
    for (const p of permitted) {
      expect(smsSteps(plan(p)), p.id).toBeGreaterThan(0);
    }
    for (const p of others) {
      expect(smsSteps(plan(p)), p.id).toBe(0);
    }
  });

  it('marks telehealth visits so the telehealth workflow applies to them only', () => {
    const p = reachable[0] as Patient;
    const booked = bookedFor(p);
    const plan = (a: Appointment): boolean =>
      planEnrollment({
        definition: workflow('telehealth-visit'),
        patient: p,
        trigger: { kind: 'appointment-booked', appointment: a },
        practice: settings,
        history: [],
        consents: [],
        now: NOW_ISO,
      }).applicable;
    const virtual = appointments.find(
      (a) => a.status === 'booked' && a.appointmentType?.coding?.[0]?.code === 'VR',
    );
    const inPerson = appointments.find(
      (a) => a.status === 'booked' && a.appointmentType?.coding?.[0]?.code !== 'VR',
    );
    expect(plan({ ...booked, ...(virtual as Appointment), participant: booked.participant })).toBe(true);
    expect(plan({ ...booked, ...(inPerson as Appointment), participant: booked.participant })).toBe(false);
  });
});
