/**
 * Who a bearer token is on each FHIR base. On the Medplum base (`/fhir/R4`): service tokens (bots, the
 * dev client) see everything; a practitioner's login (a Medplum-side token, or the EHR's token when the
 * app runs in "same-token" mode) gets the coordinator AccessPolicy bound to the Organization of their
 * PractitionerRole. On the EHR base (`/ehr/fhir`): the token's SMART scopes.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessPolicy } from '@medplum/fhirtypes';
import { DEFAULT_LIBRARY_ROOT } from '../../fhir/library';
import { practitionerOrganization } from '../ehr/directory';
import { bindAccessPolicy, policyRule, type AccessRule } from '../fhir/access';
import { unauthorizedResponse, type FhirAuthorization } from '../fhir/api';
import type { SandboxStore } from '../fhir/store';
import { scopeRule } from './scopes';
import type { TokenService, VerifiedToken } from './tokens';

/** The coordinators' AccessPolicy as deployed (fhir-resources/bots/access-policies). */
export function coordinatorPolicy(root: string = DEFAULT_LIBRARY_ROOT): AccessPolicy {
  const file = join(root, 'bots', 'access-policies', 'careloop-coordinator.json');
  return JSON.parse(readFileSync(file, 'utf8')) as AccessPolicy;
}

/** An organization reference nobody belongs to: a practitioner without a PractitionerRole sees no practice data. */
const NO_ORGANIZATION = 'Organization/none';

/** The bound coordinator policy of a practitioner. */
export async function practitionerPolicy(
  store: SandboxStore,
  policy: AccessPolicy,
  practitioner: string,
): Promise<{ policy: AccessPolicy; organization?: string }> {
  const organization = await practitionerOrganization(store, practitioner);
  return { policy: bindAccessPolicy(policy, organization ?? NO_ORGANIZATION), organization };
}

/** The Medplum-side rule of a verified token (undefined = full access). */
export async function medplumRule(
  store: SandboxStore,
  policy: AccessPolicy,
  token: VerifiedToken,
): Promise<AccessRule | undefined> {
  if (token.kind === 'service') return undefined;
  const bound = await practitionerPolicy(store, policy, token.profile);
  return policyRule(bound.policy, { reference: token.profile });
}

/** The authorizer of the Medplum base. */
export function medplumAuthorizer(
  tokens: TokenService,
  store: SandboxStore,
  policy: AccessPolicy,
): (request: Request) => Promise<FhirAuthorization> {
  return async (request) => {
    const token = tokens.fromRequest(request);
    if (!token) return unauthorizedResponse('a valid Bearer token is required');
    if (token.kind !== 'service' && !token.profile.startsWith('Practitioner/')) {
      return unauthorizedResponse('this token is not for a practitioner or a service');
    }
    return { rule: await medplumRule(store, policy, token) };
  };
}

/** The authorizer of the EHR base: SMART scopes; Medplum-side logins are for the other base. */
export function ehrAuthorizer(tokens: TokenService): (request: Request) => Promise<FhirAuthorization> {
  return async (request) => {
    const token = tokens.fromRequest(request);
    if (!token) return unauthorizedResponse('a valid Bearer token is required');
    if (token.kind === 'medplum')
      return unauthorizedResponse('this token is for the Medplum base, not the EHR');
    const scope =
      token.kind === 'service' && !/(^|\s)system\//.test(token.scope) ? 'system/*.cruds' : token.scope;
    return { rule: scopeRule(scope, token.patient, token.profile) };
  };
}
