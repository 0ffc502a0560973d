export * from './settings';
export { resolveTimeZone, isValidTimeZone, type ResolvedTimeZone } from './timeZone';
export { sendWindowFor, fitSendWindow, inSendWindow } from './sendWindow';
export { capViolation, type OutboundRecord } from './caps';
export {
  consentFor,
  buildConsent,
  isCommunicationConsent,
  type ConsentDecision,
  type ConsentChange,
} from './consent';
export { contactAddresses, toE164, invalidPhones, type ContactAddress } from './contact';
export { chooseChannel, isMissingContact, type ChannelChoice } from './channel';
export { patientSuppression, appointmentStates, stepSuppression } from './suppression';
