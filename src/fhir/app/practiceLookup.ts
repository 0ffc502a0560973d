/**
 * The practice whose settings the app applies. Bots are told their Organization by a secret; the app is
 * told by launch-context.json, or finds the one Organization that carries practice settings.
 */

import type { MedplumClient } from '@medplum/core';
import type { PracticeSettings } from '../../engine';
import { EXT } from '../../engine';
import { loadPracticeSettings, practiceSettingsFromOrganization, PRACTICE_SETTINGS_EXT } from '../practice';

/** Raised when no practice can be identified; the message says what to configure. */
export class PracticeNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PracticeNotFoundError';
  }
}

/**
 * Loads the practice settings from `organization` when given, else from the Organization that carries
 * Careloop practice settings (or, failing that, a time zone).
 */
export async function findPracticeSettings(
  medplum: MedplumClient,
  organization?: string,
): Promise<PracticeSettings> {
  if (organization) {
    return loadPracticeSettings(medplum, organization);
  }
  const orgs = await medplum.searchResources('Organization', { _count: '50' }, { cache: 'no-cache' });
  const org =
    orgs.find((o) => o.extension?.some((e) => e.url === PRACTICE_SETTINGS_EXT)) ??
    orgs.find((o) => o.extension?.some((e) => e.url === EXT.timeZone));
  if (!org) {
    throw new PracticeNotFoundError(
      'No practice Organization with Careloop settings was found; set medplum.organization in launch-context.json',
    );
  }
  return practiceSettingsFromOrganization(org);
}
