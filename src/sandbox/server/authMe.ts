/**
 * `GET /auth/me`: what MedplumClient loads after a login or a token exchange (profile, project,
 * membership, config, access policy), in Medplum's shape, for the token's practitioner or service.
 */

import type { AccessPolicy, Resource } from '@medplum/fhirtypes';
import type { Route } from '../context';
import { SANDBOX_PROJECT } from '../fhir/compartments';
import type { SandboxStore } from '../fhir/store';
import { practitionerPolicy } from '../smart/fhirAccess';
import type { TokenService } from '../smart/tokens';
import { json, outcomeResponse } from './responses';

/** The `/auth/me` route. */
export function authMeRoutes(deps: {
  tokens: TokenService;
  store: SandboxStore;
  policy: AccessPolicy;
}): Route[] {
  return [
    {
      method: 'GET',
      path: '/auth/me',
      handle: async (request) => {
        const token = deps.tokens.fromRequest(request);
        if (!token) {
          return outcomeResponse(401, 'a valid Bearer token is required', { 'www-authenticate': 'Bearer' });
        }
        const [type, id] = token.profile.split('/');
        const stored = type && id ? deps.store.peek(type, id) : undefined;
        const profile: Resource =
          stored ??
          ({
            resourceType: type ?? 'ClientApplication',
            id: id ?? 'unknown',
            name: token.profile,
          } as Resource);
        let accessPolicy: AccessPolicy | undefined;
        let organization: string | undefined;
        if (token.kind !== 'service' && token.profile.startsWith('Practitioner/')) {
          const bound = await practitionerPolicy(deps.store, deps.policy, token.profile);
          accessPolicy = bound.policy;
          organization = bound.organization;
        }
        const projectId = SANDBOX_PROJECT.reference?.split('/')[1] ?? 'careloop-sandbox';
        return json({
          project: {
            resourceType: 'Project',
            id: projectId,
            name: 'Careloop sandbox',
            features: ['bots', 'cron', 'email'],
          },
          membership: {
            resourceType: 'ProjectMembership',
            id: `membership-${(id ?? 'unknown').replace(/[^A-Za-z0-9-]/g, '')}`,
            project: { reference: SANDBOX_PROJECT.reference },
            user: { reference: `User/${id ?? 'unknown'}` },
            profile: { reference: token.profile },
            admin: token.kind === 'service',
            ...(organization
              ? {
                  access: [
                    {
                      policy: { reference: 'AccessPolicy/careloop-coordinator' },
                      parameter: [
                        { name: 'current_organization', valueReference: { reference: organization } },
                      ],
                    },
                  ],
                }
              : {}),
          },
          profile,
          config: {
            resourceType: 'UserConfiguration',
            id: 'careloop-sandbox',
            name: 'Careloop sandbox',
            menu: [],
          },
          ...(accessPolicy ? { accessPolicy } : {}),
        });
      },
    },
  ];
}
