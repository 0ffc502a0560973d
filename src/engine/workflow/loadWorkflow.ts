/**
 * Reads a PlanDefinition and its ActivityDefinitions into the typed WorkflowDefinition model, enforcing
 * the profile in docs/workflow-definitions.md. Definitions are edited by practices, so every problem is
 * reported as a WorkflowDefinitionError naming the element instead of surfacing later as a crash.
 */

import { parseFhirPath } from '@medplum/core';
import type {
  ActivityDefinition,
  Expression,
  Extension,
  PlanDefinition,
  PlanDefinitionAction,
} from '@medplum/fhirtypes';
import { EXT } from '../codes';
import { REPLY_INTENTS, type ReplyIntent } from '../reply';
import { lintTemplate } from '../template';
import { parseDuration, stepDuration } from './duration';
import { WorkflowDefinitionError } from './errors';
import { ENROLMENT_OUTCOMES } from './outcomes';
import { extensionOf, extensionsOf, type HasExtensions } from './extensions';
import {
  CHANNELS,
  TASK_KINDS,
  WORKFLOW_PURPOSES,
  WORKFLOW_TRIGGERS,
  isAppointmentTrigger,
  type AnswerScale,
  type BranchAction,
  type Channel,
  type ConsentBasis,
  type FhirPathCondition,
  type LatePolicy,
  type MessageTemplate,
  type ResponseBranch,
  type StepDuration,
  type StepTiming,
  type StopCondition,
  type TaskKind,
  type TaskPriority,
  type TaskSpec,
  type TimingAnchor,
  type WorkflowDefinition,
  type WorkflowStep,
} from './types';

const ANCHORS: readonly TimingAnchor[] = ['before-start', 'after-start', 'after-end', 'after-enrolment'];
const LATE_POLICIES: readonly LatePolicy[] = ['pull-in', 'skip'];
const STOP_CONDITIONS: readonly StopCondition[] = ['confirmed', 'cancelled', 'fulfilled', 'noshow'];
const PRIORITIES: readonly TaskPriority[] = ['routine', 'urgent', 'asap', 'stat'];
const BRANCH_ACTIONS: readonly BranchAction[] = [
  'confirm-appointment',
  'cancel-appointment',
  'create-task',
  'complete',
  'acknowledge',
];
/** Intents whose handling is compliance, identical in every workflow: definitions may not override them. */
const ENGINE_OWNED_INTENTS: readonly ReplyIntent[] = ['opt-out', 'opt-in', 'help', 'urgent', 'wrong-number'];

const ONE_DAY = stepDuration(1, 'd', 'default');

