/**
 * A patient's conversation across plans, from records already loaded: messages sent and received in time
 * order, staff replies still waiting for the dispatcher, and what automation will send next.
 */

import type { Communication, CommunicationRequest } from '@medplum/fhirtypes';
import { channelOf, CS, EXT, type Channel, type OutboundRecord } from '../../engine';

/** One message in the thread. */
export interface ThreadMessage {
  readonly key: string;
  readonly direction: 'in' | 'out';
  readonly at?: string;
  readonly text: string;
  readonly channel?: Channel;
  /** Delivery status for outbound (queued, sent, delivered, failed…), `waiting` for a queued staff reply. */
  readonly status?: string;
  /** Understood intent of an inbound reply. */
  readonly intent?: string;
  /** True for a reply a person wrote (not automation). */
  readonly byStaff: boolean;
  /** Why a message failed or is waiting. */
  readonly note?: string;
}

function stepOf(r: { extension?: { url: string; valueString?: string }[] }): string | undefined {
  return r.extension?.find((e) => e.url === EXT.stepId)?.valueString;
}

/** Messages of the thread, oldest first. Queued staff replies (not yet sent) come last, marked waiting. */
export function threadMessages(
  communications: readonly Communication[],
  requests: readonly CommunicationRequest[],
): ThreadMessage[] {
  const requestById = new Map(requests.map((r) => [`CommunicationRequest/${r.id ?? ''}`, r]));
  const messages: ThreadMessage[] = [];
  for (const c of communications) {
    if (!c.partOf && !c.payload?.length) {
      continue; // the thread header
    }
    const inbound = c.sender?.reference?.startsWith('Patient/') ?? false;
    const request = c.basedOn?.map((b) => requestById.get(b.reference ?? '')).find(Boolean);
    const channel = channelOf(c);
    const intent = c.extension?.find((e) => e.url === EXT.replyIntent)?.valueCode;
    const delivery = c.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode;
    const at = inbound ? (c.received ?? c.sent) : (c.sent ?? c.received);
    messages.push({
      key: `c-${c.id ?? ''}`,
      direction: inbound ? 'in' : 'out',
      ...(at ? { at } : {}),
      text: c.payload?.[0]?.contentString ?? '',
      ...(channel ? { channel } : {}),
      ...(inbound ? {} : { status: c.status === 'not-done' ? 'failed' : (delivery ?? c.status) }),
      ...(intent ? { intent } : {}),
      byStaff: !inbound && request !== undefined && stepOf(request) === 'staff-reply',
      ...(c.statusReason?.text ? { note: c.statusReason.text } : {}),
    });
  }
  for (const r of requests) {
    if (stepOf(r) !== 'staff-reply' || r.status !== 'active') {
      continue;
    }
    const channel = channelOf(r);
    const reasons = (r.extension ?? []).filter((e) => e.url === EXT.scheduleReason).map((e) => e.valueString);
    messages.push({
      key: `r-${r.id ?? ''}`,
      direction: 'out',
      ...(r.occurrenceDateTime ? { at: r.occurrenceDateTime } : {}),
      text: r.payload?.[0]?.contentString ?? '',
      ...(channel ? { channel } : {}),
      status: 'waiting',
      byStaff: true,
      ...(reasons.length ? { note: reasons.at(-1) } : {}),
    });
  }
  const ms = (m: ThreadMessage): number => (m.at ? Date.parse(m.at) : Number.POSITIVE_INFINITY);
  return messages.sort((a, b) => ms(a) - ms(b));
}

/** The next automated message due for the patient, if any (what automation will do next). */
export function nextScheduled(requests: readonly CommunicationRequest[]): CommunicationRequest | undefined {
  return requests
    .filter((r) => r.status === 'active' && r.occurrenceDateTime && stepOf(r) !== 'staff-reply')
    .sort((a, b) => Date.parse(a.occurrenceDateTime ?? '') - Date.parse(b.occurrenceDateTime ?? ''))[0];
}

/** What counts against caps: messages sent in the last 7 days, by purpose. */
export function sentRecords(requests: readonly CommunicationRequest[], now: Date): OutboundRecord[] {
  const weekAgo = now.getTime() - 7 * 86_400_000;
  return requests
    .filter(
      (r) => r.status === 'completed' && r.occurrenceDateTime && Date.parse(r.occurrenceDateTime) >= weekAgo,
    )
    .map((r) => ({
      at: r.occurrenceDateTime ?? '',
      purpose:
        r.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === CS.purpose)?.code ?? 'unknown',
    }));
}
