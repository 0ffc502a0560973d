/**
 * SMART scopes, v2 (`patient/Appointment.rs`) and v1 (`user/*.read`), read into permissions, and the
 * AccessRule they give a token on the EHR base: only the EHR's types, patient-context scopes limited to
 * the launch patient's compartment. Practitioner, PractitionerRole, Location and Organization are the
 * EHR's directory: any valid EHR token may read them (the app names a visit's clinician and place).
 */

import { Operator, type AccessPolicyInteraction, type Filter } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { AccessRule } from '../fhir/access';
import { patientReferences } from '../fhir/compartments';

/** Resource types the EHR base exposes. */
export const EHR_TYPES: readonly string[] = [
  'Patient',
  'Appointment',
  'Practitioner',
  'PractitionerRole',
  'Location',
  'Organization',
];

/** Directory types every EHR token may read. */
const DIRECTORY_TYPES: ReadonlySet<string> = new Set([
  'Practitioner',
  'PractitionerRole',
  'Location',
  'Organization',
]);

/** One resource scope. */
export interface ResourceScope {
  readonly context: 'patient' | 'user' | 'system';
  readonly resourceType: string;
  /** c, r, u, d, s. */
  readonly permissions: ReadonlySet<string>;
}

/** The resource scopes in a scope string (launch, openid and the like are skipped). */
export function parseScopes(scope: string): ResourceScope[] {
  const out: ResourceScope[] = [];
  for (const s of scope.split(/\s+/)) {
    const m = /^(patient|user|system)\/([A-Za-z]+|\*)\.(read|write|\*|[cruds]+)(\?.*)?$/.exec(s);
    if (!m) continue;
    const [, context, resourceType, perms] = m as unknown as [
      string,
      ResourceScope['context'],
      string,
      string,
    ];
    const permissions = perms === 'read' ? 'rs' : perms === 'write' ? 'cud' : perms === '*' ? 'cruds' : perms;
    out.push({ context, resourceType, permissions: new Set(permissions.split('')) });
  }
  return out;
}

/** The scope letter an interaction needs. */
export function permissionFor(interaction: AccessPolicyInteraction): string {
  switch (interaction) {
    case 'create':
      return 'c';
    case 'update':
      return 'u';
    case 'delete':
      return 'd';
    case 'search':
      return 's';
    default:
      return 'r';
  }
}

/** Scopes granting `interaction` on `resourceType`, best (widest context) first. */
function granting(
  scopes: readonly ResourceScope[],
  resourceType: string,
  interaction: AccessPolicyInteraction,
): ResourceScope[] {
  const letter = permissionFor(interaction);
  return scopes
    .filter((s) => (s.resourceType === '*' || s.resourceType === resourceType) && s.permissions.has(letter))
    .sort((a, b) => (a.context === 'patient' ? 1 : 0) - (b.context === 'patient' ? 1 : 0));
}

/** The rule of an EHR-side token: `scope` with `patient` the launch patient id, `profile` its user. */
export function scopeRule(scope: string, patient: string | undefined, profile?: string): AccessRule {
  const scopes = parseScopes(scope);
  const isDirectoryRead = (type: string, interaction: AccessPolicyInteraction): boolean =>
    DIRECTORY_TYPES.has(type) &&
    interaction !== 'create' &&
    interaction !== 'update' &&
    interaction !== 'delete';
  const inPatient = (resource: Resource): boolean =>
    patient !== undefined && patientReferences(resource).includes(`Patient/${patient}`);
  return {
    allowsType: (type, interaction) =>
      EHR_TYPES.includes(type) &&
      (isDirectoryRead(type, interaction) || granting(scopes, type, interaction).length > 0),
    allowsResource: (resource, interaction) => {
      const type = resource.resourceType;
      if (!EHR_TYPES.includes(type)) return false;
      const best = granting(scopes, type, interaction)[0];
      if (best && best.context !== 'patient') return true;
      if (best) return inPatient(resource);
      return isDirectoryRead(type, interaction);
    },
    searchFilters: (type): Filter[] => {
      const best = granting(scopes, type, 'search')[0];
      if (!best || best.context !== 'patient') return [];
      const value = patient ?? 'none';
      if (type === 'Patient') return [{ code: '_id', operator: Operator.EQUALS, value }];
      if (type === 'Appointment')
        return [{ code: 'patient', operator: Operator.EQUALS, value: `Patient/${value}` }];
      return [];
    },
    author: profile ? { reference: profile } : undefined,
  };
}