/** Loads a workflow definition; throws WorkflowDefinitionError naming the element on any profile breach. */
export function loadWorkflow(
  plan: PlanDefinition,
  activities: readonly ActivityDefinition[],
): WorkflowDefinition {
  if (plan?.resourceType !== 'PlanDefinition') {
    throw new WorkflowDefinitionError('PlanDefinition', 'expected a PlanDefinition resource');
  }
  const url = requireString(plan.url, 'PlanDefinition.url');
  const name = requireString(plan.name, 'PlanDefinition.name');
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) {
    throw new WorkflowDefinitionError(
      'PlanDefinition.name',
      `"${name}" must be code-like (letters, digits, - or _)`,
    );
  }
  const isWorkflow = plan.type?.coding?.some((c) => c.code === 'workflow-definition');
  if (!isWorkflow) {
    throw new WorkflowDefinitionError('PlanDefinition.type', 'must be workflow-definition');
  }
  const trigger = requireCode(
    plan,
    EXT.trigger,
    WORKFLOW_TRIGGERS,
    'PlanDefinition.extension[workflow-trigger]',
  );
  const purpose = requireCode(
    plan,
    EXT.purpose,
    WORKFLOW_PURPOSES,
    'PlanDefinition.extension[workflow-purpose]',
  );
  const consentBasis =
    optionalCode<ConsentBasis>(
      plan,
      EXT.consentBasis,
      ['healthcare-exemption', 'prior-express-consent'],
      'PlanDefinition.extension[consent-basis]',
    ) ?? 'healthcare-exemption';
  if (purpose === 'billing' && consentBasis !== 'prior-express-consent') {
    throw new WorkflowDefinitionError(
      'PlanDefinition.extension[consent-basis]',
      'billing messages are outside the TCPA healthcare exemption: use prior-express-consent',
    );
  }
  const cohort = extensionOf(plan, EXT.cohort)?.valueCode;
  if (trigger === 'cohort-due' && !cohort) {
    throw new WorkflowDefinitionError(
      'PlanDefinition.extension[workflow-cohort]',
      'is required for cohort-due',
    );
  }

  const byUrl = new Map<string, ActivityDefinition>();
  activities.forEach((a, i) => {
    if (a?.resourceType !== 'ActivityDefinition' || !a.url) {
      throw new WorkflowDefinitionError(`activities[${i}]`, 'expected an ActivityDefinition with a url');
    }
    byUrl.set(a.url, a);
    if (a.version) {
      byUrl.set(`${a.url}|${a.version}`, a);
    }
  });

  const actions = plan.action ?? [];
  if (actions.length === 0) {
    throw new WorkflowDefinitionError('PlanDefinition.action', 'a workflow needs at least one step');
  }
  const seen = new Set<string>();
  const steps = actions.map((action, i) => {
    const step = readStep(action, `PlanDefinition.action[${i}]`, byUrl);
    if (seen.has(step.id)) {
      throw new WorkflowDefinitionError(`PlanDefinition.action[${i}].id`, `duplicate step id "${step.id}"`);
    }
    seen.add(step.id);
    if (step.timing.anchor !== 'after-enrolment' && !isAppointmentTrigger(trigger)) {
      throw new WorkflowDefinitionError(
        `PlanDefinition.action[${i}].extension[timing-anchor]`,
        `"${step.timing.anchor}" needs an appointment, but the trigger is ${trigger}`,
      );
    }
    return step;
  });

  const conditions = extensionsOf(plan, EXT.applicability).map((e, i) =>
    readCondition(
      e.valueExpression,
      `PlanDefinition.extension[workflow-applicability][${i}].valueExpression`,
    ),
  );

  const branches = extensionsOf(plan, EXT.responseBranch).map((e, i) =>
    readBranch(e, `PlanDefinition.extension[response-branch][${i}]`),
  );
  const branchIntents = new Set<ReplyIntent>();
  branches.forEach((b, i) => {
    if (branchIntents.has(b.intent)) {
      throw new WorkflowDefinitionError(
        `PlanDefinition.extension[response-branch][${i}].intent`,
        `a second branch for "${b.intent}"`,
      );
    }
    branchIntents.add(b.intent);
  });

  const noResponseExt = extensionOf(plan, EXT.noResponse);
  const noResponse = noResponseExt
    ? readNoResponse(noResponseExt, 'PlanDefinition.extension[no-response-escalation]')
    : undefined;

  return {
    url,
    version: plan.version ?? '',
    name,
    title: plan.title ?? name,
    description: plan.description ?? '',
    status: plan.status ?? 'unknown',
    trigger,
    purpose,
    consentBasis,
    ...(cohort ? { cohort } : {}),
    conditions,
    steps,
    branches,
    ...(noResponse ? { noResponse } : {}),
  };
}

