/**
 * The workflow library: the deployable FHIR content in `fhir-resources/` (workflow definitions,
 * questionnaires, code systems and value sets; see fhir-resources/README.md), read from disk and turned
 * into one idempotent transaction Bundle for a Medplum project.
 *
 * Node only: `loadLibraryResources` reads the file system, so this module is for scripts, tests and the
 * sandbox. The browser app and the bots read the deployed resources from Medplum instead.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActivityDefinition, Bundle, BundleEntry, PlanDefinition, Resource } from '@medplum/fhirtypes';
import { loadWorkflow } from '../engine/workflow/loadWorkflow';
import type { WorkflowDefinition } from '../engine/workflow/types';

/** Folders of `fhir-resources/` that hold the library (other folders are deployed by their owners). */
export const LIBRARY_FOLDERS: readonly string[] = [
  'workflows',
  'questionnaires',
  'code-systems',
  'value-sets',
  'measures',
];

/** `fhir-resources/` of this repository. */
export const DEFAULT_LIBRARY_ROOT: string = fileURLToPath(new URL('../../fhir-resources/', import.meta.url));

/** Deploy order: what others refer to goes first (canonical references do not require it, readers like it). */
const TYPE_ORDER: readonly string[] = [
  'CodeSystem',
  'ValueSet',
  'Questionnaire',
  'ActivityDefinition',
  'PlanDefinition',
];

/** A resource type that carries a canonical `url` (every library resource does). */
type CanonicalResource = Resource & { url?: string };

/** A workflow of the library: its PlanDefinition and the ActivityDefinitions its actions point to. */
export interface LibraryWorkflow {
  readonly plan: PlanDefinition;
  readonly activities: readonly ActivityDefinition[];
}

function jsonFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      return jsonFiles(path);
    }
    return name.endsWith('.json') ? [path] : [];
  });
}

function readResourceFile(path: string): Resource[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const resource = parsed as Partial<Resource> | null;
  if (typeof resource?.resourceType !== 'string') {
    throw new Error(`${path}: not a FHIR resource (no resourceType)`);
  }
  if (resource.resourceType === 'Bundle') {
    const bundle = resource as Bundle;
    if (bundle.type !== 'collection') {
      throw new Error(`${path}: a library Bundle must be of type collection, got "${bundle.type}"`);
    }
    return (bundle.entry ?? []).map((entry, i) => {
      if (!entry.resource?.resourceType) {
        throw new Error(`${path}: Bundle.entry[${i}] has no resource`);
      }
      return entry.resource;
    });
  }
  return [resource as Resource];
}

/**
 * Reads every JSON file in the library folders of `root` (default: this repository's `fhir-resources/`),
 * in a stable order, and returns the resources; a collection Bundle (one per workflow) is unwrapped into
 * its entries. Throws an Error naming the file when one is not JSON or not a FHIR resource.
 */
export function loadLibraryResources(
  root: string = DEFAULT_LIBRARY_ROOT,
  folders: readonly string[] = LIBRARY_FOLDERS,
): Resource[] {
  return folders.flatMap((folder) => jsonFiles(join(root, folder))).flatMap(readResourceFile);
}

/** The conditional-update URL that finds a canonical resource by its `url`: `PlanDefinition?url=...`. */
export function conditionalUrl(resource: Resource): string {
  const url = (resource as CanonicalResource).url;
  if (!url) {
    throw new Error(
      `${resource.resourceType}/${resource.id ?? '?'}: a library resource needs a canonical url`,
    );
  }
  return `${resource.resourceType}?url=${encodeURIComponent(url)}`;
}

/**
 * A `transaction` Bundle that upserts every resource by its canonical URL: `PUT Type?url=...` is a
 * conditional update, so the first deploy creates each resource and a redeploy updates it in place
 * (edits to a cadence or a message land; nothing is duplicated). The file `id` and any `meta` are left
 * out: the server assigns ids, and canonical references do not depend on them.
 * Throws when a resource has no `url` or two resources of one type share a `url`.
 */
export function libraryTransactionBundle(resources: readonly Resource[]): Bundle {
  const seen = new Set<string>();
  const rank = (r: Resource): number => {
    const i = TYPE_ORDER.indexOf(r.resourceType);
    return i === -1 ? TYPE_ORDER.length : i;
  };
  const ordered = resources
    .map((resource, index) => ({ resource, index }))
    .sort((a, b) => rank(a.resource) - rank(b.resource) || a.index - b.index)
    .map(({ resource }) => resource);
  const entry = ordered.map((resource): BundleEntry => {
    const url = conditionalUrl(resource);
    if (seen.has(url)) {
      throw new Error(`${url}: two library resources share this canonical url`);
    }
    seen.add(url);
    const body: Partial<Resource> = { ...resource };
    delete body.id;
    delete body.meta;
    return { resource: body as Resource, request: { method: 'PUT', url } };
  });
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

/** The canonical URL without a `|version` suffix. */
function baseCanonical(canonical: string): string {
  return canonical.split('|')[0] ?? canonical;
}

/**
 * Pairs every PlanDefinition in `resources` with the ActivityDefinitions its actions name in
 * `definitionCanonical` (matched by url, ignoring a `|version`), ready for `loadWorkflow`. A canonical
 * with no ActivityDefinition is left out here; `loadWorkflow` then reports it naming the action.
 */
export function libraryWorkflows(resources: readonly Resource[]): LibraryWorkflow[] {
  const activities = new Map<string, ActivityDefinition>();
  for (const r of resources) {
    if (r.resourceType === 'ActivityDefinition' && r.url) {
      activities.set(r.url, r);
    }
  }
  return resources
    .filter((r): r is PlanDefinition => r.resourceType === 'PlanDefinition')
    .map((plan) => ({
      plan,
      activities: (plan.action ?? []).flatMap((action) => {
        const found = action.definitionCanonical
          ? activities.get(baseCanonical(action.definitionCanonical))
          : undefined;
        return found ? [found] : [];
      }),
    }));
}

/**
 * Every workflow of the library read into the engine's model with `loadWorkflow`, in file order.
 * Throws the WorkflowDefinitionError of the first definition that breaks the profile.
 */
export function loadLibraryWorkflows(
  resources: readonly Resource[] = loadLibraryResources(),
): WorkflowDefinition[] {
  return libraryWorkflows(resources).map(({ plan, activities }) => loadWorkflow(plan, activities));
}
