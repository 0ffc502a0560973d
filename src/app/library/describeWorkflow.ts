/**
 * Workflow definitions in words for the library page: when a workflow starts, when each step goes out,
 * what a reply does. Pure functions over the engine's WorkflowDefinition.
 */

import { taskLabel } from '../../engine/planning/resources';
import type { ResponseBranch, StepTiming, TaskSpec, WorkflowTrigger } from '../../engine/workflow/types';
import { QUEUE_LABELS } from '../../fhir/worklist/labels';

const TRIGGERS: Readonly<Record<WorkflowTrigger, string>> = {
  'appointment-booked': 'When an appointment is booked',
  'appointment-rescheduled': 'When an appointment is moved',
  'appointment-cancelled': 'When an appointment is cancelled',
  'appointment-noshow': 'When a patient misses an appointment',
  'appointment-fulfilled': 'After a visit takes place',
  'survey-submitted': 'When a survey is submitted',
  'reply-received': 'When a patient replies',
  'cohort-due': 'When a patient becomes due (daily cohort check)',
  manual: 'When staff enrol a patient',
};

const ANCHORS: Readonly<Record<StepTiming['anchor'], string>> = {
  'before-start': 'before the appointment',
  'after-start': 'after the appointment starts',
  'after-end': 'after the appointment ends',
  'after-enrolment': 'after enrolment',
};

const AT_ANCHOR: Readonly<Record<StepTiming['anchor'], string>> = {
  'before-start': 'When the appointment starts',
  'after-start': 'When the appointment starts',
  'after-end': 'When the appointment ends',
  'after-enrolment': 'Right after enrolment',
};

const INTENTS: Readonly<Record<string, string>> = {
  confirm: 'Confirms',
  cancel: 'Asks to cancel',
  reschedule: 'Asks to reschedule',
  question: 'Asks a question',
  unknown: 'Says something unclear',
};

const ACTIONS: Readonly<Record<string, string>> = {
  'confirm-appointment': 'confirm the appointment',
  'cancel-appointment': 'cancel the appointment',
  'create-task': 'create a task',
  complete: 'end the workflow',
  acknowledge: 'acknowledge the reply',
};

const CHANNELS: Readonly<Record<string, string>> = { sms: 'text', voice: 'voice call', email: 'email' };

const LANGUAGES: Readonly<Record<string, string>> = { en: 'English', es: 'Spanish' };

/** "When an appointment is booked". */
export function describeTrigger(trigger: WorkflowTrigger): string {
  return TRIGGERS[trigger] ?? trigger;
}

/** "3 days before the appointment, at 10:00 local time; late: sent at once" and repeats. */
export function describeTiming(t: StepTiming): string {
  const when = t.offset.ms === 0 ? AT_ANCHOR[t.anchor] : `${t.offset.label} ${ANCHORS[t.anchor]}`;
  const at = t.timeOfDay ? `, at ${t.timeOfDay} in the patient's time zone` : '';
  const repeat = t.repeat ? `; repeats ${t.repeat.count} times, every ${t.repeat.every.label}` : '';
  const late =
    t.latePolicy === 'skip' ? '; skipped if it is already too late' : '; sent as soon as allowed if late';
  return `${when.charAt(0).toUpperCase()}${when.slice(1)}${at}${repeat}${late}`;
}

/** "text, then email". */
export function describeChannels(channels: readonly string[]): string {
  return channels.map((c) => CHANNELS[c] ?? c).join(', then ') || 'no channel';
}

/** "English", "Spanish" or the code. */
export function languageName(code: string): string {
  return LANGUAGES[code] ?? code;
}

/** "Reschedule the appointment (Patient access, urgent, due in 1 day)". */
export function describeTask(t: TaskSpec): string {
  return `${taskLabel(t.kind)} (${QUEUE_LABELS[t.queue] ?? t.queue}, ${t.priority}, due in ${t.dueIn.label})`;
}

/** "Asks to reschedule → create a task: Reschedule the appointment (…); ends as reschedule-requested". */
export function describeBranch(b: ResponseBranch): string {
  const who = INTENTS[b.intent] ?? `Replies "${b.intent}"`;
  const task = b.task ? `: ${describeTask(b.task)}` : '';
  const outcome = b.outcome ? `; ends as ${b.outcome}` : '';
  return `${who} → ${ACTIONS[b.action] ?? b.action}${task}${outcome}`;
}
