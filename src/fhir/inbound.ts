/**
 * Inbound messages: who sent it, which conversation and enrolment it belongs to, and recording it in the
 * thread. Used by the inbound-message bot; the understanding and the decisions are the engine's.
 */

import type { MedplumClient } from '@medplum/core';
import type { CarePlan, Communication, Patient } from '@medplum/fhirtypes';
import {
  CARELOOP_BASE,
  EXT,
  ID_SYSTEM,
  mediumFor,
  toE164,
  type Channel,
  type ReplyClassification,
} from '../engine';

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

/**
 * Tag on an inbound Communication whose message has been recorded but not yet acted on. It is removed
 * when the bot has written the transition and answered; the watchdog finishes any it finds left behind
 * (a FHIR failure mid-way), so a recorded message is never dropped.
 */
export const INBOUND_PENDING_TAG = {
  system: `${CARELOOP_BASE}/CodeSystem/bot-processed`,
  code: 'careloop-inbound-pending',
} as const;

/** The search token for INBOUND_PENDING_TAG (`_tag`). */
export const INBOUND_PENDING_TOKEN = `${INBOUND_PENDING_TAG.system}|${INBOUND_PENDING_TAG.code}`;

/** Set on a pending inbound Communication while a bot acts on it (valueDateTime: since when). */
export const INBOUND_CLAIM_EXT = `${CARELOOP_BASE}/StructureDefinition/processing-claim`;

/** How long one bot's claim on an inbound message keeps others off it (Twilio waits 15 s for an answer). */
export const INBOUND_CLAIM_LEASE_MS = 2 * 60_000;

/** Whether the message still has to be acted on. */
export function isPendingInbound(c: Communication): boolean {
  return (
    c.meta?.tag?.some(
      (t) => t.system === INBOUND_PENDING_TAG.system && t.code === INBOUND_PENDING_TAG.code,
    ) ?? false
  );
}

/**
 * Records an inbound message, pending. With a provider id it is a conditional create on that id, so a
 * provider retry, even one arriving at the same moment, is the same Communication.
 */
export async function recordInbound(medplum: MedplumClient, comm: Communication): Promise<Communication> {
  const pending: Communication = {
    ...comm,
    meta: { ...comm.meta, tag: [...(comm.meta?.tag ?? []), { ...INBOUND_PENDING_TAG }] },
  };
  const providerId = comm.identifier?.find((i) => i.system === ID_SYSTEM.providerMessage)?.value;
  return providerId
    ? medplum.createResourceIfNoneExist(
        pending,
        `identifier=${encodeURIComponent(`${ID_SYSTEM.providerMessage}|${providerId}`)}`,
      )
    : medplum.createResource(pending);
}

/**
 * Claims a pending message for this run (a version-checked update). Undefined when it is not pending any
 * more, another run holds a live claim on it, or another run changed it first: then this run leaves it.
 */
export async function claimInbound(
  medplum: MedplumClient,
  comm: Communication,
  now: Date,
): Promise<Communication | undefined> {
  if (!isPendingInbound(comm)) return undefined;
  const held = comm.extension?.find((e) => e.url === INBOUND_CLAIM_EXT)?.valueDateTime;
  if (held && now.getTime() - Date.parse(held) < INBOUND_CLAIM_LEASE_MS) return undefined;
  const claimed: Communication = {
    ...comm,
    extension: [
      ...(comm.extension ?? []).filter((e) => e.url !== INBOUND_CLAIM_EXT),
      { url: INBOUND_CLAIM_EXT, valueDateTime: now.toISOString() },
    ],
  };
  const result = await medplum.executeBatch({
    resourceType: 'Bundle',
    type: 'batch',
    entry: [
      {
        resource: claimed,
        request: {
          method: 'PUT',
          url: `Communication/${comm.id ?? ''}`,
          ...(comm.meta?.versionId ? { ifMatch: `W/"${comm.meta.versionId}"` } : {}),
        },
      },
    ],
  });
  const entry = result.entry?.[0];
  if (entry?.response?.status === '412') return undefined;
  if (!/^2/.test(entry?.response?.status ?? '')) {
    // 429/5xx: this run cannot act safely; the caller fails and the message stays pending.
    throw new Error(
      `could not claim Communication/${comm.id ?? ''}: ${entry?.response?.status ?? 'no answer'}`,
    );
  }
  return (entry?.resource as Communication | undefined) ?? claimed;
}

/** Marks a claimed message as acted on: no longer pending, no claim. */
export async function finishInbound(medplum: MedplumClient, comm: Communication): Promise<void> {
  await medplum.updateResource<Communication>({
    ...comm,
    meta: {
      ...comm.meta,
      tag: (comm.meta?.tag ?? []).filter(
        (t) => !(t.system === INBOUND_PENDING_TAG.system && t.code === INBOUND_PENDING_TAG.code),
      ),
    },
    extension: (comm.extension ?? []).filter((e) => e.url !== INBOUND_CLAIM_EXT),
  });
}

/**
 * Gives up this run's claim on a message it could not finish (it stays pending), so a Twilio retry can
 * act on it at once instead of waiting out the lease. Best effort: when FHIR is down this fails too, and
 * the lease runs out instead.
 */
export async function releaseInbound(medplum: MedplumClient, comm: Communication): Promise<void> {
  try {
    await medplum.updateResource<Communication>({
      ...comm,
      extension: (comm.extension ?? []).filter((e) => e.url !== INBOUND_CLAIM_EXT),
    });
  } catch {
    // The lease covers it.
  }
}

/**
 * Whether another copy of the same provider message exists with a smaller id. A conditional create is
 * not atomic on every server (Medplum's in-memory repository creates two when two requests race), so
 * after claiming its copy a run checks: the copy with the smallest id is the one that counts, and the run
 * holding another one retires it (`retireInbound`) and answers nothing.
 */
export async function supersededCopy(medplum: MedplumClient, comm: Communication): Promise<boolean> {
  const providerId = comm.identifier?.find((i) => i.system === ID_SYSTEM.providerMessage)?.value;
  if (!providerId || !comm.id) return false;
  const copies = await medplum.searchResources(
    'Communication',
    { identifier: `${ID_SYSTEM.providerMessage}|${providerId}`, _count: '10' },
    { cache: 'no-cache' },
  );
  return copies.some((c) => c.status !== 'entered-in-error' && c.id < (comm.id ?? ''));
}

/** Retires a duplicate copy of a message: entered in error, no longer pending. */
export async function retireInbound(medplum: MedplumClient, comm: Communication): Promise<void> {
  await medplum.updateResource<Communication>({
    ...comm,
    status: 'entered-in-error',
    meta: {
      ...comm.meta,
      tag: (comm.meta?.tag ?? []).filter(
        (t) => !(t.system === INBOUND_PENDING_TAG.system && t.code === INBOUND_PENDING_TAG.code),
      ),
    },
    extension: (comm.extension ?? []).filter((e) => e.url !== INBOUND_CLAIM_EXT),
  });
}
