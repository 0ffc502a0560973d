/**
 * Who may do what through a FHIR base. A rule answers three questions: may this interaction run on this
 * type at all, may it touch this resource, and which extra filters narrow a search. Service tokens (bots,
 * the dev client) get no rule; a coordinator gets their AccessPolicy with `%current_organization` bound;
 * SMART tokens on the EHR base get their scopes (src/sandbox/smart/scopeAccess.ts).
 */

import {
  accessPolicySupportsInteraction,
  parseSearchRequest,
  satisfiedAccessPolicy,
  type AccessPolicyInteraction,
  type Filter,
} from '@medplum/core';
import type { AccessPolicy, Reference, Resource, ResourceType } from '@medplum/fhirtypes';

/** An access rule for one request. */
export interface AccessRule {
  /** Whether `interaction` on `resourceType` is allowed at all (false → 403). */
  allowsType(resourceType: string, interaction: AccessPolicyInteraction): boolean;
  /** Whether `interaction` on this resource is allowed (false → read 404, write 403). */
  allowsResource(resource: Resource, interaction: AccessPolicyInteraction): boolean;
  /** Filters ANDed to a search of `resourceType`. */
  searchFilters(resourceType: string): Filter[];
  /** Accounts stamped on a resource this caller creates without any (the caller's compartment). */
  readonly defaultAccounts?: readonly Reference[];
  /** The profile acting, for `meta.author`. */
  readonly author?: Reference;
}

/**
 * Binds an AccessPolicy's parameters: `%current_organization` becomes `Organization/<id>` and
 * `%current_organization.id` the bare id, as Medplum does for a ProjectMembership's `access` parameters.
 */
export function bindAccessPolicy(policy: AccessPolicy, organization: string): AccessPolicy {
  const id = organization.split('/')[1] ?? organization;
  const text = JSON.stringify(policy)
    .replaceAll('%current_organization.id', id)
    .replaceAll('%current_organization', organization);
  return JSON.parse(text) as AccessPolicy;
}

/** The rule of an AccessPolicy (already bound). */
export function policyRule(policy: AccessPolicy, author?: Reference): AccessRule {
  const compartment = policy.compartment?.reference;
  return {
    allowsType: (resourceType, interaction) =>
      accessPolicySupportsInteraction(policy, interaction, resourceType as ResourceType),
    allowsResource: (resource, interaction) => Boolean(satisfiedAccessPolicy(resource, interaction, policy)),
    searchFilters: (resourceType) => {
      const entry = policy.resource?.find((r) => r.resourceType === resourceType && r.criteria);
      return entry?.criteria ? (parseSearchRequest(entry.criteria).filters ?? []) : [];
    },
    defaultAccounts: compartment ? [{ reference: compartment }] : undefined,
    author,
  };
}
