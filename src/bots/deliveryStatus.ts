/**
 * Bot: delivery status (public webhook for Twilio's signed status callbacks). Keeps each Communication's
 * delivery status current, ignoring callbacks that arrive out of order, and sends failures down the same
 * road as failed sends: a transient failure is queued again (up to three attempts), a permanent one falls
 * back to another channel or a person, and an opt-out reported by the carrier is recorded as such.
 */

import type { BotEvent, MedplumClient } from '@medplum/core';
import type { Binary, Communication } from '@medplum/fhirtypes';
import {
  isStatusAdvance,
  mapCallStatus,
  mapMessageStatus,
  type CommunicationDeliveryStatus,
} from '../channels';
import { channelOf, EXT, ID_SYSTEM, type PracticeSettings, type WorkflowDefinition } from '../engine';
import { deliveryFailedEvent, requeueAfterFailure } from '../fhir/deliveryFailure';
import { communicationKey } from '../fhir/dispatchRecords';
import { applyToEnrolment } from '../fhir/enrolmentEvent';
import { definitionFor } from '../fhir/enrolmentState';
import { loadBotSetup } from './botSetup';
import { botClock } from './runtime';
import { asWebhookFailure, twimlBinary, verifiedParams } from './twilioWebhook';

/** What the bot did with one callback. */
export interface DeliveryStatusResult {
  readonly outcome: 'updated' | 'ignored-stale' | 'unknown-message' | 'requeued' | 'failed';
  readonly communication?: string;
}

/** Medplum entry point; answers Twilio with an empty TwiML document. */
export async function handler(medplum: MedplumClient, event: BotEvent): Promise<Binary> {
  // The status webhook has its own public URL; the signature covers it.
  const params = verifiedParams(event, 'STATUS_WEBHOOK_URL');
  return asWebhookFailure(async () => {
    const { practice, workflows } = await loadBotSetup(medplum, event, 'delivery-status');
    await handleStatus(medplum, params, { practice, workflows, now: botClock().now() });
    return twimlBinary('<Response/>');
  });
}

/** The bot's logic after verification (the sandbox and tests call this). */
export async function handleStatus(
  medplum: MedplumClient,
  params: Record<string, string>,
  ctx: { practice: PracticeSettings; workflows: readonly WorkflowDefinition[]; now: Date },
): Promise<DeliveryStatusResult> {
  const sid = params.MessageSid ?? params.SmsSid ?? params.CallSid ?? '';
  const status = params.CallSid && !params.MessageSid ? mapCallStatus(params) : mapMessageStatus(params);
  const [communication] = sid
    ? await medplum.searchResources(
        'Communication',
        { identifier: `${ID_SYSTEM.providerMessage}|${sid}`, _count: '1' },
        { cache: 'no-cache' },
      )
    : [];
  if (!communication) {
    // Not ours, or the callback raced ahead of the dispatcher's record (it sends a page, then records it).
    // Nothing to update yet: the watchdog reads Twilio's status of any record no callback has reached.
    return { outcome: 'unknown-message' };
  }
  const providerStatus = (params.MessageStatus ?? params.CallStatus ?? '').toLowerCase();
  const currentProvider =
    communication.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode ?? 'queued';
  const current = (communication.status ?? 'in-progress') as CommunicationDeliveryStatus;
  // Callbacks can arrive out of order: "sent" after "delivered" must not undo it.
  const advances =
    providerRank(providerStatus) > providerRank(currentProvider) ||
    (providerRank(providerStatus) === providerRank(currentProvider) &&
      isStatusAdvance(current, status.communicationStatus));
  if (!advances) {
    return { outcome: 'ignored-stale', communication: `Communication/${communication.id ?? ''}` };
  }
  const updated: Communication = {
    ...communication,
    status: status.communicationStatus,
    extension: [
      ...(communication.extension ?? []).filter((e) => e.url !== EXT.deliveryStatus),
      { url: EXT.deliveryStatus, valueCode: providerStatus || 'unknown' },
    ],
    ...(status.failed ? { statusReason: { text: status.reason ?? 'not delivered' } } : {}),
  };
  const ref = `Communication/${communication.id ?? ''}`;
  if (!status.failed) {
    await medplum.updateResource(updated);
    return { outcome: 'updated', communication: ref };
  }
  // The failure is acted on before the status is recorded: if acting fails (FHIR 429/5xx), the callback
  // answers 500 and, retried, is still an advance, so it is acted on then. Both steps are safe to repeat.
  const outcome = await actOnFailure(medplum, communication, status, ctx);
  await medplum.updateResource(updated);
  return { outcome, communication: ref };
}

async function actOnFailure(
  medplum: MedplumClient,
  communication: Communication,
  status: ReturnType<typeof mapMessageStatus>,
  ctx: { practice: PracticeSettings; workflows: readonly WorkflowDefinition[]; now: Date },
): Promise<'requeued' | 'failed'> {
  const requestRef = communication.basedOn?.find((b) =>
    b.reference?.startsWith('CommunicationRequest/'),
  )?.reference;
  const request = requestRef
    ? await medplum.readResource('CommunicationRequest', requestRef.slice('CommunicationRequest/'.length))
    : undefined;
  if (!request) {
    return 'failed';
  }
  const sendKey = communication.identifier?.find((i) => i.system === ID_SYSTEM.request)?.value;
  if (request.status !== 'completed' || (sendKey !== undefined && sendKey !== communicationKey(request))) {
    // Already acted on (a repeated callback), or this callback is about an earlier send of a request that
    // has been sent again since: queuing it once more would send it twice.
    return request.status === 'active' ? 'requeued' : 'failed';
  }
  const requeued = requeueAfterFailure(request, status, ctx.now);
  if (requeued) {
    await medplum.updateResource(requeued);
    return 'requeued';
  }
  const carePlanRef = request.basedOn?.find((b) => b.reference?.startsWith('CarePlan/'))?.reference;
  const carePlan = carePlanRef
    ? await medplum.readResource('CarePlan', carePlanRef.slice('CarePlan/'.length))
    : undefined;
  const definition = carePlan ? definitionFor(carePlan, ctx.workflows) : undefined;
  const channel = channelOf(request);
  if (carePlan && definition && channel) {
    await applyToEnrolment(
      medplum,
      { carePlan, definition, practice: ctx.practice, now: ctx.now },
      deliveryFailedEvent(request, channel, status),
    );
  }
  return 'failed';
}

const PROVIDER_RANK: Readonly<Record<string, number>> = {
  queued: 0,
  accepted: 0,
  scheduled: 0,
  initiated: 0,
  sending: 1,
  ringing: 1,
  sent: 2,
  'in-progress': 2,
  delivered: 3,
  undelivered: 3,
  failed: 3,
  canceled: 3,
  completed: 3,
  busy: 3,
  'no-answer': 3,
  read: 4,
};

function providerRank(status: string): number {
  return PROVIDER_RANK[status] ?? 0;
}
