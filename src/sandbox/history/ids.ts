/**
 * Deterministic ids for the generated history: a resource with a Careloop identifier gets the uuid the
 * engine's `urnFor` gives that identifier (so the planned resources' `urn:uuid:` references become plain
 * `Type/id` references), everything else a name-based uuid of what it records. Provider ids look like
 * Twilio's (`SM` or `CA` and 32 hex digits) and are derived the same way.
 */

import { v5 as uuidv5 } from 'uuid';
import { ID_SYSTEM, urnFor } from '../../engine';
import { seededRandom, type Random } from '../practice';

// Namespace of the sandbox history's own names (distinct from the engine's).
const HISTORY_NAMESPACE = '0b7a4f62-93c1-4e58-a2d6-1f8e5c7b3a90';

/** The id a resource with this Careloop identifier gets: the engine's urn without `urn:uuid:`. */
export function idForIdentifier(system: keyof typeof ID_SYSTEM, value: string): string {
  return urnFor(system, value).slice('urn:uuid:'.length);
}

/** A stable uuid for a name (`thread:Patient/x`, `reply:<sid>`, `MeasureReport:<key>`). */
export function historyId(name: string): string {
  return uuidv5(name, HISTORY_NAMESPACE);
}

/** A Twilio-like provider id: `SM` (message) or `CA` (call) and 32 hex digits derived from `name`. */
export function providerSid(prefix: 'SM' | 'CA', name: string): string {
  return `${prefix}${historyId(`sid:${name}`).replaceAll('-', '')}`;
}

/** The Careloop identifier system (by key) and value of a resource, if it has one. */
export function careloopIdentifier(resource: {
  identifier?: { system?: string; value?: string }[];
}): { system: keyof typeof ID_SYSTEM; value: string } | undefined {
  for (const id of resource.identifier ?? []) {
    const system = (Object.keys(ID_SYSTEM) as (keyof typeof ID_SYSTEM)[]).find(
      (k) => ID_SYSTEM[k] === id.system,
    );
    if (system && id.value) {
      return { system, value: id.value };
    }
  }
  return undefined;
}

/**
 * A generator of its own for one named thing (an enrolment's patient, a message's delivery), so a change
 * elsewhere in the history does not reshuffle every later draw. FNV-1a of the name, mixed with the seed.
 */
export function randomFor(seed: number, name: string): Random {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return seededRandom(h);
}
