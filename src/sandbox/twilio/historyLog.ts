/**
 * The carrier's side of the seeded history: the texts the history says were sent and received, as the
 * Twilio stand-in's log, so the phone page shows past conversations next to the FHIR record of them.
 * Built once on a first start; the stand-in's own log takes over from there.
 */

import type { Bundle, Communication, Patient } from '@medplum/fhirtypes';
import { channelOf, EXT, ID_SYSTEM, smsSegments, toE164 } from '../../engine';
import type { PhoneMessage } from './store';

/** The patient's number a text went to or came from: their mobile (or SMS) contact point, in E.164. */
function mobileOf(patient: Patient | undefined): string | undefined {
  const point =
    patient?.telecom?.find((t) => t.system === 'sms') ??
    patient?.telecom?.find((t) => t.system === 'phone' && t.use === 'mobile');
  return point?.value ? toE164(point.value) : undefined;
}

/** The stand-in's log entries for every SMS in `history` (oldest first), between patients and `practiceNumber`. */
export function phoneLogFromHistory(
  history: Bundle,
  patients: readonly Patient[],
  practiceNumber: string,
): PhoneMessage[] {
  const byRef = new Map(patients.map((p) => [`Patient/${p.id ?? ''}`, p]));
  const log: PhoneMessage[] = [];
  for (const entry of history.entry ?? []) {
    const c = entry.resource as Communication | undefined;
    if (c?.resourceType !== 'Communication' || channelOf(c) !== 'sms') continue;
    const sid = c.identifier?.find((i) => i.system === ID_SYSTEM.providerMessage)?.value;
    const body = c.payload?.[0]?.contentString;
    const patient = mobileOf(byRef.get(c.subject?.reference ?? ''));
    if (!sid?.startsWith('SM') || body === undefined || !patient) continue;
    const inbound = c.sender?.reference?.startsWith('Patient/') ?? false;
    const at = (inbound ? c.received : c.sent) ?? c.sent ?? c.received;
    if (!at) continue;
    const delivery = c.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode;
    log.push({
      sid,
      direction: inbound ? 'inbound' : 'outbound-api',
      from: inbound ? patient : practiceNumber,
      to: inbound ? practiceNumber : patient,
      body,
      status: inbound ? 'received' : (delivery ?? (c.status === 'not-done' ? 'failed' : 'delivered')),
      dateCreated: at,
      dateSent: at,
      numSegments: smsSegments(body).segments,
    });
  }
  return log.sort((a, b) => a.dateCreated.localeCompare(b.dateCreated));
}