function readStep(
  action: PlanDefinitionAction,
  path: string,
  activities: ReadonlyMap<string, ActivityDefinition>,
): WorkflowStep {
  const id = requireString(action.id, `${path}.id`);
  const canonical = requireString(action.definitionCanonical, `${path}.definitionCanonical`);
  const activity = activities.get(canonical) ?? activities.get(canonical.split('|')[0] ?? '');
  if (!activity) {
    throw new WorkflowDefinitionError(
      `${path}.definitionCanonical`,
      `no ActivityDefinition "${canonical}" was supplied`,
    );
  }
  const timing = readTiming(action, path);
  const conditions = (action.condition ?? []).map((c, i) => {
    if (c.kind !== 'applicability') {
      throw new WorkflowDefinitionError(
        `${path}.condition[${i}].kind`,
        'only applicability conditions are supported',
      );
    }
    return readCondition(c.expression, `${path}.condition[${i}].expression`);
  });
  const stopWhen = extensionsOf(action, EXT.stopWhen).map((e, i) =>
    oneOf(e.valueCode, STOP_CONDITIONS, `${path}.extension[stop-when][${i}].valueCode`),
  );
  const base = {
    id,
    title: action.title ?? id,
    activity: activity.url ?? canonical,
    timing,
    conditions,
    stopWhen,
  };
  const apath = `ActivityDefinition[${activity.url ?? canonical}]`;
  if (activity.kind === 'Task') {
    const kind = oneOf(activity.code?.coding?.[0]?.code, TASK_KINDS, `${apath}.code`);
    return {
      ...base,
      kind: 'task',
      channels: [],
      templates: [],
      task: {
        kind,
        queue: requireString(
          extensionOf(activity, EXT.taskQueue)?.valueCode,
          `${apath}.extension[task-queue]`,
        ),
        priority: activity.priority ? oneOf(activity.priority, PRIORITIES, `${apath}.priority`) : 'routine',
        dueIn: readOptionalDuration(
          extensionOf(activity, EXT.taskDue)?.valueDuration,
          `${apath}.extension[task-due]`,
        ),
        ...(activity.description ? { description: activity.description } : {}),
      },
    };
  }
  if (activity.kind !== 'CommunicationRequest') {
    throw new WorkflowDefinitionError(
      `${apath}.kind`,
      `must be CommunicationRequest or Task, got "${activity.kind}"`,
    );
  }
  const channels = extensionsOf(activity, EXT.channel).map((e, i) =>
    oneOf(e.valueCode, CHANNELS, `${apath}.extension[channel][${i}].valueCode`),
  );
  if (channels.length === 0) {
    throw new WorkflowDefinitionError(`${apath}.extension[channel]`, 'a message needs at least one channel');
  }
  const templates = extensionsOf(activity, EXT.messageTemplate).map((e, i) =>
    readTemplate(e, `${apath}.extension[message-template][${i}]`),
  );
  if (templates.length === 0) {
    throw new WorkflowDefinitionError(
      `${apath}.extension[message-template]`,
      'a message needs at least one template',
    );
  }
  for (const channel of channels) {
    if (!templates.some((t) => t.channel === undefined || t.channel === channel)) {
      throw new WorkflowDefinitionError(
        `${apath}.extension[message-template]`,
        `no template for channel "${channel}"`,
      );
    }
  }
  templates.forEach((t, i) => {
    for (const channel of t.channel ? [t.channel] : channels) {
      refuseLintErrors(t.body, channel, t.language, `${apath}.extension[message-template][${i}].body`);
    }
  });
  const questionnaire = extensionOf(activity, EXT.questionnaire)?.valueCanonical;
  const scaleExt = extensionOf(activity, EXT.answerScale);
  const answerScale = scaleExt ? readAnswerScale(scaleExt, `${apath}.extension[answer-scale]`) : undefined;
  return {
    ...base,
    kind: 'message',
    channels,
    templates,
    ...(questionnaire ? { questionnaire } : {}),
    ...(answerScale ? { answerScale } : {}),
  };
}

