import { validateResource } from '@medplum/core';
import type { Bundle, Duration, Extension, Resource } from '@medplum/fhirtypes';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CARELOOP_BASE, CS, EXT, UCUM } from '../../src/engine/codes';
import {
  CHANNELS,
  TASK_KINDS,
  WORKFLOW_PURPOSES,
  WORKFLOW_TRIGGERS,
  type BranchAction,
  type ConsentBasis,
  type StopCondition,
  type TimingAnchor,
} from '../../src/engine/workflow/types';
import { ENROLMENT_OUTCOMES } from '../../src/engine/workflow/outcomes';
import { REPLY_INTENTS } from '../../src/engine/reply';
import { DEFAULT_LIBRARY_ROOT, libraryTransactionBundle } from '../../src/fhir/library';
import {
  activities,
  byUrl,
  codeSystems,
  codesOf,
  indexFhirDefinitions,
  plans,
  questionnaires,
  resources,
  sub,
  valueSets,
} from './helpers';

beforeAll(() => indexFhirDefinitions());

const label = (r: Resource): string => `${r.resourceType}/${r.id ?? '?'}`;

describe('every library resource', () => {
  it('is present: ten workflows, their activities, two questionnaires, code systems and value sets', () => {
    expect(plans).toHaveLength(10);
    expect(activities.length).toBeGreaterThanOrEqual(20);
    expect(questionnaires.map((q) => q.id).sort()).toEqual(['chronic-care-check-in', 'post-visit-survey']);
    expect(codeSystems.length).toBeGreaterThanOrEqual(Object.keys(CS).length);
    expect(valueSets).toHaveLength(codeSystems.length);
  });

  it.each(resources.map((r) => [label(r), r] as const))('%s is valid FHIR R4', (_name, resource) => {
    expect(() => validateResource(resource)).not.toThrow();
  });

  it.each(resources.map((r) => [label(r), r] as const))(
    '%s has the Careloop identity: id, url, version, status, publisher',
    (_name, resource) => {
      const r = resource as Resource & {
        url?: string;
        version?: string;
        status?: string;
        publisher?: string;
        name?: string;
      };
      expect(r.id).toMatch(/^[a-z0-9][a-z0-9-]{0,63}$/);
      expect(r.url).toBe(`${CARELOOP_BASE}/${r.resourceType}/${r.id}`);
      expect(r.version).toBe('1.0.0');
      expect(r.status).toBe('active');
      expect(r.publisher).toBe('Careloop');
      expect(r.name).toBe(r.id);
    },
  );

  it('has an id (per resource type, as FHIR ids are) and a url no other library resource has', () => {
    const ids = resources.map(label);
    const urls = resources.map((r) => (r as { url?: string }).url);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(urls).size).toBe(urls.length);
  });
});

describe('the files', () => {
  const workflowDir = join(DEFAULT_LIBRARY_ROOT, 'workflows');
  const files = readdirSync(workflowDir).filter((f) => f.endsWith('.json'));

  it.each(files)(
    'workflows/%s is a valid collection Bundle of one PlanDefinition and its activities',
    (file) => {
      const bundle = JSON.parse(readFileSync(join(workflowDir, file), 'utf8')) as Bundle;
      expect(() => validateResource(bundle)).not.toThrow();
      expect(bundle.type).toBe('collection');
      const inside = (bundle.entry ?? []).map((e) => e.resource as Resource);
      const [plan, ...rest] = inside;
      expect(plan?.resourceType).toBe('PlanDefinition');
      expect(file).toBe(`${plan?.id}.json`);
      expect(rest.every((r) => r.resourceType === 'ActivityDefinition')).toBe(true);
      // Each activity in the file is a step of this plan, and each step's activity is in the file.
      const canonicals = (plan?.resourceType === 'PlanDefinition' ? (plan.action ?? []) : []).map(
        (a) => a.definitionCanonical,
      );
      expect(rest.map((r) => (r as { url?: string }).url).sort()).toEqual([...canonicals].sort());
      for (const entry of bundle.entry ?? []) {
        expect(entry.fullUrl).toBe((entry.resource as { url?: string }).url);
      }
    },
  );
});

