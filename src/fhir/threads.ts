/**
 * Conversation threads in Medplum's chat model: one header Communication per patient (no `partOf`,
 * participants in `recipient`), and every message `partOf` it. Headers are found or created for a whole
 * page of patients at once.
 */

import type { MedplumClient } from '@medplum/core';
import type { Communication } from '@medplum/fhirtypes';
import { ID_SYSTEM } from '../engine';

/** The thread header identifier value for a patient. */
export function threadKey(patientRef: string): string {
  return `thread:${patientRef}`;
}

/** Finds or creates the thread header of each patient; returns patient reference → `Communication/<id>`. */
export async function ensureThreads(
  medplum: MedplumClient,
  patientRefs: readonly string[],
): Promise<Map<string, string>> {
  const refs = [...new Set(patientRefs)].filter((r) => r !== '');
  const out = new Map<string, string>();
  if (refs.length === 0) {
    return out;
  }
  const existing = await medplum.searchResources(
    'Communication',
    {
      identifier: refs.map((r) => `${ID_SYSTEM.thread}|${threadKey(r)}`).join(','),
      _count: String(refs.length * 2),
    },
    { cache: 'no-cache' },
  );
  for (const c of existing) {
    const ref = c.subject?.reference;
    if (ref && c.id) out.set(ref, `Communication/${c.id}`);
  }
  const missing = refs.filter((r) => !out.has(r));
  if (missing.length) {
    const result = await medplum.executeBatch({
      resourceType: 'Bundle',
      type: 'batch',
      entry: missing.map((ref) => {
        const header: Communication = {
          resourceType: 'Communication',
          identifier: [{ system: ID_SYSTEM.thread, value: threadKey(ref) }],
          status: 'in-progress',
          subject: { reference: ref as `Patient/${string}` },
          recipient: [{ reference: ref as `Patient/${string}` }],
          topic: { text: 'Careloop conversation' },
        };
        return {
          resource: header,
          request: {
            method: 'POST',
            url: 'Communication',
            ifNoneExist: `identifier=${encodeURIComponent(`${ID_SYSTEM.thread}|${threadKey(ref)}`)}`,
          },
        };
      }),
    });
    (result.entry ?? []).forEach((e, i) => {
      const ref = missing[i];
      if (ref && e.resource?.id) out.set(ref, `Communication/${e.resource.id}`);
    });
  }
  return out;
}