function readTiming(action: PlanDefinitionAction, path: string): StepTiming {
  const anchor = requireCode(action, EXT.timingAnchor, ANCHORS, `${path}.extension[timing-anchor]`);
  const latePolicy =
    optionalCode(action, EXT.latePolicy, LATE_POLICIES, `${path}.extension[late-policy]`) ?? 'pull-in';
  const timeOfDay = extensionOf(action, EXT.sendTimeOfDay)?.valueTime;
  if (timeOfDay !== undefined && !/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(timeOfDay)) {
    throw new WorkflowDefinitionError(
      `${path}.extension[send-time-of-day]`,
      `"${timeOfDay}" is not a time (HH:mm:ss)`,
    );
  }
  const common = { anchor, latePolicy, ...(timeOfDay ? { timeOfDay: timeOfDay.slice(0, 5) } : {}) };
  if (action.timingDuration) {
    return { ...common, offset: parseDuration(action.timingDuration, `${path}.timingDuration`) };
  }
  const repeat = action.timingTiming?.repeat;
  if (repeat) {
    const rpath = `${path}.timingTiming.repeat`;
    const count = repeat.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 366) {
      throw new WorkflowDefinitionError(`${rpath}.count`, 'must be an integer from 1 to 366');
    }
    if (typeof repeat.period !== 'number' || repeat.period <= 0) {
      throw new WorkflowDefinitionError(`${rpath}.period`, 'must be a number > 0');
    }
    const every = stepDuration(repeat.period, repeat.periodUnit ?? '', `${rpath}.periodUnit`);
    const offsetDuration = extensionOf(action, EXT.timingOffset)?.valueDuration;
    const offset = offsetDuration
      ? parseDuration(offsetDuration, `${path}.extension[timing-offset]`)
      : stepDuration(0, 'min', path);
    return { ...common, offset, repeat: { count, every } };
  }
  throw new WorkflowDefinitionError(path, 'needs timingDuration or timingTiming.repeat');
}

function readTemplate(ext: Extension, path: string): MessageTemplate {
  const language = requireString(extensionOf(ext, 'language')?.valueCode, `${path}.language`);
  const body = requireString(extensionOf(ext, 'body')?.valueString, `${path}.body`);
  const channelCode = extensionOf(ext, 'channel')?.valueCode;
  const channel = channelCode === undefined ? undefined : oneOf(channelCode, CHANNELS, `${path}.channel`);
  const subject = extensionOf(ext, 'subject')?.valueString;
  return { language, body, ...(channel ? { channel } : {}), ...(subject ? { subject } : {}) };
}

function readBranch(ext: Extension, path: string): ResponseBranch {
  const intent = oneOf(extensionOf(ext, 'intent')?.valueCode, REPLY_INTENTS, `${path}.intent`);
  if (ENGINE_OWNED_INTENTS.includes(intent)) {
    throw new WorkflowDefinitionError(
      `${path}.intent`,
      `"${intent}" is handled by Careloop's compliance rules in every workflow and cannot be branched`,
    );
  }
  const action = oneOf(extensionOf(ext, 'action')?.valueCode, BRANCH_ACTIONS, `${path}.action`);
  const task = extensionOf(ext, 'task-kind') ? readTaskSpec(ext, path) : undefined;
  if (action === 'create-task' && !task) {
    throw new WorkflowDefinitionError(`${path}.task-kind`, 'is required when the action is create-task');
  }
  const replies = extensionsOf(ext, 'reply').map((r, i) => {
    const rp = `${path}.reply[${i}]`;
    const reply = {
      language: requireString(extensionOf(r, 'language')?.valueCode, `${rp}.language`),
      body: requireString(extensionOf(r, 'body')?.valueString, `${rp}.body`),
    };
    // Acknowledgements go back by text, so they follow the SMS content rules.
    refuseLintErrors(reply.body, 'sms', reply.language, `${rp}.body`);
    return reply;
  });
  const outcomeCode = extensionOf(ext, 'outcome')?.valueCode;
  const outcome =
    outcomeCode === undefined ? undefined : oneOf(outcomeCode, ENROLMENT_OUTCOMES, `${path}.outcome`);
  return { intent, action, replies, ...(task ? { task } : {}), ...(outcome ? { outcome } : {}) };
}

