/**
 * The synthetic patients: who they are, how they can be reached and which group they are in. Group sizes
 * are fixed by the mix (not left to chance), so every group the sandbox demonstrates is always there; the
 * seed decides who is in it and everything else about them.
 */

import type { Condition, Consent, ContactPoint, Patient, Reference } from '@medplum/fhirtypes';
import type { DateTime } from 'luxon';
import { buildConsent, CS, EXT } from '../../engine';
import { SANDBOX_IDENTIFIER, MRN_TYPE } from './identifiers';
import { FAMILY_NAMES, GIVEN_NAMES, STREET_KINDS, STREETS } from './names';
import { practiceMeta } from './organization';
import type { PracticeSpec } from './practices';
import type { Random } from './random';
import type { NumberPool } from './regions';
import { REGIONS, type Region, type RegionCode } from './regions';

/** How the patient can be reached. */
export type ContactKind =
  'mobile' | 'mobile-email' | 'mobile-landline' | 'email-only' | 'landline-only' | 'landline-email';

/** Visit pattern, which decides the appointments and the cohort the patient falls in. */
export type VisitPattern = 'regular' | 'chronic' | 'inactive' | 'new';

/** How many patients of a practice are in each group. */
export interface PatientMix {
  readonly patients: number;
  readonly chronic: number;
  readonly inactive: number;
  readonly newPatients: number;
  readonly emailOnly: number;
  readonly landlineOnly: number;
  readonly landlineEmail: number;
  /** Patients with a mobile who already opted out of SMS. */
  readonly optedOutSms: number;
  /** Share of Spanish speakers. */
  readonly spanishShare: number;
  /** Patients whose record has an address but no time zone (the engine then uses the practice's zone). */
  readonly noTimeZone: number;
  /** Two patients (a parent and a teenager) share one mobile number. */
  readonly sharedFamilyNumber: boolean;
  /**
   * Languages of the first patients (`<key>-patient-001`, ...), who are always ordinary, reachable
   * patients living near the practice with an in-person visit booked in 2 to 5 days: the ones a demo or a
   * browser test opens, whatever the seed.
   */
  readonly featured: readonly ('en' | 'es')[];
}

/** Everything decided about one patient before resources are built. */
export interface PatientProfile {
  readonly id: string;
  readonly index: number;
  readonly pattern: VisitPattern;
  readonly contact: ContactKind;
  readonly language: 'en' | 'es';
  readonly region: Region;
  readonly hasTimeZone: boolean;
  readonly optedOut: boolean;
  readonly gender: 'female' | 'male' | 'other';
  readonly birthDate: string;
  readonly given: string;
  readonly family: string;
  /** The clinician the patient usually sees. */
  readonly clinicianId: string;
  /** Mobile number in E.164, when the patient has one. */
  readonly mobile?: string;
  /** True for the teenager who uses the parent's mobile. */
  readonly sharesNumber: boolean;
  /** One of the featured patients (see PatientMix.featured). */
  readonly featured: boolean;
}

/** Generated patients and their chart extras. */
export interface GeneratedPatients {
  readonly profiles: readonly PatientProfile[];
  readonly patients: readonly Patient[];
  readonly conditions: readonly Condition[];
  readonly consents: readonly Consent[];
}

const CHRONIC_CONDITIONS = [
  { code: '44054006', display: 'Diabetes mellitus type 2' },
  { code: '38341003', display: 'Hypertensive disorder' },
  { code: '13645005', display: 'Chronic obstructive lung disease' },
  { code: '84114007', display: 'Heart failure' },
  { code: '195967001', display: 'Asthma' },
] as const;

const BCP47 = 'urn:ietf:bcp:47';

function ascii(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();
}

/** A national-format spelling some EHRs store ("(312) 555-0142"); the engine normalises it. */
function nationalFormat(e164: string): string {
  const n = e164.slice(2);
  return `(${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`;
}

function takeGroups<T extends string>(
  rng: Random,
  count: number,
  groups: readonly (readonly [T, number])[],
  rest: T,
): T[] {
  const order = rng.shuffle(Array.from({ length: count }, (_, i) => i));
  const out = Array.from({ length: count }, () => rest);
  let at = 0;
  for (const [group, size] of groups) {
    for (let k = 0; k < size && at < count; k++, at++) {
      out[order[at] as number] = group;
    }
  }
  return out;
}

