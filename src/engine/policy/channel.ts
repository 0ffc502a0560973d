/** Choosing the channel for a message: the workflow's order, the patient's preference, what exists, consent. */

import type { Consent, Patient } from '@medplum/fhirtypes';
import type { Channel, ConsentBasis } from '../workflow/types';
import { consentFor } from './consent';
import { contactAddresses, type ContactAddress } from './contact';

/** The chosen channel and address, or why there is none. */
export type ChannelChoice =
  | { readonly ok: true; readonly channel: Channel; readonly address: string; readonly reasons: string[] }
  | { readonly ok: false; readonly reasons: string[] };

const NO_CONTACT: Record<Channel, string> = {
  sms: 'no mobile number for SMS',
  voice: 'no phone number for a call',
  email: 'no email address',
};

/** True when a channel was passed over because the patient has no usable address for it (not for consent). */
export function isMissingContact(reason: string): boolean {
  return (Object.values(NO_CONTACT) as string[]).includes(reason);
}

/**
 * Picks the first usable channel. The workflow lists channels in its order of preference; a patient's
 * ranked contact points (ContactPoint.rank, 1 = preferred) reorder them, because the patient's stated
 * preference beats ours. Each channel passed over is explained.
 */
export function chooseChannel(args: {
  readonly patient: Patient;
  readonly channels: readonly Channel[];
  readonly consents: readonly Consent[];
  readonly purpose: string;
  readonly basis: ConsentBasis;
  readonly now: string;
  /** The patient's addresses if the caller already has them (planning reuses them for every step). */
  readonly addresses?: readonly ContactAddress[];
}): ChannelChoice {
  const addresses = args.addresses ?? contactAddresses(args.patient, args.now);
  const best = (ch: Channel): ContactAddress | undefined =>
    addresses.filter((a) => a.channel === ch).sort((a, b) => a.rank - b.rank)[0];
  const ordered = [...args.channels].sort(
    (a, b) => (best(a)?.rank ?? Number.POSITIVE_INFINITY) - (best(b)?.rank ?? Number.POSITIVE_INFINITY),
  );
  const reasons: string[] = [];
  for (const channel of ordered) {
    const address = best(channel);
    if (!address) {
      reasons.push(NO_CONTACT[channel]);
      continue;
    }
    const consent = consentFor(args.consents, channel, args.purpose, args.basis);
    if (!consent.allowed) {
      reasons.push(consent.reason ?? `${channel} not allowed`);
      continue;
    }
    if (channel !== args.channels[0]) {
      reasons.push(`sent by ${channel}`);
    }
    return { ok: true, channel, address: address.address, reasons };
  }
  return { ok: false, reasons };
}