function readAnswerScale(ext: Extension, path: string): AnswerScale {
  const int = (name: string): number => {
    const v = extensionOf(ext, name)?.valueInteger;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new WorkflowDefinitionError(`${path}.${name}`, 'must be an integer');
    }
    return v;
  };
  const min = int('min');
  const max = int('max');
  const escalateAtOrBelow = int('escalate-at-or-below');
  if (min >= max || escalateAtOrBelow < min || escalateAtOrBelow > max) {
    throw new WorkflowDefinitionError(path, `needs min < max and min ≤ escalate-at-or-below ≤ max`);
  }
  const endsEnrolment = extensionOf(ext, 'ends-enrolment')?.valueBoolean ?? false;
  return { min, max, escalateAtOrBelow, endsEnrolment, task: readTaskSpec(ext, path) };
}

function readNoResponse(ext: Extension, path: string): { touches: number; task: TaskSpec } {
  const touches = extensionOf(ext, 'touches')?.valueInteger ?? 3;
  if (!Number.isInteger(touches) || touches < 1) {
    throw new WorkflowDefinitionError(`${path}.touches`, 'must be an integer ≥ 1');
  }
  return { touches, task: readTaskSpec(ext, path) };
}

function readTaskSpec(ext: HasExtensions, path: string): TaskSpec {
  const kind: TaskKind = oneOf(extensionOf(ext, 'task-kind')?.valueCode, TASK_KINDS, `${path}.task-kind`);
  const queue = requireString(extensionOf(ext, 'queue')?.valueCode, `${path}.queue`);
  const priorityCode = extensionOf(ext, 'priority')?.valueCode;
  const priority =
    priorityCode === undefined ? 'routine' : oneOf(priorityCode, PRIORITIES, `${path}.priority`);
  const dueIn = readOptionalDuration(extensionOf(ext, 'due')?.valueDuration, `${path}.due`);
  return { kind, queue, priority, dueIn };
}

function readOptionalDuration(d: Parameters<typeof parseDuration>[0], path: string): StepDuration {
  return d ? parseDuration(d, path) : ONE_DAY;
}

function readCondition(expr: Expression | undefined, path: string): FhirPathCondition {
  if (!expr) {
    throw new WorkflowDefinitionError(path, 'is required');
  }
  if (expr.language !== 'text/fhirpath') {
    throw new WorkflowDefinitionError(`${path}.language`, `must be text/fhirpath, got "${expr.language}"`);
  }
  const expression = requireString(expr.expression, `${path}.expression`);
  try {
    parseFhirPath(expression);
  } catch (err) {
    throw new WorkflowDefinitionError(`${path}.expression`, `invalid FHIRPath: ${(err as Error).message}`);
  }
  return { expression, description: expr.description ?? expression };
}

/** Template problems that would put clinical detail in a text or break rendering are refused at load time. */
function refuseLintErrors(body: string, channel: Channel, language: string, path: string): void {
  const errors = lintTemplate(body, channel, language).filter((issue) => issue.severity === 'error');
  if (errors.length > 0) {
    throw new WorkflowDefinitionError(path, errors.map((e) => e.message).join(' '));
  }
}

function requireString(value: string | undefined, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new WorkflowDefinitionError(path, 'is required');
  }
  return value;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], path: string): T {
  if (value === undefined) {
    throw new WorkflowDefinitionError(path, 'is required');
  }
  if (!(allowed as readonly string[]).includes(value)) {
    throw new WorkflowDefinitionError(path, `"${value}" is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function requireCode<T extends string>(
  holder: HasExtensions,
  url: string,
  allowed: readonly T[],
  path: string,
): T {
  return oneOf(extensionOf(holder, url)?.valueCode, allowed, `${path}.valueCode`);
}

function optionalCode<T extends string>(
  holder: HasExtensions,
  url: string,
  allowed: readonly T[],
  path: string,
): T | undefined {
  const code = extensionOf(holder, url)?.valueCode;
  return code === undefined ? undefined : oneOf(code, allowed, `${path}.valueCode`);
}
