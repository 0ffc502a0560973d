/**
 * Inbound messages: who sent it, which conversation and enrolment it belongs to, and recording it in the
 * thread. Used by the inbound-message bot; the understanding and the decisions are the engine's.
 */

import type { MedplumClient } from '@medplum/core';
import type { CarePlan, Communication, Patient } from '@medplum/fhirtypes';
import { EXT, ID_SYSTEM, mediumFor, toE164, type Channel, type ReplyClassification } from '../engine';

/** The spellings a number may be stored under in Patient.telecom, for an exact-match token search. */
export function phoneSpellings(e164: string): string[] {
  const national = e164.startsWith('+1') ? e164.slice(2) : e164;
  const spellings = [e164, national];
  if (national.length === 10) {
    const [a, b, c] = [national.slice(0, 3), national.slice(3, 6), national.slice(6)];
    spellings.push(
      `(${a}) ${b}-${c}`,
      `${a}-${b}-${c}`,
      `${a}.${b}.${c}`,
      `+1 ${a} ${b} ${c}`,
      `1${national}`,
      `(${a})${b}-${c}`,
    );
  }
  return spellings;
}

/** Patients whose phone numbers normalise to this E.164 number. */
export async function patientsByPhone(medplum: MedplumClient, e164: string): Promise<Patient[]> {
  const found = await medplum.searchResources(
    'Patient',
    {
      phone: phoneSpellings(e164)
        .map((s) => s.replace(/,/g, '\\,'))
        .join(','),
      _count: '20',
    },
    { cache: 'no-cache' },
  );
  return found.filter((p) => p.telecom?.some((t) => t.value && toE164(t.value) === e164));
}

/** The latest outbound message to any of these patients, which tells which conversation a reply answers. */
export async function lastOutbound(
  medplum: MedplumClient,
  patientRefs: readonly string[],
): Promise<Communication | undefined> {
  if (patientRefs.length === 0) return undefined;
  const recent = await medplum.searchResources(
    'Communication',
    { subject: patientRefs.join(','), _sort: '-sent', _count: '20' },
    { cache: 'no-cache' },
  );
  return recent.find(
    (c) => c.sent && c.basedOn?.some((b) => b.reference?.startsWith('CommunicationRequest/')),
  );
}

/** The enrolment a reply belongs to: the plan of the last outbound message, else the patient's latest active plan. */
export async function enrolmentForReply(
  medplum: MedplumClient,
  patientRef: string,
  outbound: Communication | undefined,
): Promise<CarePlan | undefined> {
  const planRef = outbound?.basedOn?.find((b) => b.reference?.startsWith('CarePlan/'))?.reference;
  if (planRef) {
    try {
      return await medplum.readResource('CarePlan', planRef.slice('CarePlan/'.length));
    } catch {
      // Fall through to the patient's plans: a deleted plan must not drop the reply.
    }
  }
  const plans = await medplum.searchResources(
    'CarePlan',
    { subject: patientRef, status: 'active,on-hold', _sort: '-_lastUpdated', _count: '1' },
    { cache: 'no-cache' },
  );
  return plans[0];
}

/** The inbound Communication already recorded for a provider message id (a provider retry), if any. */
export async function inboundByProviderId(
  medplum: MedplumClient,
  providerId: string,
): Promise<Communication | undefined> {
  if (!providerId) return undefined;
  const found = await medplum.searchResources(
    'Communication',
    { identifier: `${ID_SYSTEM.providerMessage}|${providerId}`, _count: '1' },
    { cache: 'no-cache' },
  );
  return found[0];
}

/** Builds the inbound Communication: in the thread, in response to the last outbound, with the understood intent. */
export function inboundCommunication(args: {
  providerId: string;
  text: string;
  channel: Channel;
  patientRef?: string;
  thread?: string;
  outbound?: Communication;
  carePlan?: CarePlan;
  classification?: ReplyClassification;
  from: string;
  now: string;
}): Communication {
  return {
    resourceType: 'Communication',
    identifier: args.providerId ? [{ system: ID_SYSTEM.providerMessage, value: args.providerId }] : [],
    status: 'completed',
    ...(args.classification
      ? { extension: [{ url: EXT.replyIntent, valueCode: args.classification.intent }] }
      : {}),
    ...(args.carePlan?.id ? { basedOn: [{ reference: `CarePlan/${args.carePlan.id}` }] } : {}),
    ...(args.thread ? { partOf: [{ reference: args.thread }] } : {}),
    ...(args.outbound?.id ? { inResponseTo: [{ reference: `Communication/${args.outbound.id}` }] } : {}),
    medium: [mediumFor(args.channel)],
    ...(args.patientRef
      ? {
          subject: { reference: args.patientRef as `Patient/${string}` },
          sender: { reference: args.patientRef as `Patient/${string}` },
        }
      : { note: [{ text: `From an unknown number ending ${args.from.slice(-4)}` }] }),
    received: args.now,
    payload: [{ contentString: args.text }],
  };
}
