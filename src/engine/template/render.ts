import type { Channel, MessageTemplate } from '../workflow/types';
import type { TemplateLink } from '../policy/settings';
import { findClinicalTerms } from './clinical-terms';
import { optOutNotice } from './compliance-texts';
import type { TemplateContext } from './context';
import { formatAppointmentDate, formatAppointmentDateTime, formatAppointmentTime } from './datetime';
import { TemplateError } from './errors';
import { smsSegments } from './segments';
import { hasStrayBraces, isTemplateVariable, replacePlaceholders } from './variables';

/** A template rendered for one channel, ready to send. */
export interface RenderedMessage {
  text: string;
  /** Email only: the template's subject, or the practice name when it has none. */
  subject?: string;
  language: string;
  channel: Channel;
  /** How the text would be encoded as SMS (GSM-7 or UCS-2), whatever the channel. */
  encoding: 'GSM-7' | 'UCS-2';
  /** SMS segments the carrier will bill; 0 for voice and email, which are not split. */
  segments: number;
  /** `text.length`, UTF-16 code units. */
  characters: number;
}

function missing(variable: string, why: string): TemplateError {
  return new TemplateError('missing-value', `{{${variable}}} has no value: ${why}`, variable);
}

function present(value: string | undefined, variable: string, why: string): string {
  if (value === undefined || value.trim() === '') throw missing(variable, why);
  return value;
}

function appointmentStart(ctx: TemplateContext, variable: string): string {
  return present(ctx.appointment?.start, variable, 'the message is not about an appointment with a start');
}

// A location called "Oncology Center" would tell whoever sees the phone why the patient goes there.
function notClinical(value: string, variable: string, channel: Channel): string {
  const [hit] = findClinicalTerms(value);
  if (hit !== undefined && (channel === 'sms' || channel === 'voice')) {
    throw new TemplateError(
      'clinical-detail',
      `{{${variable}}} is "${value}", which names "${hit.term}"; not allowed in ${channel}`,
      variable,
    );
  }
  return value;
}

function resolve(name: string, ctx: TemplateContext, channel: Channel): string {
  if (!isTemplateVariable(name)) {
    throw new TemplateError('unknown-variable', `{{${name}}} is not a placeholder Careloop knows`, name);
  }
  switch (name) {
    case 'patient.firstName':
      return present(ctx.patient.firstName, name, 'the patient has no given name');
    case 'practice.name':
      return present(ctx.practice.name, name, 'the practice settings have no name');
    case 'practice.phone':
      return present(ctx.practice.phone, name, 'the practice settings have no phone');
    case 'appointment.date':
      return formatAppointmentDate(appointmentStart(ctx, name), ctx.language, ctx.timeZone);
    case 'appointment.time':
      return formatAppointmentTime(appointmentStart(ctx, name), ctx.language, ctx.timeZone);
    case 'appointment.dateTime':
      return formatAppointmentDateTime(appointmentStart(ctx, name), ctx.language, ctx.timeZone);
    case 'location.name':
      return notClinical(
        present(ctx.location?.name, name, 'the appointment has no named location'),
        name,
        channel,
      );
    case 'location.address':
      return notClinical(present(ctx.location?.address, name, 'the location has no address'), name, channel);
    default: {
      // Every remaining known name is links.<TemplateLink>.
      const link = name.slice('links.'.length) as TemplateLink;
      return present(ctx.links[link], name, `the practice has no ${link} link`);
    }
  }
}

function fill(text: string, ctx: TemplateContext, channel: Channel): string {
  if (hasStrayBraces(text)) {
    throw new TemplateError('malformed-placeholder', 'A placeholder is not written as {{name}}');
  }
  return replacePlaceholders(text, (name) => resolve(name, ctx, channel)).trim();
}

// Only the authored words count: a value (a first name, an address) that happens to read STOP is no notice.
function mentionsStop(body: string): boolean {
  return /\bSTOP\b/.test(body.replace(/\{\{[^{}]*\}\}/g, ' '));
}

function appendNotice(text: string, notice: string): string {
  // After a sentence a space reads naturally; after a link a space-and-dot could be taken into the URL.
  return /[.!?]$/.test(text) ? `${text} ${notice}` : `${text}\n${notice}`;
}

/** Rarely needed switches for renderMessage. */
export interface RenderOptions {
  /**
   * Append the opt-out notice to an SMS that lacks STOP (default true). Turn it off only for a last
   * message after which nothing more is sent, e.g. the wrong-number acknowledgement, where "Reply STOP"
   * would contradict "we won't text this number again".
   */
  optOutNotice?: boolean;
}

/**
 * Renders one template for a channel; for SMS adds practice name and opt-out wording when missing.
 * Throws TemplateError for unknown placeholders or a placeholder whose value is missing (e.g.
 * appointment.date with no appointment), for a template written for another channel, and for an SMS or
 * voice location whose name or address carries clinical detail. Email and voice get nothing added.
 */
export function renderMessage(
  template: MessageTemplate,
  channel: Channel,
  ctx: TemplateContext,
  options: RenderOptions = {},
): RenderedMessage {
  if (template.channel !== undefined && template.channel !== channel) {
    throw new TemplateError(
      'channel-mismatch',
      `The ${template.language} template is for ${template.channel}, not ${channel}`,
    );
  }
  let text = fill(template.body, ctx, channel);
  if (text === '') throw new TemplateError('empty-message', 'The template renders to an empty message');

  let subject: string | undefined;
  if (channel === 'sms') {
    const practice = present(ctx.practice.name, 'practice.name', 'every SMS must name the practice');
    if (!text.toLowerCase().includes(practice.toLowerCase())) text = `${practice}: ${text}`;
    if (options.optOutNotice !== false && !mentionsStop(template.body)) {
      text = appendNotice(text, optOutNotice(ctx.language));
    }
  } else if (channel === 'email') {
    subject = template.subject === undefined ? ctx.practice.name : fill(template.subject, ctx, channel);
  }

  const sms = smsSegments(text);
  const message: RenderedMessage = {
    text,
    language: ctx.language,
    channel,
    encoding: sms.encoding,
    segments: channel === 'sms' ? sms.segments : 0,
    characters: text.length,
  };
  if (subject !== undefined) message.subject = subject;
  return message;
}
