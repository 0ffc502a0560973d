/**
 * Small readers for FHIR extensions. Definitions come from practices and editors, so every reader
 * tolerates absent or oddly shaped input and leaves the judgement to the caller.
 */

import type { Extension } from '@medplum/fhirtypes';

/** Anything that can carry extensions. */
export interface HasExtensions {
  readonly extension?: readonly Extension[];
}

/** All extensions with this URL. */
export function extensionsOf(holder: HasExtensions | undefined, url: string): Extension[] {
  return (holder?.extension ?? []).filter((e) => e.url === url);
}

/** The single extension with this URL, or undefined. */
export function extensionOf(holder: HasExtensions | undefined, url: string): Extension | undefined {
  return holder?.extension?.find((e) => e.url === url);
}
