/**
 * The practice's own resources: the Organization with its time zone and the practice-settings extension the
 * bots read (src/fhir/practice.ts), its Locations, clinicians and coordinators (Practitioner plus
 * PractitionerRole), and one CareTeam per work queue, named in the settings' `queueOwners`.
 */

import type {
  Address,
  CareTeam,
  Location,
  Meta,
  Organization,
  Practitioner,
  PractitionerRole,
  Resource,
} from '@medplum/fhirtypes';
import { CS, EXT, type PracticeSettings } from '../../engine';
import { PRACTICE_SETTINGS_EXT } from '../../fhir/practice';
import { SANDBOX_IDENTIFIER, SYNTHETIC_TAG } from './identifiers';
import { QUEUE_CODES, QUEUE_NAMES, type PracticeSpec, type SpecAddress } from './practices';

/** `meta` of every resource that belongs to the practice: the coordinators' AccessPolicy finds it by `accounts`. */
export function practiceMeta(spec: PracticeSpec, extraTags: Meta['tag'] = []): Meta {
  return {
    accounts: [{ reference: `Organization/${spec.organizationId}`, display: spec.name }],
    tag: [{ ...SYNTHETIC_TAG }, ...(extraTags ?? [])],
  };
}

/** A FHIR Address from a spec address. */
export function toAddress(a: SpecAddress, use: Address['use'] = 'work'): Address {
  return { use, line: [a.line], city: a.city, state: a.state, postalCode: a.postalCode, country: 'US' };
}

/** The overrides the practice stores in its practice-settings extension. */
export function practiceSettingsOverrides(spec: PracticeSpec): Partial<PracticeSettings> {
  const site = spec.website;
  return {
    programName: `${spec.name} appointment and care messages`,
    links: {
      reschedule: `${site}/reschedule`,
      telehealth: `${site}/video`,
      forms: `${site}/forms`,
      payment: `${site}/pay`,
      review: `https://reviews.example.org/${spec.organizationId}`,
      booking: `${site}/book`,
      survey: `${site}/survey`,
    },
    disabledPurposes: ['billing'],
    queueOwners: Object.fromEntries(QUEUE_CODES.map((q) => [q, `CareTeam/${spec.queues[q]}`])),
  };
}

const HOURS: Location['hoursOfOperation'] = [
  { daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri'], openingTime: '08:00:00', closingTime: '17:00:00' },
];

function organization(spec: PracticeSpec): Organization {
  return {
    resourceType: 'Organization',
    id: spec.organizationId,
    meta: practiceMeta(spec),
    extension: [
      { url: EXT.timeZone, valueCode: spec.timeZone },
      { url: PRACTICE_SETTINGS_EXT, valueString: JSON.stringify(practiceSettingsOverrides(spec)) },
    ],
    identifier: [{ system: SANDBOX_IDENTIFIER.organization, value: spec.mrnPrefix }],
    active: true,
    type: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/organization-type',
            code: 'prov',
            display: 'Healthcare Provider',
          },
        ],
      },
    ],
    name: spec.name,
    telecom: [
      { system: 'phone', value: spec.phone, use: 'work' },
      { system: 'email', value: spec.email, use: 'work' },
      { system: 'url', value: spec.website, use: 'work' },
    ],
    address: [toAddress(spec.address)],
  };
}

function locations(spec: PracticeSpec): Location[] {
  return spec.locations.map((l) => ({
    resourceType: 'Location',
    id: l.id,
    meta: practiceMeta(spec),
    identifier: [{ system: SANDBOX_IDENTIFIER.location, value: l.id }],
    status: 'active',
    name: l.name,
    mode: 'instance',
    ...(l.virtual
      ? {
          description: 'Video visits; the link is sent before the visit.',
          telecom: [
            { system: 'phone', value: l.phone, use: 'work' },
            { system: 'url', value: `${spec.website}/video`, use: 'work' },
          ],
        }
      : {
          telecom: [{ system: 'phone', value: l.phone, use: 'work' }],
          ...(l.address ? { address: toAddress(l.address) } : {}),
          physicalType: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/location-physical-type',
                code: 'bu',
                display: 'Building',
              },
            ],
          },
        }),
    managingOrganization: { reference: `Organization/${spec.organizationId}`, display: spec.name },
    hoursOfOperation: HOURS,
  }));
}