describe('the transaction Bundle', () => {
  const bundle = libraryTransactionBundle(resources);

  it('is valid FHIR R4', () => {
    expect(() => validateResource(bundle)).not.toThrow();
  });

  it('upserts every resource by canonical url, without file ids', () => {
    expect(bundle.type).toBe('transaction');
    expect(bundle.entry).toHaveLength(resources.length);
    for (const entry of bundle.entry ?? []) {
      const r = entry.resource as Resource & { url: string };
      expect(entry.request?.method).toBe('PUT');
      expect(entry.request?.url).toBe(`${r.resourceType}?url=${encodeURIComponent(r.url)}`);
      expect(r.id).toBeUndefined();
      expect(() => validateResource(r)).not.toThrow();
    }
  });
});

describe('canonical references', () => {
  it('every action points at an ActivityDefinition in the library', () => {
    for (const plan of plans) {
      for (const action of plan.action ?? []) {
        expect(
          byUrl('ActivityDefinition', action.definitionCanonical),
          `${plan.id} ${action.id}`,
        ).toBeDefined();
      }
    }
  });

  it('every questionnaire extension points at a Questionnaire in the library', () => {
    const refs = activities.flatMap((a) => (a.extension ?? []).filter((e) => e.url === EXT.questionnaire));
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) {
      expect(byUrl('Questionnaire', ref.valueCanonical), ref.valueCanonical).toBeDefined();
    }
  });

  it('every CodeSystem names its ValueSet, and every ValueSet includes a library CodeSystem', () => {
    for (const cs of codeSystems) {
      expect(byUrl('ValueSet', cs.valueSet), cs.url).toBeDefined();
    }
    for (const vs of valueSets) {
      for (const include of vs.compose?.include ?? []) {
        expect(byUrl('CodeSystem', include.system), vs.url).toBeDefined();
      }
    }
  });

  it('every Careloop coding in a Questionnaire or ActivityDefinition is in its CodeSystem', () => {
    const codings = [
      ...questionnaires.flatMap((q) =>
        (q.item ?? []).flatMap((i) => (i.answerOption ?? []).map((o) => o.valueCoding)),
      ),
      ...activities.flatMap((a) => a.code?.coding ?? []),
    ].filter((c) => c?.system?.startsWith(CARELOOP_BASE));
    expect(codings.length).toBeGreaterThan(0);
    for (const c of codings) {
      expect(codesOf(c?.system ?? '').has(c?.code ?? ''), `${c?.system}#${c?.code}`).toBe(true);
    }
  });
});

// The code system every Careloop extension (or sub-extension of a complex one) draws its valueCode from.
const CODE_SYSTEM_OF: Readonly<Record<string, string>> = {
  [EXT.trigger]: CS.trigger,
  [EXT.purpose]: CS.purpose,
  [EXT.consentBasis]: CS.consentBasis,
  [EXT.cohort]: CS.cohort,
  [EXT.timingAnchor]: CS.timingAnchor,
  [EXT.stopWhen]: CS.stopWhen,
  [EXT.channel]: CS.channel,
  [EXT.taskQueue]: CS.queue,
  [`${EXT.responseBranch}#intent`]: CS.replyIntent,
  [`${EXT.responseBranch}#action`]: CS.branchAction,
  [`${EXT.responseBranch}#outcome`]: CS.outcome,
  [`${EXT.responseBranch}#task-kind`]: CS.taskKind,
  [`${EXT.responseBranch}#queue`]: CS.queue,
  [`${EXT.noResponse}#task-kind`]: CS.taskKind,
  [`${EXT.noResponse}#queue`]: CS.queue,
  [`${EXT.answerScale}#task-kind`]: CS.taskKind,
  [`${EXT.answerScale}#queue`]: CS.queue,
  [`${EXT.messageTemplate}#channel`]: CS.channel,
  [`${EXT.messageTemplate}#language`]: 'language',
  [`${EXT.responseBranch}#reply#language`]: 'language',
};
// Codes with a fixed FHIR or profile value set rather than a Careloop CodeSystem.
const FIXED_CODES: Readonly<Record<string, readonly string[]>> = {
  [EXT.latePolicy]: ['pull-in', 'skip'],
  [`${EXT.responseBranch}#priority`]: ['routine', 'urgent', 'asap', 'stat'],
  [`${EXT.noResponse}#priority`]: ['routine', 'urgent', 'asap', 'stat'],
  [`${EXT.answerScale}#priority`]: ['routine', 'urgent', 'asap', 'stat'],
  language: ['en', 'es'],
};

/** Every (extension path, valueCode) pair in the extensions, walking complex extensions. */
function codesIn(extensions: readonly Extension[] | undefined, prefix = ''): [string, string][] {
  return (extensions ?? []).flatMap((e) => {
    const path = prefix ? `${prefix}#${e.url}` : e.url;
    return [
      ...(e.valueCode === undefined ? [] : [[path, e.valueCode] as [string, string]]),
      ...codesIn(e.extension, path),
    ];
  });
}

