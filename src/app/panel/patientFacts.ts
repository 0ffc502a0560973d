/**
 * What the panel header says about a patient, derived with the engine's own policy functions (so the
 * panel shows exactly what the bots will use): language, time zone, and each channel with its consent.
 */
import type { Consent, Patient } from '@medplum/fhirtypes';
import {
  consentFor,
  contactAddresses,
  patientLanguage,
  resolveTimeZone,
  SUPPORTED_LANGUAGES,
  type Channel,
  type PracticeSettings,
} from '../../engine';

/** One channel the patient can be reached on, with whether Careloop may use it. */
export interface ChannelState {
  readonly channel: Channel;
  readonly address: string;
  readonly preferred: boolean;
  readonly allowed: boolean;
  /** Why not, when not allowed ("patient opted out of sms on 2026-11-02"). */
  readonly reason?: string;
}

/** The header facts. */
export interface PatientFacts {
  readonly language: string;
  /** The language as the record states it, when it differs from what Careloop supports. */
  readonly statedLanguage?: string;
  readonly zone: string;
  /** Set when the zone is the practice's because the patient's is missing or unknown. */
  readonly zoneNote?: string;
  readonly channels: readonly ChannelState[];
}

const CHANNELS: readonly Channel[] = ['sms', 'voice', 'email'];

/** Derives the header facts; treatment purposes are checked (the healthcare exemption basis). */
export function patientFacts(
  patient: Patient,
  practice: PracticeSettings,
  consents: readonly Consent[],
  now: Date,
): PatientFacts {
  const language = patientLanguage(patient, SUPPORTED_LANGUAGES, practice.defaultLanguage);
  const stated =
    patient.communication?.find((c) => c.preferred)?.language ?? patient.communication?.[0]?.language;
  const statedText = stated?.text ?? stated?.coding?.[0]?.display ?? stated?.coding?.[0]?.code;
  const tz = resolveTimeZone(patient, practice.timeZone);
  const addresses = contactAddresses(patient, now.toISOString());
  const bestRank = Math.min(...addresses.map((a) => a.rank));
  const channels = CHANNELS.flatMap((channel): ChannelState[] => {
    const address = addresses.filter((a) => a.channel === channel).sort((a, b) => a.rank - b.rank)[0];
    if (!address) {
      return [];
    }
    const decision = consentFor(consents, channel, 'reminder', 'healthcare-exemption');
    return [
      {
        channel,
        address: address.address,
        preferred: Number.isFinite(bestRank) && address.rank === bestRank,
        allowed: decision.allowed,
        ...(decision.reason ? { reason: decision.reason } : {}),
      },
    ];
  });
  return {
    language,
    ...(statedText && statedText.toLowerCase() !== language ? { statedLanguage: statedText } : {}),
    zone: tz.zone,
    ...(tz.reason ? { zoneNote: tz.reason } : {}),
    channels,
  };
}
