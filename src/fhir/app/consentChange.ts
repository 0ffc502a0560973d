/**
 * Recording what a patient told staff about messaging: an opt-out, an opt-in (Consent in the shape
 * src/engine/policy/consent.ts reads, with its source), or a preferred channel (the contact point's rank,
 * which the engine's channel choice honours).
 */

import type { MedplumClient } from '@medplum/core';
import type { Consent, Patient, Reference } from '@medplum/fhirtypes';
import { buildConsent, contactAddresses, type Channel } from '../../engine';

/** Records a permit or deny Consent for a channel; `source` is who or what it came from. */
export async function recordConsent(
  medplum: MedplumClient,
  args: {
    patient: Patient;
    channel: Channel;
    decision: 'permit' | 'deny';
    reason: string;
    source?: Reference;
    now: Date;
  },
): Promise<Consent> {
  const reason = args.reason.trim();
  if (!reason) {
    throw new Error('Say how the patient told you (e.g. "asked by phone to stop texts")');
  }
  return medplum.createResource(
    buildConsent({
      patient: { reference: `Patient/${args.patient.id ?? ''}` },
      channel: args.channel,
      decision: args.decision,
      ...(args.source ? { source: args.source } : {}),
      at: args.now.toISOString(),
      reason,
    }),
  );
}

const SYSTEMS: Record<Channel, readonly string[]> = {
  sms: ['sms', 'phone'],
  voice: ['phone'],
  email: ['email'],
};

/**
 * Makes `channel` the patient's preferred one: its contact point gets rank 1 and the others move down.
 * Fails with a clear message when the patient has no address for that channel.
 */
export async function setPreferredChannel(
  medplum: MedplumClient,
  patient: Patient,
  channel: Channel,
  now: Date,
): Promise<Patient> {
  const usable = contactAddresses(patient, now.toISOString()).filter((a) => a.channel === channel);
  if (usable.length === 0) {
    throw new Error(
      `The patient has no ${channel === 'sms' ? 'mobile number' : channel === 'voice' ? 'phone number' : 'email address'} on file`,
    );
  }
  const preferred = (patient.telecom ?? []).findIndex(
    (cp) =>
      SYSTEMS[channel].includes(cp.system ?? '') &&
      (channel !== 'sms' || cp.system === 'sms' || cp.use === 'mobile'),
  );
  const telecom = (patient.telecom ?? []).map((cp, i) => ({
    ...cp,
    rank: i === preferred ? 1 : Math.max(2, (cp.rank ?? 2) + (cp.rank === 1 ? 1 : 0)),
  }));
  return medplum.updateResource(
    { ...patient, telecom },
    patient.meta?.versionId ? { headers: { 'If-Match': `W/"${patient.meta.versionId}"` } } : undefined,
  );
}
