import type { ActivityDefinition, PlanDefinition, Resource } from '@medplum/fhirtypes';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LIBRARY_FOLDERS,
  conditionalUrl,
  libraryTransactionBundle,
  libraryWorkflows,
  loadLibraryResources,
} from '../../src/fhir/library';
import { activities, plans, resources } from './helpers';

const dirs: string[] = [];
function tempLibrary(files: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'careloop-library-'));
  dirs.push(root);
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const activity = (name: string): ActivityDefinition => ({
  resourceType: 'ActivityDefinition',
  id: name,
  url: `https://careloop.health/fhir/ActivityDefinition/${name}`,
  status: 'active',
  kind: 'Task',
});

describe('loadLibraryResources', () => {
  it('reads the repository library: workflow Bundles unwrapped, standalone resources as they are', () => {
    expect(resources.some((r) => r.resourceType === 'Bundle')).toBe(false);
    const types = new Set(resources.map((r) => r.resourceType));
    expect([...types].sort()).toEqual([
      'ActivityDefinition',
      'CodeSystem',
      'Measure',
      'PlanDefinition',
      'Questionnaire',
      'ValueSet',
    ]);
  });

  it('reads nested folders in a stable order and ignores non-JSON files and other folders', () => {
    const root = tempLibrary({
      'workflows/b.json': {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: activity('b1') }, { resource: activity('b2') }],
      },
      'workflows/a.json': activity('a'),
      'code-systems/nested/c.json': activity('c'),
      'code-systems/notes.md': '# not a resource',
      'subscriptions/s.json': { resourceType: 'Subscription', status: 'active' },
    });
    expect(loadLibraryResources(root).map((r) => r.id)).toEqual(['a', 'b1', 'b2', 'c']);
    expect(loadLibraryResources(root, ['subscriptions']).map((r) => r.resourceType)).toEqual([
      'Subscription',
    ]);
    expect(LIBRARY_FOLDERS).toContain('workflows');
  });

  it('returns nothing for missing folders', () => {
    expect(loadLibraryResources(tempLibrary({}))).toEqual([]);
  });

  it('names the file when one is not JSON, not a resource, or a Bundle of the wrong type', () => {
    expect(() => loadLibraryResources(tempLibrary({ 'workflows/bad.json': '{ nope' }))).toThrow(
      /bad\.json: not valid JSON/,
    );
    expect(() => loadLibraryResources(tempLibrary({ 'workflows/x.json': { hello: 1 } }))).toThrow(
      /x\.json: not a FHIR resource/,
    );
    expect(() =>
      loadLibraryResources(
        tempLibrary({ 'workflows/t.json': { resourceType: 'Bundle', type: 'transaction' } }),
      ),
    ).toThrow(/t\.json: a library Bundle must be of type collection/);
    expect(() =>
      loadLibraryResources(
        tempLibrary({ 'workflows/e.json': { resourceType: 'Bundle', type: 'collection', entry: [{}] } }),
      ),
    ).toThrow(/e\.json: Bundle\.entry\[0\] has no resource/);
  });
});

describe('libraryTransactionBundle', () => {
  it('orders terminology and questionnaires before the definitions that use them', () => {
    const order: string[] =
      libraryTransactionBundle(resources).entry?.map((e) => e.resource?.resourceType ?? '') ?? [];
    const last = (type: string): number => order.lastIndexOf(type);
    const first = (type: string): number => order.indexOf(type);
    expect(last('CodeSystem')).toBeLessThan(first('ValueSet'));
    expect(last('ValueSet')).toBeLessThan(first('Questionnaire'));
    expect(last('Questionnaire')).toBeLessThan(first('ActivityDefinition'));
    expect(last('ActivityDefinition')).toBeLessThan(first('PlanDefinition'));
  });

  it('does not change the resources it is given', () => {
    const input = [activity('x')];
    libraryTransactionBundle(input);
    expect(input[0]?.id).toBe('x');
  });

  it('encodes the canonical url into the conditional update', () => {
    expect(conditionalUrl(activity('a b'))).toBe(
      'ActivityDefinition?url=https%3A%2F%2Fcareloop.health%2Ffhir%2FActivityDefinition%2Fa%20b',
    );
  });

  it('refuses a resource without a url and two resources with one url', () => {
    const noUrl = { resourceType: 'ActivityDefinition', id: 'n', status: 'active' } as Resource;
    expect(() => libraryTransactionBundle([noUrl])).toThrow(
      /ActivityDefinition\/n: a library resource needs a canonical url/,
    );
    expect(() => libraryTransactionBundle([activity('d'), activity('d')])).toThrow(
      /share this canonical url/,
    );
  });
});

describe('libraryWorkflows', () => {
  it('pairs each PlanDefinition with exactly the activities of its steps', () => {
    const workflows = libraryWorkflows(resources);
    expect(workflows).toHaveLength(plans.length);
    for (const { plan, activities: own } of workflows) {
      expect(own.map((a) => a.url)).toEqual((plan.action ?? []).map((a) => a.definitionCanonical));
    }
    expect(workflows.flatMap((w) => w.activities)).toHaveLength(activities.length);
  });

  it('matches a versioned canonical and skips one that is missing', () => {
    const a = activity('v');
    const plan: PlanDefinition = {
      resourceType: 'PlanDefinition',
      status: 'active',
      action: [
        { definitionCanonical: `${a.url}|1.0.0` },
        { definitionCanonical: 'https://example.org/none' },
      ],
    };
    expect(libraryWorkflows([plan, a])[0]?.activities).toEqual([a]);
  });
});
