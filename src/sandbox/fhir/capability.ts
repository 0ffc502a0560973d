/**
 * The CapabilityStatement each FHIR base answers at `/metadata`: the resource types it serves with their
 * interactions and search parameters, and (SMART) the OAuth endpoints in the security extension.
 */

import { getResourceTypes, getSearchParameters } from '@medplum/core';
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';

/** What goes into the statement. */
export interface CapabilityOptions {
  readonly fhirBaseUrl: string;
  readonly name: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  /** Types served (default: every FHIR and Medplum type). */
  readonly resourceTypes?: readonly string[];
  /** Interactions per type (default: all). */
  readonly readOnly?: boolean;
  readonly now: Date;
}

/** Builds the statement. */
export function capabilityStatement(options: CapabilityOptions): CapabilityStatement {
  const types =
    options.resourceTypes ??
    (getResourceTypes() as string[]).filter((t) => t !== 'Resource' && t !== 'DomainResource');
  const interactions = options.readOnly
    ? (['read', 'vread', 'search-type', 'history-instance'] as const)
    : (['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'] as const);
  const resource: CapabilityStatementRestResource[] = [...types].sort().map((type) => ({
    type: type as CapabilityStatementRestResource['type'],
    interaction: interactions.map((code) => ({ code })),
    versioning: 'versioned',
    readHistory: true,
    updateCreate: !options.readOnly,
    conditionalCreate: !options.readOnly,
    conditionalUpdate: !options.readOnly,
    conditionalDelete: options.readOnly ? 'not-supported' : 'single',
    searchParam: Object.values(getSearchParameters(type) ?? {})
      .filter((p) => p.code && p.type)
      .map((p) => ({ name: p.code as string, type: p.type as 'string' })),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.now.toISOString(),
    kind: 'instance',
    name: options.name.replace(/[^A-Za-z0-9]/g, ''),
    title: options.name,
    publisher: 'Careloop sandbox',
    software: { name: 'Careloop sandbox (@medplum/fhir-router)', version: '0.1.0' },
    implementation: { description: options.name, url: options.fhirBaseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: {
          cors: true,
          service: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                  code: 'SMART-on-FHIR',
                },
              ],
            },
          ],
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: [
                { url: 'authorize', valueUri: options.authorizeUrl },
                { url: 'token', valueUri: options.tokenUrl },
              ],
            },
          ],
        },
        resource,
        interaction: options.readOnly ? [] : [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}
