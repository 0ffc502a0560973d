/**
 * Careloop's channels: Twilio SMS and voice over REST, email through Medplum, webhook signatures, form
 * bodies, TwiML and delivery-status mapping, and per-sender pacing. Bots import from here only.
 */
export { twilioConfigFromSecrets, TWILIO_API_BASE_URL, type TwilioConfig } from './twilioConfig';
export { type SendResult, type SendFailure } from './sendResult';
export { DEFAULT_TIMEOUT_MS, type FetchImpl } from './twilioRest';
export { TWILIO_ERROR } from './twilioErrors';
export { sendSms, MAX_SMS_BODY_CHARS, type SmsMessage } from './sms';
export { findSentSms, type SentLookup } from './sentLookup';
export { fetchDeliveryStatus, type ProviderStatus } from './providerStatus';
export { placeCall, MAX_TWIML_CHARS, type VoiceCall } from './voice';
export { sendEmail, isEmailAddress, type EmailMessage } from './email';
export { isE164 } from './phone';
export {
  mapMessageStatus,
  mapCallStatus,
  isStatusAdvance,
  type DeliveryStatus,
  type CommunicationDeliveryStatus,
} from './deliveryStatus';
export {
  validateTwilioSignature,
  computeTwilioSignature,
  twilioBodyHash,
  type SignatureInput,
  type SignatureCheck,
} from './signature';
export { parseFormBody, FORM_LIMITS } from './formBody';
export {
  messagingTwiml,
  voiceReminderTwiml,
  voiceKeyToReply,
  escapeXml,
  type VoiceReminder,
  type VoiceLanguage,
} from './twiml';
export {
  SenderPacer,
  senderKind,
  DEFAULT_SENDER_RATES,
  type SenderKind,
  type SenderPacerOptions,
} from './pacing';