const ROLE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/practitioner-role';
const FAMILY_PRACTICE = { system: 'http://snomed.info/sct', code: '419772000', display: 'Family practice' };
const SPANISH = { coding: [{ system: 'urn:ietf:bcp:47', code: 'es', display: 'Spanish' }] };
const ENGLISH = { coding: [{ system: 'urn:ietf:bcp:47', code: 'en', display: 'English' }] };

function staff(spec: PracticeSpec): Resource[] {
  const org = { reference: `Organization/${spec.organizationId}`, display: spec.name };
  const domain = new URL(spec.website).hostname;
  const out: Resource[] = [];
  for (const c of spec.clinicians) {
    const display = `${c.prefix ? `${c.prefix} ` : ''}${c.given} ${c.family}, ${c.suffix}`;
    const practitioner: Practitioner = {
      resourceType: 'Practitioner',
      id: c.id,
      meta: practiceMeta(spec),
      identifier: [{ system: SANDBOX_IDENTIFIER.practitioner, value: c.id }],
      active: true,
      name: [
        {
          use: 'official',
          ...(c.prefix ? { prefix: [c.prefix] } : {}),
          given: [c.given],
          family: c.family,
          suffix: [c.suffix],
        },
      ],
      telecom: [
        { system: 'phone', value: c.phone, use: 'work' },
        { system: 'email', value: `${c.family.toLowerCase()}@${domain}`, use: 'work' },
      ],
      gender: c.gender,
      qualification: [{ code: { text: c.suffix } }],
      communication: c.speaksSpanish ? [ENGLISH, SPANISH] : [ENGLISH],
    };
    const role: PractitionerRole = {
      resourceType: 'PractitionerRole',
      id: c.roleId,
      meta: practiceMeta(spec),
      active: true,
      practitioner: { reference: `Practitioner/${c.id}`, display },
      organization: org,
      code: [{ coding: [{ system: ROLE_SYSTEM, code: c.role }] }],
      specialty: [{ coding: [FAMILY_PRACTICE] }],
      location: [{ reference: `Location/${c.locationId}` }],
      telecom: [{ system: 'phone', value: c.phone, use: 'work' }],
    };
    out.push(practitioner, role);
  }
  for (const c of spec.coordinators) {
    const practitioner: Practitioner = {
      resourceType: 'Practitioner',
      id: c.id,
      meta: practiceMeta(spec),
      identifier: [{ system: SANDBOX_IDENTIFIER.practitioner, value: c.id }],
      active: true,
      name: [{ use: 'official', given: [c.given], family: c.family }],
      telecom: [
        { system: 'phone', value: c.phone, use: 'work' },
        { system: 'email', value: c.email, use: 'work' },
      ],
      gender: c.gender,
    };
    const role: PractitionerRole = {
      resourceType: 'PractitionerRole',
      id: c.roleId,
      meta: practiceMeta(spec),
      active: true,
      practitioner: { reference: `Practitioner/${c.id}`, display: `${c.given} ${c.family}` },
      organization: org,
      code: [{ text: 'Care coordinator' }],
      location: spec.locations.filter((l) => !l.virtual).map((l) => ({ reference: `Location/${l.id}` })),
      telecom: [
        { system: 'phone', value: c.phone, use: 'work' },
        { system: 'email', value: c.email, use: 'work' },
      ],
    };
    out.push(practitioner, role);
  }
  return out;
}

function careTeams(spec: PracticeSpec): CareTeam[] {
  const org = { reference: `Organization/${spec.organizationId}`, display: spec.name };
  return QUEUE_CODES.map((code) => ({
    resourceType: 'CareTeam',
    id: spec.queues[code],
    meta: practiceMeta(spec),
    status: 'active',
    category: [{ coding: [{ system: CS.queue, code, display: QUEUE_NAMES[code] }] }],
    name: `${spec.name}: ${QUEUE_NAMES[code]}`,
    managingOrganization: [org],
    // Every coordinator works every queue in the sandbox; a real practice splits them.
    participant: spec.coordinators.map((c) => ({
      role: [{ text: 'Care coordinator' }],
      member: { reference: `Practitioner/${c.id}`, display: `${c.given} ${c.family}` },
      onBehalfOf: org,
    })),
  }));
}

/** The practice's Organization, Locations, staff and queue CareTeams, in that order. */
export function practiceResources(spec: PracticeSpec): Resource[] {
  return [organization(spec), ...locations(spec), ...staff(spec), ...careTeams(spec)];
}
