/**
 * Consent per channel and purpose, read from and written as FHIR Consent resources (see
 * docs/compliance.md for the shape). The latest decision wins, so an opt-in after an opt-out restores
 * messaging and vice versa, and the history stays as evidence.
 */

import type { Consent, Patient, Reference } from '@medplum/fhirtypes';
import { CS, EXT, ID_SYSTEM } from '../codes';
import type { Channel, ConsentBasis } from '../workflow/types';

/** The decision consent gives for one channel and purpose, with the reason a person can read. */
export interface ConsentDecision {
  readonly allowed: boolean;
  readonly reason?: string;
  /** The Consent that decided, when one did. */
  readonly consent?: Consent;
}

const V3_ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** True for Careloop communication consents (other Consents in the chart are ignored). */
export function isCommunicationConsent(c: Consent): boolean {
  return c.category?.some((cat) => cat.coding?.some((x) => x.system === CS.consentCategory)) ?? false;
}

function channelsOf(c: Consent): string[] {
  return (c.provision?.code ?? []).flatMap((cc) =>
    (cc.coding ?? []).filter((x) => x.system === CS.channel).map((x) => x.code ?? ''),
  );
}

function purposesOf(c: Consent): string[] {
  return (c.provision?.purpose ?? []).filter((p) => p.system === CS.purpose).map((p) => p.code ?? '');
}

function latest(consents: readonly Consent[]): Consent | undefined {
  return [...consents].sort((a, b) => (a.dateTime ?? '').localeCompare(b.dateTime ?? '')).at(-1);
}

function describe(c: Consent, channel: Channel): string {
  const when = c.dateTime ? ` on ${c.dateTime.slice(0, 10)}` : '';
  return `patient opted out of ${channel}${when}`;
}

/**
 * May Careloop message the patient on `channel` for `purpose`? A general deny (STOP) blocks every
 * purpose. Under the healthcare exemption no record means yes; under prior express consent it means no.
 */
export function consentFor(
  consents: readonly Consent[],
  channel: Channel,
  purpose: string,
  basis: ConsentBasis,
): ConsentDecision {
  const relevant = consents.filter(
    (c) =>
      c.status === 'active' &&
      isCommunicationConsent(c) &&
      (channelsOf(c).length === 0 || channelsOf(c).includes(channel)),
  );
  const general = relevant.filter((c) => purposesOf(c).length === 0);
  const specific = relevant.filter((c) => purposesOf(c).includes(purpose));
  const last = latest([...general, ...specific]);
  if (last?.provision?.type === 'deny') {
    return { allowed: false, reason: describe(last, channel), consent: last };
  }
  if (basis === 'prior-express-consent') {
    const lastSpecific = latest(specific);
    if (lastSpecific?.provision?.type !== 'permit') {
      return { allowed: false, reason: `no consent on file for ${purpose} messages by ${channel}` };
    }
    return { allowed: true, consent: lastSpecific };
  }
  return last ? { allowed: true, consent: last } : { allowed: true };
}

/** What a new Consent records. */
export interface ConsentChange {
  readonly patient: Reference<Patient>;
  readonly channel: Channel;
  readonly decision: 'permit' | 'deny';
  /** Purpose-specific consent (e.g. billing); absent for a general opt-in or opt-out. */
  readonly purpose?: string;
  /** The message or person it came from. */
  readonly source?: Reference;
  readonly at: string;
  /** Why, in words: "replied STOP", "wrong number". */
  readonly reason: string;
  readonly identifier?: string;
}

/** Builds the Consent resource for an opt-in or opt-out. */
export function buildConsent(change: ConsentChange): Consent {
  return {
    resourceType: 'Consent',
    // Consent.sourceReference cannot point at a Communication in R4, so the message that caused the
    // decision is linked by extension.
    ...(change.source ? { extension: [{ url: EXT.consentSource, valueReference: change.source }] } : {}),
    ...(change.identifier ? { identifier: [{ system: ID_SYSTEM.consent, value: change.identifier }] } : {}),
    status: 'active',
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: CS.consentCategory, code: 'communication' }], text: change.reason }],
    patient: change.patient,
    dateTime: change.at,
    policyRule: {
      coding: [{ system: V3_ACT_CODE, code: change.decision === 'permit' ? 'OPTIN' : 'OPTOUT' }],
    },
    provision: {
      type: change.decision,
      code: [{ coding: [{ system: CS.channel, code: change.channel }] }],
      ...(change.purpose ? { purpose: [{ system: CS.purpose, code: change.purpose }] } : {}),
    },
  };
}
