/**
 * The immediate answer to "what happens if I send this now?": the dispatcher's own send-time check
 * (quiet hours in the patient's zone, opt-out, caps, a usable address) plus the rule that SMS and voice
 * carry no clinical detail. The dispatcher runs the same check again when it sends.
 */
import type { Communication, Consent, Patient, Reference } from '@medplum/fhirtypes';
import { findClinicalTerms, type Channel, type OutboundRecord, type PracticeSettings } from '../../engine';
import { checkStaffReply } from '../../fhir/app/staffReply';

/** The verdict shown under the reply box. */
export type ReplyVerdict =
  | { readonly kind: 'empty' }
  | { readonly kind: 'now'; readonly to: string }
  | { readonly kind: 'later'; readonly until: string; readonly reason: string }
  | { readonly kind: 'blocked'; readonly reason: string };

/** Decides what a staff reply would do now. */
export function replyVerdict(args: {
  patient: Patient;
  channel: Channel;
  text: string;
  practice: PracticeSettings;
  consents: readonly Consent[];
  sent: readonly OutboundRecord[];
  now: Date;
  /** The patient's message the reply answers, if any (replies are exempt from the caps). */
  inResponseTo?: Reference<Communication>;
}): ReplyVerdict {
  if (!args.text.trim()) {
    return { kind: 'empty' };
  }
  if (args.channel !== 'email') {
    const [hit] = findClinicalTerms(args.text);
    if (hit) {
      return {
        kind: 'blocked',
        reason: `"${hit.term}" is clinical detail, which must not go by ${args.channel === 'sms' ? 'SMS' : 'voice'}; ask the patient to call instead`,
      };
    }
  }
  const decision = checkStaffReply(
    {
      patient: args.patient,
      channel: args.channel,
      text: args.text,
      practice: args.practice,
      now: args.now,
      key: 'check',
      ...(args.inResponseTo ? { inResponseTo: args.inResponseTo } : {}),
    },
    { consents: args.consents, sent: args.sent },
  );
  switch (decision.action) {
    case 'send':
      return { kind: 'now', to: decision.to };
    case 'defer':
      return { kind: 'later', until: decision.until, reason: decision.reason };
    case 'revoke':
    case 'hold':
      return { kind: 'blocked', reason: decision.reason };
  }
}
