/**
 * Practice settings as stored in Medplum: on the practice's Organization, as a JSON extension a practice
 * admin edits, merged over the engine's defaults. Name, phone and address come from the Organization.
 */

import type { MedplumClient } from '@medplum/core';
import type { Organization } from '@medplum/fhirtypes';
import { CARELOOP_BASE, EXT, isValidTimeZone, practiceSettings, type PracticeSettings } from '../engine';

/** Extension on Organization holding the JSON of the practice's overrides of PracticeSettings. */
export const PRACTICE_SETTINGS_EXT = `${CARELOOP_BASE}/StructureDefinition/practice-settings`;

/** Raised when stored practice settings cannot be used; the message says which field. */
export class PracticeSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PracticeSettingsError';
  }
}

/** Reads practice settings from an Organization; throws PracticeSettingsError for malformed settings. */
export function practiceSettingsFromOrganization(org: Organization): PracticeSettings {
  const raw = org.extension?.find((e) => e.url === PRACTICE_SETTINGS_EXT)?.valueString;
  let overrides: Partial<PracticeSettings> = {};
  if (raw) {
    try {
      overrides = JSON.parse(raw) as Partial<PracticeSettings>;
    } catch (err) {
      throw new PracticeSettingsError(
        `Organization/${org.id ?? '?'} practice settings are not JSON: ${(err as Error).message}`,
      );
    }
    if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
      throw new PracticeSettingsError(
        `Organization/${org.id ?? '?'} practice settings must be a JSON object`,
      );
    }
  }
  const phone = org.telecom?.find((t) => t.system === 'phone')?.value;
  const address = org.address?.[0];
  const addressLine = address
    ? [...(address.line ?? []), address.city, [address.state, address.postalCode].filter(Boolean).join(' ')]
        .filter((x) => x && x.trim() !== '')
        .join(', ')
    : undefined;
  const zone = org.extension?.find((e) => e.url === EXT.timeZone)?.valueCode;
  const settings = practiceSettings({
    ...(org.name ? { name: org.name } : {}),
    ...(phone ? { phone } : {}),
    ...(addressLine ? { address: addressLine } : {}),
    ...(zone ? { timeZone: zone } : {}),
    ...overrides,
    organization: `Organization/${org.id ?? ''}`,
  });
  if (!isValidTimeZone(settings.timeZone)) {
    throw new PracticeSettingsError(`practice time zone "${settings.timeZone}" is not a known IANA zone`);
  }
  return settings;
}

/** Loads the practice settings for the Organization a bot serves (`Organization/<id>`). */
export async function loadPracticeSettings(
  medplum: MedplumClient,
  organization: string,
): Promise<PracticeSettings> {
  const [type, id] = organization.split('/');
  if (type !== 'Organization' || !id) {
    throw new PracticeSettingsError(`"${organization}" is not an Organization reference`);
  }
  return practiceSettingsFromOrganization(await medplum.readResource('Organization', id));
}