/** Puts `value` at `index` by swapping with a later holder of it, so group sizes stay exact. */
function ensureAt<T>(items: T[], index: number, value: T, from: number): void {
  if (items[index] === value) return;
  const j = items.findIndex((v, k) => k >= from && v === value);
  if (j >= 0) {
    items[j] = items[index] as T;
  }
  items[index] = value;
}

function birthDateFor(rng: Random, now: DateTime, minAge: number, maxAge: number): string {
  const age = rng.int(minAge, maxAge);
  return now.minus({ years: age, days: rng.int(1, 360) }).toISODate() as string;
}

function adultAge(rng: Random): [number, number] {
  switch (rng.weighted({ young: 25, middle: 25, screening: 38, older: 12 })) {
    case 'young':
      return [18, 34];
    case 'middle':
      return [35, 49];
    case 'screening':
      return [50, 75];
    default:
      return [76, 92];
  }
}

/** Decides every patient of the practice (ids `<key>-patient-001`, ...). */
export function patientProfiles(
  rng: Random,
  spec: PracticeSpec,
  mix: PatientMix,
  now: DateTime,
  numbers: NumberPool,
): PatientProfile[] {
  const n = mix.patients;
  const patterns = takeGroups<VisitPattern>(
    rng,
    n,
    [
      ['chronic', mix.chronic],
      ['inactive', mix.inactive],
      ['new', mix.newPatients],
    ],
    'regular',
  );
  const contacts = takeGroups<ContactKind>(
    rng,
    n,
    [
      ['email-only', mix.emailOnly],
      ['landline-only', mix.landlineOnly],
      ['landline-email', mix.landlineEmail],
    ],
    'mobile',
  ).map((c): ContactKind =>
    c === 'mobile' ? rng.weighted({ mobile: 35, 'mobile-email': 50, 'mobile-landline': 15 }) : c,
  );
  const languages = takeGroups<'en' | 'es'>(rng, n, [['es', Math.round(n * mix.spanishShare)]], 'en');
  const regions = Array.from(
    { length: n },
    () => REGIONS[rng.weighted(spec.regionWeights as Record<RegionCode, number>)],
  );
  const featured = mix.featured.length;
  for (const [i, language] of mix.featured.entries()) {
    ensureAt(patterns, i, 'regular', featured);
    ensureAt(contacts, i, 'mobile-email', featured);
    ensureAt(languages, i, language, featured);
    regions[i] = REGIONS[spec.homeRegion];
  }
  // Patients without a zone on record live near the practice, where the practice's zone is right.
  const local = rng.shuffle(
    Array.from({ length: n }, (_, i) => i).filter(
      (i) => i >= featured && regions[i]?.timeZone === spec.timeZone,
    ),
  );
  const noZone = new Set(local.slice(0, mix.noTimeZone));
  const withMobile = rng.shuffle(
    Array.from({ length: n }, (_, i) => i).filter(
      (i) => i >= featured && (contacts[i] ?? '').startsWith('mobile'),
    ),
  );
  const optedOut = new Set(withMobile.slice(0, mix.optedOutSms));
  // The family that shares a number: a parent with a mobile who has not opted out, and a teenager.
  const parent = mix.sharedFamilyNumber
    ? withMobile.find((i) => !optedOut.has(i) && patterns[i] === 'regular')
    : undefined;
  const teen = mix.sharedFamilyNumber
    ? withMobile.find((i) => i !== parent && !optedOut.has(i) && patterns[i] === 'regular')
    : undefined;

  const profiles: PatientProfile[] = [];
  for (let i = 0; i < n; i++) {
    const language = languages[i] ?? 'en';
    const hispanic = language === 'es' || rng.chance(0.2);
    const background = hispanic ? 'hispanic' : 'english';
    const gender = rng.weighted({ female: 52, male: 46, other: 2 });
    const nameSex = gender === 'other' ? rng.pick(['female', 'male'] as const) : gender;
    const region = regions[i] as Region;
    const [minAge, maxAge] = i === teen ? [14, 16] : adultAge(rng);
    const contact = contacts[i] as ContactKind;
    const mobile = contact.startsWith('mobile')
      ? numbers.take(rng.shuffle(region.areaCodes), rng.int(100, 199))
      : undefined;
    const clinicians = spec.clinicians.filter((c) => language === 'en' || c.speaksSpanish);
    profiles.push({
      id: `${spec.key}-patient-${String(i + 1).padStart(3, '0')}`,
      index: i,
      pattern: patterns[i] as VisitPattern,
      contact,
      language,
      region,
      hasTimeZone: !noZone.has(i),
      optedOut: optedOut.has(i),
      gender,
      birthDate: birthDateFor(rng, now, minAge, maxAge),
      given: rng.pick(GIVEN_NAMES[background][nameSex]),
      family: rng.pick(FAMILY_NAMES[background]),
      clinicianId: rng.pick(clinicians.length > 0 ? clinicians : spec.clinicians).id,
      ...(mobile ? { mobile } : {}),
      sharesNumber: i === teen,
      featured: i < featured,
    });
  }
  // The teenager takes the parent's family name, address region and mobile number.
  if (parent !== undefined && teen !== undefined) {
    const p = profiles[parent] as PatientProfile;
    const t = profiles[teen] as PatientProfile;
    profiles[teen] = {
      ...t,
      family: p.family,
      region: p.region,
      hasTimeZone: p.hasTimeZone,
      language: p.language,
      ...(p.mobile ? { mobile: p.mobile } : {}),
    };
  }
  return profiles;
}