describe('codes', () => {
  const used = [
    ...plans.flatMap((p) => [
      ...codesIn(p.extension),
      ...(p.action ?? []).flatMap((a) => codesIn(a.extension)),
    ]),
    ...activities.flatMap((a) => codesIn(a.extension)),
  ];

  it('every code used in an extension is in its CodeSystem (or its fixed value set)', () => {
    expect(used.length).toBeGreaterThan(100);
    for (const [path, code] of used) {
      const system = CODE_SYSTEM_OF[path];
      const fixed = FIXED_CODES[system ?? path];
      if (fixed) {
        expect(fixed, `${path} = ${code}`).toContain(code);
      } else {
        expect(system, `no code system known for ${path}`).toBeDefined();
        expect(codesOf(system ?? '').has(code), `${path} = ${code}`).toBe(true);
      }
    }
  });

  it('every Careloop code system has a complete, active, case-sensitive CodeSystem with unique codes', () => {
    for (const url of Object.values(CS)) {
      const cs = codeSystems.find((c) => c.url === url);
      expect(cs, url).toBeDefined();
      expect(cs?.content).toBe('complete');
      expect(cs?.caseSensitive).toBe(true);
      expect(cs?.count).toBe(cs?.concept?.length);
      const codes = (cs?.concept ?? []).map((c) => c.code);
      expect(new Set(codes).size, url).toBe(codes.length);
      for (const c of cs?.concept ?? []) {
        expect(c.display, `${url}#${c.code}`).toBeTruthy();
        expect(c.definition, `${url}#${c.code}`).toBeTruthy();
      }
    }
  });

  // Records typed by the engine's unions: the compiler rejects a missing or an extra code.
  const anchors: Record<TimingAnchor, true> = {
    'before-start': true,
    'after-start': true,
    'after-end': true,
    'after-enrolment': true,
  };
  const stopWhen: Record<StopCondition, true> = {
    confirmed: true,
    cancelled: true,
    fulfilled: true,
    noshow: true,
  };
  const bases: Record<ConsentBasis, true> = { 'healthcare-exemption': true, 'prior-express-consent': true };
  const actions: Record<BranchAction, true> = {
    'confirm-appointment': true,
    'cancel-appointment': true,
    'create-task': true,
    complete: true,
    acknowledge: true,
  };
  const expected: [string, readonly string[]][] = [
    [CS.trigger, WORKFLOW_TRIGGERS],
    [CS.purpose, WORKFLOW_PURPOSES],
    [CS.channel, CHANNELS],
    [CS.taskKind, TASK_KINDS],
    [CS.timingAnchor, Object.keys(anchors)],
    [CS.stopWhen, Object.keys(stopWhen)],
    [CS.consentBasis, Object.keys(bases)],
    [CS.branchAction, Object.keys(actions)],
    [CS.replyIntent, REPLY_INTENTS],
    [CS.outcome, ENROLMENT_OUTCOMES],
    [
      CS.businessStatus,
      ['new', 'attempting-contact', 'contacted', 'scheduled', 'resolved', 'unable-to-reach'],
    ],
    [CS.queue, ['access', 'front-office', 'care-coordination', 'clinical-triage', 'billing']],
    [CS.cohort, ['recall-due', 'screening-due', 'inactive', 'chronic-care']],
    [CS.consentCategory, ['communication']],
  ];

  it.each(expected)('%s holds exactly the engine codes', (system, codes) => {
    expect([...codesOf(system)].sort()).toEqual([...codes].sort());
  });

  it('covers every Careloop code system', () => {
    expect(expected.map(([s]) => s).sort()).toEqual(Object.values(CS).sort());
  });
});

