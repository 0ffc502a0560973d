/**
 * The two synthetic practices: Lakeside Family Clinic (the main one, Chicago) and Riverbend Health Center
 * (a small one in Denver, there to show that a coordinator sees only their organization's work). Their ids
 * are fixed, whatever the seed, so the other sandbox parts can name them.
 */

import type { RegionCode } from './regions';

/** A street address. */
export interface SpecAddress {
  readonly line: string;
  readonly city: string;
  readonly state: string;
  readonly postalCode: string;
}

/** A clinic site; `virtual` is the telehealth "location" video visits are booked at. */
export interface LocationSpec {
  readonly id: string;
  readonly name: string;
  readonly phone: string;
  readonly address?: SpecAddress;
  readonly virtual?: boolean;
}

/** A clinician who sees patients. */
export interface ClinicianSpec {
  readonly id: string;
  readonly roleId: string;
  readonly prefix?: string;
  readonly given: string;
  readonly family: string;
  readonly suffix: string;
  readonly gender: 'female' | 'male';
  readonly role: 'doctor' | 'nurse';
  readonly phone: string;
  /** Where they usually work (the first physical location when absent). */
  readonly locationId: string;
  readonly speaksSpanish: boolean;
}

/** A care coordinator who works the practice's queues. */
export interface CoordinatorSpec {
  readonly id: string;
  readonly roleId: string;
  readonly given: string;
  readonly family: string;
  readonly gender: 'female' | 'male';
  readonly phone: string;
  readonly email: string;
}

/** The work-queue codes of `CodeSystem/work-queue`, each owned by one CareTeam. */
export const QUEUE_CODES = [
  'access',
  'front-office',
  'care-coordination',
  'clinical-triage',
  'billing',
] as const;

/** A work-queue code. */
export type QueueCode = (typeof QUEUE_CODES)[number];

/** Display names of the queues, as in fhir-resources/code-systems/work-queue.json. */
export const QUEUE_NAMES: Readonly<Record<QueueCode, string>> = {
  access: 'Patient access',
  'front-office': 'Front office',
  'care-coordination': 'Care coordination',
  'clinical-triage': 'Clinical triage',
  billing: 'Billing',
};

/** Everything fixed about one practice. */
export interface PracticeSpec {
  /** Short key used in ids and MRNs. */
  readonly key: string;
  readonly mrnPrefix: string;
  readonly organizationId: string;
  readonly name: string;
  readonly phone: string;
  readonly email: string;
  readonly website: string;
  readonly address: SpecAddress;
  readonly timeZone: string;
  readonly locations: readonly LocationSpec[];
  readonly clinicians: readonly ClinicianSpec[];
  readonly coordinators: readonly CoordinatorSpec[];
  /** CareTeam id owning each queue. */
  readonly queues: Readonly<Record<QueueCode, string>>;
  /** The region the practice is in (its featured patients live there). */
  readonly homeRegion: RegionCode;
  /** Where its patients live, by weight. */
  readonly regionWeights: Readonly<Partial<Record<RegionCode, number>>>;
}

function queueIds(key: string): Record<QueueCode, string> {
  return Object.fromEntries(QUEUE_CODES.map((q) => [q, `${key}-queue-${q}`])) as Record<QueueCode, string>;
}

