import type { Address, Appointment, HumanName, Location, Patient } from '@medplum/fhirtypes';
import { isTelehealth } from '../planning/facts';
import type { PracticeSettings, TemplateLink } from '../policy/settings';
import { assertTimeZone } from './datetime';
import { displayPhone } from './phone';

/** Values a template may use; built from FHIR by buildTemplateContext. */
export interface TemplateContext {
  patient: { firstName: string };
  practice: { name: string; phone: string };
  /** ISO instants. */
  appointment?: { start: string; end?: string };
  location?: { name: string; address?: string };
  links: Partial<Record<TemplateLink, string>>;
  /** IANA zone every date and time is shown in (the patient's). */
  timeZone: string;
  /** Message language, 'en' | 'es' | ... */
  language: string;
}

// The name the patient goes by comes first; old and maiden names must never be used to greet them.
const NAME_USE_ORDER: readonly (HumanName['use'] | undefined)[] = [
  'usual',
  'official',
  undefined,
  'temp',
  'nickname',
];

function firstName(patient: Patient): string {
  const names = (patient.name ?? []).filter((n) => n.use !== 'old' && n.use !== 'maiden');
  const ranked = [...names].sort((a, b) => rank(a.use) - rank(b.use));
  for (const name of ranked) {
    const given = name.given?.find((g) => g.trim() !== '');
    if (given !== undefined) return given.trim();
    const fromText = name.text?.trim().split(/\s+/)[0];
    if (fromText) return fromText;
  }
  return '';
}

function rank(use: HumanName['use']): number {
  const index = NAME_USE_ORDER.indexOf(use);
  return index === -1 ? NAME_USE_ORDER.length : index;
}

function formatAddress(address: Address | undefined): string | undefined {
  if (address === undefined) return undefined;
  if (address.text?.trim()) return oneLine(address.text);
  const cityLine = [address.city, [address.state, address.postalCode].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(', ');
  const text = [...(address.line ?? []), cityLine].filter((part) => part.trim() !== '').join(', ');
  return text === '' ? undefined : oneLine(text);
}

// Values are spliced into one-line texts; a newline in a FHIR string would break the message layout.
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Builds the values a template may use from FHIR resources and practice settings. `timeZone` is the
 * patient's zone (fall back to the practice's before calling); throws TemplateError('invalid-time-zone')
 * for a zone Intl does not know. An Appointment without `start` gives no appointment values.
 */
export function buildTemplateContext(args: {
  patient: Patient;
  appointment?: Appointment;
  location?: Location;
  practice: PracticeSettings;
  timeZone: string;
  language: string;
}): TemplateContext {
  const { patient, appointment, location, practice, timeZone, language } = args;
  assertTimeZone(timeZone);
  const context: TemplateContext = {
    patient: { firstName: firstName(patient) },
    practice: { name: oneLine(practice.name), phone: displayPhone(practice.phone) },
    links: { ...practice.links },
    timeZone,
    language,
  };
  if (appointment?.start !== undefined) {
    context.appointment = { start: appointment.start };
    if (appointment.end !== undefined) context.appointment.end = appointment.end;
  }
  // Many EHRs leave Appointment without a Location; the visit is then "at the practice", which is
  // better than dropping the message.
  context.location = { name: oneLine(location?.name ?? practice.name) };
  const address = formatAddress(location?.address);
  if (address !== undefined) {
    context.location.address = address;
  } else if (isTelehealth(appointment) || isVirtualLocation(location)) {
    // A video visit has no street address: say where it happens instead of dropping the message.
    context.location.address =
      practice.links.telehealth ?? (language.startsWith('es') ? 'en línea' : 'online');
  } else if (location === undefined && practice.address?.trim()) {
    // A named site without an address is not given the practice's: it may be another site.
    context.location.address = oneLine(practice.address);
  }
  return context;
}

/** A Location whose physical type is "virtual" (location-physical-type `vi`). */
function isVirtualLocation(location: Location | undefined): boolean {
  return location?.physicalType?.coding?.some((c) => c.code === 'vi') ?? false;
}
