/** Shared fixtures for the workflow-library tests: the library as loaded, and small readers over it. */

import type {
  ActivityDefinition,
  CodeSystem,
  Extension,
  PlanDefinition,
  Questionnaire,
  Resource,
  ValueSet,
} from '@medplum/fhirtypes';
import { EXT } from '../../src/engine/codes';
import { loadLibraryResources } from '../../src/fhir/library';

export { indexFhirDefinitions } from '../fixtures/fhirDefinitions';

/** Every resource in the library, as `loadLibraryResources` returns it. */
export const resources: readonly Resource[] = loadLibraryResources();

function ofType<T extends Resource>(type: T['resourceType']): T[] {
  return resources.filter((r): r is T => r.resourceType === type);
}

export const plans: readonly PlanDefinition[] = ofType<PlanDefinition>('PlanDefinition');
export const activities: readonly ActivityDefinition[] = ofType<ActivityDefinition>('ActivityDefinition');
export const questionnaires: readonly Questionnaire[] = ofType<Questionnaire>('Questionnaire');
export const codeSystems: readonly CodeSystem[] = ofType<CodeSystem>('CodeSystem');
export const valueSets: readonly ValueSet[] = ofType<ValueSet>('ValueSet');

/** The resource of this type with this canonical url (ignoring a `|version`), if the library has one. */
export function byUrl(type: string, canonical: string | undefined): Resource | undefined {
  const url = canonical?.split('|')[0];
  return resources.find((r) => r.resourceType === type && (r as { url?: string }).url === url);
}

/** Codes of a CodeSystem by its url (empty when the library lacks it). */
export function codesOf(system: string): Set<string> {
  const cs = codeSystems.find((c) => c.url === system);
  return new Set((cs?.concept ?? []).map((c) => c.code));
}

/** The sub-extension value of a complex extension. */
export function sub(ext: Extension, url: string): Extension | undefined {
  return ext.extension?.find((e) => e.url === url);
}

/** A message template as written in an ActivityDefinition. */
export interface RawTemplate {
  readonly activity: ActivityDefinition;
  readonly language: string;
  readonly channel?: string;
  readonly subject?: string;
  readonly body: string;
}

/** Every message template of every ActivityDefinition. */
export const templates: readonly RawTemplate[] = activities.flatMap((activity) =>
  (activity.extension ?? [])
    .filter((e) => e.url === EXT.messageTemplate)
    .map((e) => ({
      activity,
      language: sub(e, 'language')?.valueCode ?? '',
      channel: sub(e, 'channel')?.valueCode,
      subject: sub(e, 'subject')?.valueString,
      body: sub(e, 'body')?.valueString ?? '',
    })),
);

/** A branch acknowledgement as written in a PlanDefinition. */
export interface RawReply {
  readonly plan: PlanDefinition;
  readonly intent: string;
  readonly language: string;
  readonly body: string;
}

/** Every response-branch acknowledgement of every PlanDefinition. */
export const branchReplies: readonly RawReply[] = plans.flatMap((plan) =>
  (plan.extension ?? [])
    .filter((e) => e.url === EXT.responseBranch)
    .flatMap((branch) =>
      (branch.extension ?? [])
        .filter((e) => e.url === 'reply')
        .map((reply) => ({
          plan,
          intent: sub(branch, 'intent')?.valueCode ?? '',
          language: sub(reply, 'language')?.valueCode ?? '',
          body: sub(reply, 'body')?.valueString ?? '',
        })),
    ),
);

/** The PlanDefinition whose actions point at this ActivityDefinition. */
export function planOf(activity: ActivityDefinition): PlanDefinition | undefined {
  return plans.find((p) =>
    (p.action ?? []).some((a) => a.definitionCanonical?.split('|')[0] === activity.url),
  );
}