describe('workflow shape', () => {
  const code = (p: { extension?: Extension[] }, url: string): string | undefined =>
    p.extension?.find((e) => e.url === url)?.valueCode;

  it('covers the ten workflow purposes, one workflow each', () => {
    const purposes = plans.map((p) => code(p, EXT.purpose));
    expect([...purposes].sort()).toEqual([...WORKFLOW_PURPOSES].sort());
  });

  it('names a cohort for every cohort-due workflow and asks prior express consent for billing and reactivation', () => {
    for (const plan of plans) {
      if (code(plan, EXT.trigger) === 'cohort-due') {
        expect(code(plan, EXT.cohort), plan.id).toBeDefined();
      }
      const purpose = code(plan, EXT.purpose);
      if (purpose === 'billing' || purpose === 'reactivation') {
        expect(code(plan, EXT.consentBasis), plan.id).toBe('prior-express-consent');
      }
    }
  });

  it('writes every duration in UCUM min, h, d or wk and every repeat in those units', () => {
    const durations: Duration[] = [];
    const walk = (exts: readonly Extension[] | undefined): void => {
      for (const e of exts ?? []) {
        if (e.valueDuration) durations.push(e.valueDuration);
        walk(e.extension);
      }
    };
    for (const plan of plans) {
      walk(plan.extension);
      for (const action of plan.action ?? []) {
        walk(action.extension);
        if (action.timingDuration) durations.push(action.timingDuration);
        const repeat = action.timingTiming?.repeat;
        if (repeat) expect(['min', 'h', 'd', 'wk']).toContain(repeat.periodUnit);
      }
    }
    activities.forEach((a) => walk(a.extension));
    expect(durations.length).toBeGreaterThan(30);
    for (const d of durations) {
      expect(d.system).toBe(UCUM);
      expect(['min', 'h', 'd', 'wk']).toContain(d.code);
      expect(d.value).toBeGreaterThanOrEqual(0);
    }
  });

  it('gives every ActivityDefinition a kind the profile knows, and every Task its kind and queue', () => {
    for (const a of activities) {
      expect(['CommunicationRequest', 'Task'], a.id).toContain(a.kind);
      if (a.kind === 'Task') {
        expect(a.code?.coding?.[0]?.system).toBe(CS.taskKind);
        expect(a.extension?.find((e) => e.url === EXT.taskQueue)?.valueCode, a.id).toBeDefined();
      } else {
        expect(
          a.extension?.some((e) => e.url === EXT.channel),
          a.id,
        ).toBe(true);
      }
    }
  });

  it('keeps reply intents the engine owns out of response branches', () => {
    for (const plan of plans) {
      for (const branch of (plan.extension ?? []).filter((e) => e.url === EXT.responseBranch)) {
        expect(['opt-out', 'opt-in', 'help', 'urgent', 'wrong-number']).not.toContain(
          sub(branch, 'intent')?.valueCode,
        );
      }
    }
  });
});

describe('questionnaires', () => {
  const TRANSLATION = 'http://hl7.org/fhir/StructureDefinition/translation';
  // The translation sits on the primitive's element (`_text`), which @medplum/fhirtypes does not model.
  const spanish = (holder: object | undefined, field: string): string | undefined =>
    (holder as Record<string, { extension?: Extension[] } | undefined> | undefined)?.[`_${field}`]?.extension
      ?.filter((e) => e.url === TRANSLATION)
      .find((e) => sub(e, 'lang')?.valueCode === 'es')
      ?.extension?.find((e) => e.url === 'content')?.valueString;

  it('has a Spanish translation for the title, every item text and every answer display', () => {
    for (const q of questionnaires) {
      expect(spanish(q, 'title'), q.id).toBeTruthy();
      for (const item of q.item ?? []) {
        expect(spanish(item, 'text'), `${q.id} ${item.linkId}`).toBeTruthy();
        for (const option of item.answerOption ?? []) {
          expect(spanish(option.valueCoding, 'display'), `${q.id} ${item.linkId}`).toBeTruthy();
        }
      }
    }
  });

  it('post-visit-survey asks one required 0-10 question and an optional comment', () => {
    const q = questionnaires.find((x) => x.id === 'post-visit-survey');
    const [score, comment] = q?.item ?? [];
    expect(score?.type).toBe('integer');
    expect(score?.required).toBe(true);
    const bound = (url: string): number | undefined =>
      score?.extension?.find((e) => e.url === url)?.valueInteger;
    expect(bound('http://hl7.org/fhir/StructureDefinition/minValue')).toBe(0);
    expect(bound('http://hl7.org/fhir/StructureDefinition/maxValue')).toBe(10);
    expect(comment?.type).toBe('text');
    expect(comment?.required).toBe(false);
  });

  it('chronic-care-check-in asks feeling 1-5, new concerns yes/no and a comment', () => {
    const q = questionnaires.find((x) => x.id === 'chronic-care-check-in');
    expect((q?.item ?? []).map((i) => [i.linkId, i.type])).toEqual([
      ['feeling', 'choice'],
      ['new-concerns', 'boolean'],
      ['comment', 'text'],
    ]);
    expect(q?.item?.[0]?.answerOption?.map((o) => o.valueCoding?.code)).toEqual(['1', '2', '3', '4', '5']);
  });
});
