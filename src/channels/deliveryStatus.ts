/**
 * Twilio status callbacks (messages and calls) mapped onto Communication.status, with the facts the bots
 * act on: delivered, failed, and whether a failure is permanent for that number.
 */

/** The Communication.status values a provider callback can lead to. */
export type CommunicationDeliveryStatus =
  'preparation' | 'in-progress' | 'completed' | 'not-done' | 'stopped';

/** What one status callback means for the Communication and the patient's number. */
export interface DeliveryStatus {
  readonly communicationStatus: CommunicationDeliveryStatus;
  readonly delivered: boolean;
  readonly failed: boolean;
  /** The number will keep failing (unknown, landline, opted out, blocked): do not retry on this channel. */
  readonly permanent: boolean;
  readonly reason?: string;
  readonly errorCode?: number;
  readonly landline?: boolean;
  readonly optedOut?: boolean;
  readonly invalidNumber?: boolean;
}

type FailureFacts = Pick<DeliveryStatus, 'permanent' | 'reason' | 'landline' | 'optedOut' | 'invalidNumber'>;

// Delivery error codes (https://www.twilio.com/docs/api/errors). Codes not listed are treated as transient:
// a later attempt, or another channel, may still work.
const MESSAGE_FAILURES: Readonly<Record<number, FailureFacts>> = {
  30003: { permanent: false, reason: 'unreachable handset (phone off or out of coverage)' },
  30004: { permanent: true, reason: 'message blocked by the carrier or the recipient' },
  30005: { permanent: true, invalidNumber: true, reason: 'unknown destination number' },
  30006: { permanent: true, landline: true, reason: 'landline or unreachable carrier' },
  21610: { permanent: true, optedOut: true, reason: 'recipient opted out (replied STOP)' },
};

const CALL_FAILURES: Readonly<Record<number, FailureFacts>> = {
  21211: { permanent: true, invalidNumber: true, reason: 'invalid number' },
  21217: { permanent: true, invalidNumber: true, reason: 'invalid number' },
  13224: { permanent: true, invalidNumber: true, reason: 'number cannot be called' },
};

function errorCodeOf(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function failure(
  table: Readonly<Record<number, FailureFacts>>,
  status: string,
  code: number | undefined,
): DeliveryStatus {
  const known = code === undefined ? undefined : table[code];
  const what = known?.reason ?? (code === undefined ? 'no error code given' : 'provider error');
  return {
    communicationStatus: 'not-done',
    delivered: false,
    failed: true,
    ...known,
    permanent: known?.permanent ?? false,
    reason: `${status}${code === undefined ? '' : ` (${code})`}: ${what}`,
    ...(code !== undefined && { errorCode: code }),
  };
}

const PENDING = { delivered: false, failed: false, permanent: false } as const;

/**
 * Maps a Twilio message status callback (`MessageStatus`, `ErrorCode`): queued/accepted/scheduled →
 * preparation; sending/sent → in-progress; delivered/read → completed; undelivered/failed → not-done
 * (30003 transient; 30005 unknown number, 30006 landline, 30004 blocked, 21610 opted out are permanent;
 * other codes transient); canceled → stopped. An unknown status is reported as in-progress with a reason,
 * so nothing is lost and nothing is concluded from it.
 */
export function mapMessageStatus(params: { MessageStatus?: string; ErrorCode?: string }): DeliveryStatus {
  const status = (params.MessageStatus ?? '').trim().toLowerCase();
  const code = errorCodeOf(params.ErrorCode);
  switch (status) {
    case 'queued':
    case 'accepted':
    case 'scheduled':
      return { communicationStatus: 'preparation', ...PENDING };
    case 'sending':
    case 'sent':
      return { communicationStatus: 'in-progress', ...PENDING };
    case 'delivered':
    case 'read':
      return { communicationStatus: 'completed', delivered: true, failed: false, permanent: false };
    case 'undelivered':
    case 'failed':
      return failure(MESSAGE_FAILURES, status, code);
    case 'canceled':
      return { communicationStatus: 'stopped', ...PENDING, reason: 'canceled before sending' };
    default:
      return {
        communicationStatus: 'in-progress',
        ...PENDING,
        reason: status ? `unrecognised message status "${status.slice(0, 40)}"` : 'no MessageStatus given',
      };
  }
}

/**
 * Maps a Twilio call status callback (`CallStatus`, `ErrorCode`): queued/initiated/ringing → preparation;
 * in-progress → in-progress; completed → completed (answered, by a person or a voicemail); busy and
 * no-answer → not-done, transient; failed → not-done (invalid numbers permanent); canceled → stopped.
 */
export function mapCallStatus(params: { CallStatus?: string; ErrorCode?: string }): DeliveryStatus {
  const status = (params.CallStatus ?? '').trim().toLowerCase();
  const code = errorCodeOf(params.ErrorCode);
  switch (status) {
    case 'queued':
    case 'initiated':
    case 'ringing':
      return { communicationStatus: 'preparation', ...PENDING };
    case 'in-progress':
      return { communicationStatus: 'in-progress', ...PENDING };
    case 'completed':
      return { communicationStatus: 'completed', delivered: true, failed: false, permanent: false };
    case 'busy':
    case 'no-answer':
      return {
        communicationStatus: 'not-done',
        delivered: false,
        failed: true,
        permanent: false,
        reason: status,
      };
    case 'failed':
      return failure(CALL_FAILURES, status, code);
    case 'canceled':
      return { communicationStatus: 'stopped', ...PENDING, reason: 'canceled before it was answered' };
    default:
      return {
        communicationStatus: 'in-progress',
        ...PENDING,
        reason: status ? `unrecognised call status "${status.slice(0, 40)}"` : 'no CallStatus given',
      };
  }
}

const RANK: Readonly<Record<CommunicationDeliveryStatus, number>> = {
  preparation: 0,
  'in-progress': 1,
  completed: 2,
  'not-done': 2,
  stopped: 2,
};

/**
 * Whether a callback's status moves a Communication forward. Twilio's callbacks can arrive out of order
 * (a late "sent" after "delivered"); applying only advances keeps the final state final.
 */
export function isStatusAdvance(
  current: CommunicationDeliveryStatus,
  incoming: CommunicationDeliveryStatus,
): boolean {
  return RANK[incoming] > RANK[current];
}
