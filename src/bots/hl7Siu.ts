/**
 * Bot: HL7 v2 SIU feed (a Medplum Agent forwards each MLLP message here). Mirrors the message's patient
 * and appointment into Medplum exactly as the FHIR sync does, so practices without FHIR write access or
 * with an interface engine get the same data. Always answers with an ACK and never throws on bad input:
 * AA when stored, AR for a message we do not take (not SIU, unknown event, not HL7), AE for content we
 * cannot use or a failure to store it — the ERR segment says which field and why.
 *
 * Secrets (all optional): HL7_TIME_ZONE (IANA zone for timestamps without offset; default
 * America/New_York), HL7_IDENTIFIER_SYSTEMS (JSON: assigning authority → FHIR identifier system),
 * CARELOOP_ORGANIZATION (the practice, for meta.accounts).
 */

import { Hl7Message } from '@medplum/core';
import type { BotEvent, MedplumClient } from '@medplum/core';
import { isValidTimeZone } from '../engine';
import { buildAck, HL7_ERROR, Hl7InputError } from '../fhir/hl7v2';
import {
  MirrorInputError,
  upsertAppointmentMirror,
  upsertPatientMirror,
  type EhrSystem,
  type MirrorOutcome,
} from '../fhir/mirrors';
import { siuToFhir, type SiuEvent } from '../fhir/siuMapping';
import { botClock, BotConfigError, optionalSecret, type BotSecrets } from './runtime';

const FS = String.fromCharCode(0x1c);

/** The zone HL7 timestamps without an offset are read in when HL7_TIME_ZONE is not set. */
export const DEFAULT_HL7_TIME_ZONE = 'America/New_York';

/** The bot's configuration, read from its secrets. */
export interface Hl7SiuConfig {
  readonly timeZone: string;
  readonly identifierSystems?: Readonly<Record<string, string>>;
  readonly organization?: string;
}

/** What storing one SIU message did. */
export interface SiuResult {
  readonly event: SiuEvent;
  readonly patient: { readonly reference: string; readonly outcome: MirrorOutcome };
  readonly appointment: { readonly reference: string; readonly outcome: MirrorOutcome };
}

/** Medplum entry point: takes the raw message or an Hl7Message and returns the ACK. */
export async function handler(
  medplum: MedplumClient,
  event: BotEvent<Hl7Message | string>,
): Promise<Hl7Message> {
  const now = botClock().now();
  let message: Hl7Message;
  try {
    message = toHl7Message(event.input);
  } catch (err) {
    return buildAck(undefined, { code: 'AR', text: (err as Error).message }, now);
  }
  let config: Hl7SiuConfig;
  try {
    config = hl7SiuConfig(event.secrets);
  } catch (err) {
    console.error(`hl7-siu: ${(err as Error).message}`);
    const error = new Hl7InputError(`the receiving bot is misconfigured: ${(err as Error).message}`, {
      ackCode: 'AE',
      hl7ErrorCode: HL7_ERROR.applicationInternalError,
    });
    return buildAck(message, { code: 'AE', text: error.message, error }, now);
  }
  try {
    const result = await processSiu(medplum, message, config);
    return buildAck(
      message,
      { code: 'AA', text: `${result.event}: appointment ${result.appointment.outcome}` },
      now,
    );
  } catch (err) {
    const error = asInputError(err);
    return buildAck(message, { code: error.ackCode, text: error.message, error }, now);
  }
}

/** Reads and checks the bot's secrets; throws BotConfigError naming the secret at fault. */
export function hl7SiuConfig(secrets: BotSecrets | undefined): Hl7SiuConfig {
  const timeZone = optionalSecret(secrets, 'HL7_TIME_ZONE') ?? DEFAULT_HL7_TIME_ZONE;
  if (!isValidTimeZone(timeZone)) {
    throw new BotConfigError('bot secret HL7_TIME_ZONE is not an IANA time zone');
  }
  const rawSystems = optionalSecret(secrets, 'HL7_IDENTIFIER_SYSTEMS');
  let identifierSystems: Record<string, string> | undefined;
  if (rawSystems) {
    try {
      identifierSystems = JSON.parse(rawSystems) as Record<string, string>;
    } catch {
      throw new BotConfigError('bot secret HL7_IDENTIFIER_SYSTEMS is not JSON');
    }
    const valid =
      typeof identifierSystems === 'object' &&
      identifierSystems !== null &&
      !Array.isArray(identifierSystems) &&
      Object.values(identifierSystems).every((v) => typeof v === 'string' && /^(https?|urn):/.test(v));
    if (!valid) {
      throw new BotConfigError('bot secret HL7_IDENTIFIER_SYSTEMS must map names to http(s) or urn systems');
    }
  }
  const organization = optionalSecret(secrets, 'CARELOOP_ORGANIZATION');
  return {
    timeZone,
    ...(identifierSystems ? { identifierSystems } : {}),
    ...(organization ? { organization } : {}),
  };
}

/** Mirrors one SIU message; throws Hl7InputError for content it cannot use. */
export async function processSiu(
  medplum: MedplumClient,
  message: Hl7Message,
  config: Hl7SiuConfig,
): Promise<SiuResult> {
  const content = siuToFhir(message, {
    timeZone: config.timeZone,
    ...(config.identifierSystems ? { identifierSystems: config.identifierSystems } : {}),
  });
  const ehrSystem: EhrSystem = {
    feed: 'hl7v2',
    ...(config.organization ? { organization: config.organization } : {}),
  };
  const patient = await upsertPatientMirror(medplum, content.patient, ehrSystem);
  const appointment = await upsertAppointmentMirror(
    medplum,
    content.appointment,
    ehrSystem,
    patient.reference,
  );
  for (const w of [...patient.warnings, ...appointment.warnings]) {
    console.warn(`hl7-siu: ${w}`);
  }
  return {
    event: content.event,
    patient: { reference: patient.reference, outcome: patient.outcome },
    appointment: { reference: appointment.reference, outcome: appointment.outcome },
  };
}

// Medplum hands the bot an Hl7Message from its own copy of @medplum/core, so instanceof is unreliable:
// anything that prints as HL7 is parsed again with ours.
function toHl7Message(input: unknown): Hl7Message {
  let text: string | undefined;
  if (typeof input === 'string') {
    text = input;
  } else if (typeof input === 'object' && input !== null && Array.isArray((input as Hl7Message).segments)) {
    text = String(input);
  }
  // MLLP framing (VT … FS CR) sometimes survives into the payload; \s covers VT, FS needs naming.
  const cleaned = text?.split(FS).join('').trim();
  if (!cleaned?.startsWith('MSH')) {
    throw new Error('the input is not an HL7 v2 message (it must start with MSH)');
  }
  return Hl7Message.parse(cleaned);
}

function asInputError(err: unknown): Hl7InputError {
  if (err instanceof Hl7InputError) {
    return err;
  }
  if (err instanceof MirrorInputError) {
    return new Hl7InputError(err.message, { ackCode: 'AE', hl7ErrorCode: HL7_ERROR.requiredFieldMissing });
  }
  // Storage failed (Medplum unavailable, a conflict): the message itself may be fine, so say to resend.
  console.error(`hl7-siu: could not store the message: ${err instanceof Error ? err.message : String(err)}`);
  return new Hl7InputError('the message could not be stored; resend it later', {
    ackCode: 'AE',
    hl7ErrorCode: HL7_ERROR.applicationInternalError,
  });
}