function communication(rng: Random, language: 'en' | 'es'): Patient['communication'] {
  if (language === 'es') {
    // EHRs record Spanish in several ways; the engine reads each of them.
    return [
      rng.pick([
        {
          language: { coding: [{ system: BCP47, code: 'es', display: 'Spanish' }], text: 'Spanish' },
          preferred: true,
        },
        {
          language: { coding: [{ system: BCP47, code: 'es-MX', display: 'Spanish (Mexico)' }] },
          preferred: true,
        },
        { language: { text: 'Español' }, preferred: true },
      ]),
    ];
  }
  // Many charts leave language empty; the practice default (English) applies.
  return rng.chance(0.7)
    ? [
        {
          language: { coding: [{ system: BCP47, code: 'en-US', display: 'English (United States)' }] },
          preferred: true,
        },
      ]
    : undefined;
}

/** Builds the Patient, chronic Conditions and Consents of every profile. */
export function buildPatients(
  rng: Random,
  spec: PracticeSpec,
  profiles: readonly PatientProfile[],
  now: DateTime,
  numbers: NumberPool,
  addresses: Map<string, Patient['address']>,
): GeneratedPatients {
  const patients: Patient[] = [];
  const conditions: Condition[] = [];
  const consents: Consent[] = [];
  const coordinator = spec.coordinators[0];
  for (const p of profiles) {
    const ref: Reference<Patient> = { reference: `Patient/${p.id}`, display: `${p.given} ${p.family}` };
    const email = `${ascii(p.given)}.${ascii(p.family)}${p.index + 1}@${rng.pick(['example.com', 'example.org', 'example.net'])}`;
    const phoneText = (e164: string): string => (rng.chance(0.15) ? nationalFormat(e164) : e164);
    const telecom: ContactPoint[] = [];
    if (p.mobile) {
      telecom.push({ system: 'phone', use: 'mobile', value: phoneText(p.mobile), rank: 1 });
    }
    if (p.contact === 'landline-only' || p.contact === 'landline-email' || p.contact === 'mobile-landline') {
      telecom.push({
        system: 'phone',
        use: 'home',
        value: phoneText(numbers.take(rng.shuffle(p.region.areaCodes), rng.int(100, 199))),
        rank: p.mobile ? 3 : 1,
      });
    }
    if (p.contact === 'mobile-email' || p.contact === 'email-only' || p.contact === 'landline-email') {
      telecom.push({ system: 'email', value: email, use: 'home', rank: 2 });
    }
    const town = rng.pick(p.region.towns);
    const address = (p.mobile ? addresses.get(p.mobile) : undefined) ?? [
      {
        use: 'home' as const,
        line: [`${rng.int(10, 9899)} ${rng.pick(STREETS)} ${rng.pick(STREET_KINDS)}`],
        city: town.city,
        state: p.region.state,
        postalCode: `${town.zip}${String(rng.int(1, 99)).padStart(2, '0')}`,
        country: 'US',
      },
    ];
    // A family on one number lives at one address.
    if (p.mobile && !addresses.has(p.mobile)) {
      addresses.set(p.mobile, address);
    }
    const chronic = p.pattern === 'chronic';
    const comm = communication(rng, p.language);
    patients.push({
      resourceType: 'Patient',
      id: p.id,
      meta: practiceMeta(
        spec,
        chronic ? [{ system: CS.cohort, code: 'chronic-care', display: 'Chronic care' }] : [],
      ),
      ...(p.hasTimeZone ? { extension: [{ url: EXT.timeZone, valueCode: p.region.timeZone }] } : {}),
      identifier: [
        {
          use: 'usual',
          type: MRN_TYPE,
          system: SANDBOX_IDENTIFIER.patient,
          value: `${spec.mrnPrefix}${String(100_001 + p.index)}`,
        },
      ],
      active: true,
      name: [{ use: 'official', given: [p.given], family: p.family }],
      telecom,
      gender: p.gender,
      birthDate: p.birthDate,
      address: address ?? [],
      ...(comm ? { communication: comm } : {}),
      generalPractitioner: [{ reference: `Practitioner/${p.clinicianId}` }],
      managingOrganization: { reference: `Organization/${spec.organizationId}`, display: spec.name },
    });
    if (chronic) {
      const picks = rng.shuffle(CHRONIC_CONDITIONS).slice(0, rng.int(1, 2));
      for (const [k, c] of picks.entries()) {
        const onset = now.minus({ years: rng.int(2, 12), days: rng.int(0, 300) }).toISODate() as string;
        conditions.push({
          resourceType: 'Condition',
          id: `${p.id}-condition-${k + 1}`,
          meta: practiceMeta(spec),
          identifier: [{ system: SANDBOX_IDENTIFIER.condition, value: `${p.id}-${c.code}` }],
          clinicalStatus: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
          },
          verificationStatus: {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' },
            ],
          },
          category: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/condition-category',
                  code: 'problem-list-item',
                },
              ],
            },
          ],
          code: {
            coding: [{ system: 'http://snomed.info/sct', code: c.code, display: c.display }],
            text: c.display,
          },
          subject: ref,
          onsetDateTime: onset,
          recordedDate: onset,
        });
      }
    }
    if (p.optedOut) {
      const byFrontDesk = rng.chance(0.5) && coordinator;
      const at = now.minus({ days: rng.int(20, 400), minutes: rng.int(0, 600) }).toUTC();
      consents.push(
        withIdAndMeta(
          buildConsent({
            patient: ref,
            channel: 'sms',
            decision: 'deny',
            source: byFrontDesk
              ? {
                  reference: `Practitioner/${coordinator.id}`,
                  display: `${coordinator.given} ${coordinator.family}`,
                }
              : ref,
            at: at.toISO({ suppressMilliseconds: true }) as string,
            reason: byFrontDesk
              ? 'asked the front desk to stop text messages'
              : 'opted out of texts on the patient portal',
            identifier: `sandbox:${ref.reference}:sms:deny`,
          }),
          `${p.id}-consent-sms-deny`,
          spec,
        ),
      );
    }
    // Half the lapsed patients with a mobile agreed to recall texts at intake, so reactivation (which needs
    // prior express consent) has someone to write to.
    if (p.pattern === 'inactive' && p.mobile && !p.optedOut && p.index % 2 === 0) {
      const at = now.minus({ months: 20, days: rng.int(0, 60) }).toUTC();
      consents.push(
        withIdAndMeta(
          buildConsent({
            patient: ref,
            channel: 'sms',
            decision: 'permit',
            purpose: 'reactivation',
            source: ref,
            at: at.toISO({ suppressMilliseconds: true }) as string,
            reason: 'agreed on the intake form to texts about coming back for care',
            identifier: `sandbox:${ref.reference}:sms:permit:reactivation`,
          }),
          `${p.id}-consent-reactivation`,
          spec,
        ),
      );
    }
  }
  // One email-only patient also asked for no email: they can be reached by nothing at all.
  const noEmail = profiles.find((p) => p.contact === 'email-only');
  if (noEmail) {
    const ref = { reference: `Patient/${noEmail.id}`, display: `${noEmail.given} ${noEmail.family}` };
    consents.push(
      withIdAndMeta(
        buildConsent({
          patient: ref,
          channel: 'email',
          decision: 'deny',
          source: ref,
          at: now.minus({ days: 90 }).toUTC().toISO({ suppressMilliseconds: true }) as string,
          reason: 'unsubscribed from practice emails',
          identifier: `sandbox:${ref.reference}:email:deny`,
        }),
        `${noEmail.id}-consent-email-deny`,
        spec,
      ),
    );
  }
  return { profiles, patients, conditions, consents };
}

/** The engine's Consent with the sandbox's id and meta, id first as a server would write it. */
function withIdAndMeta(consent: Consent, id: string, spec: PracticeSpec): Consent {
  const { resourceType, ...rest } = consent;
  return { resourceType, id, meta: practiceMeta(spec), ...rest };
}