/** Lakeside Family Clinic, Chicago: the practice the sandbox opens on. */
export const LAKESIDE: PracticeSpec = {
  key: 'lakeside',
  mrnPrefix: 'LFC',
  organizationId: 'lakeside-family-clinic',
  name: 'Lakeside Family Clinic',
  phone: '+13125550100',
  email: 'frontdesk@lakeside-family.example.com',
  website: 'https://lakeside-family.example.com',
  address: { line: '100 Lakeside Ave', city: 'Chicago', state: 'IL', postalCode: '60601' },
  timeZone: 'America/Chicago',
  locations: [
    {
      id: 'lakeside-loc-downtown',
      name: 'Lakeside Family Clinic - Downtown',
      phone: '+13125550101',
      address: { line: '100 Lakeside Ave', city: 'Chicago', state: 'IL', postalCode: '60601' },
    },
    {
      id: 'lakeside-loc-northside',
      name: 'Lakeside Family Clinic - North Side',
      phone: '+13125550102',
      address: { line: '2400 W Maple Ave', city: 'Chicago', state: 'IL', postalCode: '60625' },
    },
    { id: 'lakeside-loc-virtual', name: 'Lakeside Virtual Care', phone: '+13125550103', virtual: true },
  ],
  clinicians: [
    {
      id: 'lakeside-dr-okafor',
      roleId: 'lakeside-role-okafor',
      prefix: 'Dr.',
      given: 'Miriam',
      family: 'Okafor',
      suffix: 'MD',
      gender: 'female',
      role: 'doctor',
      phone: '+13125550110',
      locationId: 'lakeside-loc-downtown',
      speaksSpanish: false,
    },
    {
      id: 'lakeside-dr-salcedo',
      roleId: 'lakeside-role-salcedo',
      prefix: 'Dr.',
      given: 'Andrés',
      family: 'Salcedo',
      suffix: 'MD',
      gender: 'male',
      role: 'doctor',
      phone: '+13125550111',
      locationId: 'lakeside-loc-downtown',
      speaksSpanish: true,
    },
    {
      id: 'lakeside-dr-whitlow',
      roleId: 'lakeside-role-whitlow',
      prefix: 'Dr.',
      given: 'Helen',
      family: 'Whitlow',
      suffix: 'DO',
      gender: 'female',
      role: 'doctor',
      phone: '+13125550112',
      locationId: 'lakeside-loc-northside',
      speaksSpanish: false,
    },
    {
      id: 'lakeside-np-brandt',
      roleId: 'lakeside-role-brandt',
      given: 'Jonah',
      family: 'Brandt',
      suffix: 'NP',
      gender: 'male',
      role: 'nurse',
      phone: '+13125550113',
      locationId: 'lakeside-loc-northside',
      speaksSpanish: false,
    },
    {
      id: 'lakeside-np-ocampo',
      roleId: 'lakeside-role-ocampo',
      given: 'Teresa',
      family: 'Ocampo',
      suffix: 'NP',
      gender: 'female',
      role: 'nurse',
      phone: '+13125550114',
      locationId: 'lakeside-loc-downtown',
      speaksSpanish: true,
    },
  ],
  coordinators: [
    {
      id: 'lakeside-coordinator-dana',
      roleId: 'lakeside-role-coordinator-dana',
      given: 'Dana',
      family: 'Whitfield',
      gender: 'female',
      phone: '+13125550120',
      email: 'dana@lakeside-family.example.com',
    },
    {
      id: 'lakeside-coordinator-luis',
      roleId: 'lakeside-role-coordinator-luis',
      given: 'Luis',
      family: 'Arriaga',
      gender: 'male',
      phone: '+13125550121',
      email: 'luis@lakeside-family.example.com',
    },
  ],
  queues: queueIds('lakeside'),
  homeRegion: 'IL',
  regionWeights: { IL: 60, NY: 8, FL: 8, CO: 7, AZ: 7, CA: 10 },
};

/** Riverbend Health Center, Denver: a second, small practice with its own coordinator and queues. */
export const RIVERBEND: PracticeSpec = {
  key: 'riverbend',
  mrnPrefix: 'RHC',
  organizationId: 'riverbend-health-center',
  name: 'Riverbend Health Center',
  phone: '+17205550100',
  email: 'hello@riverbend-health.example.org',
  website: 'https://riverbend-health.example.org',
  address: { line: '50 Riverbend Way', city: 'Denver', state: 'CO', postalCode: '80202' },
  timeZone: 'America/Denver',
  locations: [
    {
      id: 'riverbend-loc-main',
      name: 'Riverbend Health Center',
      phone: '+17205550101',
      address: { line: '50 Riverbend Way', city: 'Denver', state: 'CO', postalCode: '80202' },
    },
  ],
  clinicians: [
    {
      id: 'riverbend-dr-lindqvist',
      roleId: 'riverbend-role-lindqvist',
      prefix: 'Dr.',
      given: 'Astrid',
      family: 'Lindqvist',
      suffix: 'MD',
      gender: 'female',
      role: 'doctor',
      phone: '+17205550110',
      locationId: 'riverbend-loc-main',
      speaksSpanish: false,
    },
    {
      id: 'riverbend-pa-moreno',
      roleId: 'riverbend-role-moreno',
      given: 'Elías',
      family: 'Moreno',
      suffix: 'PA-C',
      gender: 'male',
      role: 'nurse',
      phone: '+17205550111',
      locationId: 'riverbend-loc-main',
      speaksSpanish: true,
    },
  ],
  coordinators: [
    {
      id: 'riverbend-coordinator-sam',
      roleId: 'riverbend-role-coordinator-sam',
      given: 'Sam',
      family: 'Kettering',
      gender: 'male',
      phone: '+17205550120',
      email: 'sam@riverbend-health.example.org',
    },
  ],
  queues: queueIds('riverbend'),
  homeRegion: 'CO',
  regionWeights: { CO: 9, AZ: 1 },
};

/** Every fictional number the practices use, so no patient is given one. */
export function practiceNumbers(spec: PracticeSpec): string[] {
  return [
    spec.phone,
    ...spec.locations.map((l) => l.phone),
    ...spec.clinicians.map((c) => c.phone),
    ...spec.coordinators.map((c) => c.phone),
  ];
}
