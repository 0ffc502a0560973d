/**
 * Bot: dispatch (Cron, every minute). Sends the CommunicationRequests that are due, through Twilio (SMS,
 * voice) or Medplum email, after re-checking policy at send time. The work is in src/fhir/dispatchRun.
 */

import type { BotEvent, MedplumClient } from '@medplum/core';
import {
  findSentSms,
  placeCall,
  SenderPacer,
  sendEmail,
  sendSms,
  twilioConfigFromSecrets,
  voiceReminderTwiml,
  type FetchImpl,
  type TwilioConfig,
} from '../channels';
import { smsSegments } from '../engine';
import { runDispatch, type DispatchSummary, type LookupFn, type SendFn } from '../fhir/dispatchRun';
import { loadBotSetup } from './botSetup';
import { botClock, optionalSecret } from './runtime';

/** Medplum entry point. */
export async function handler(medplum: MedplumClient, event: BotEvent): Promise<DispatchSummary> {
  const { practice, workflows } = await loadBotSetup(medplum, event, 'dispatch');
  const twilio = twilioConfigFromSecrets(event.secrets);
  const practiceName = practice.name;
  // Key presses on a reminder call are replies: the Gather action is the inbound bot's webhook. The call's
  // status goes with the texts' to the delivery-status bot (TWILIO_STATUS_CALLBACK_URL, in placeCall).
  const gatherActionUrl =
    twilio.voiceCallbackUrl ?? optionalSecret(event.secrets, 'INBOUND_WEBHOOK_URL') ?? '';
  const clock = botClock();
  return runDispatch(medplum, {
    practice,
    workflows,
    now: () => clock.now(),
    send: channelSender(medplum, twilio, {
      practiceName,
      gatherActionUrl,
      now: () => clock.now().getTime(),
    }),
    lookupSent: channelLookup(twilio),
  });
}

/**
 * The production LookupFn: Twilio's message log for texts. Calls and emails have no log dispatch reads,
 * so for them the answer is "cannot say" (recorded as sent with unknown delivery, never sent again).
 */
export function channelLookup(twilio: TwilioConfig, fetchImpl?: FetchImpl): LookupFn {
  return async (msg) =>
    msg.channel === 'sms'
      ? findSentSms(twilio, { to: msg.to, body: msg.text, since: msg.since }, fetchImpl)
      : { sent: 'unknown', reason: `no ${msg.channel} log to read` };
}

/**
 * The production SendFn: SMS and voice through Twilio (paced per sender), email through Medplum. A call's
 * key presses go to `gatherActionUrl`; its status, like a text's, to the config's `statusCallbackUrl`.
 */
export function channelSender(
  medplum: MedplumClient,
  twilio: TwilioConfig,
  options: { practiceName: string; gatherActionUrl: string; now: () => number; fetchImpl?: FetchImpl },
): SendFn {
  const sender = twilio.messagingServiceSid ?? twilio.from;
  const pacer = new SenderPacer(twilio.senderRate ? { rates: { [sender]: twilio.senderRate } } : {});
  return async (msg) => {
    if (msg.channel === 'email') {
      return sendEmail(medplum, {
        to: msg.to,
        // Dispatch passes the planned subject; this default only covers a caller that has none.
        subject: msg.subject ?? `A message from ${options.practiceName}`,
        text: msg.text,
      });
    }
    const segments = msg.channel === 'sms' ? smsSegments(msg.text).segments : 1;
    const wait = pacer.reserve(sender, Math.max(1, segments), options.now());
    if (wait > 0) {
      // Carrier throughput per sender number: going faster gets messages queued or refused (20429).
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    if (msg.channel === 'sms') {
      return sendSms(twilio, { to: msg.to, body: msg.text }, options.fetchImpl);
    }
    const twiml = voiceReminderTwiml({
      text: msg.text,
      language: msg.language === 'es' ? 'es' : 'en',
      gatherActionUrl: options.gatherActionUrl,
    });
    return placeCall(twilio, { to: msg.to, twiml }, options.fetchImpl);
  };
}
