import type { ReplyIntent, ReplyLanguage } from './intents';
import { createCorrector } from './fuzzy';
import type { Correction } from './fuzzy';
import { LEXICONS } from './keywords';
import type { FuzzyGroup, Lexicon } from './keywords';
import { foldText } from './normalize';
import { compilePatternSet } from './patterns';
import type { WordClasses } from './patterns';

/** Negation words of one language and the words they neutralise. */
export interface NegationRules {
  negators: ReadonlySet<string>;
  bridges: ReadonlySet<string>;
  targets: ReadonlySet<string>;
}

/** Every lexicon merged and compiled once, at module load, so classifying is only lookups and regex tests. */
export interface CompiledRules {
  phrases: ReadonlyMap<ReplyIntent, RegExp>;
  /** Question patterns, read on each segment rather than on the whole message. */
  question: RegExp;
  deferral: RegExp;
  /** Mentions of an appointment or of (not) attending: tell "cancel my visit" from a bare "cancel". */
  appointmentContext: RegExp;
  perSePhrases: RegExp;
  bare: ReadonlyMap<ReplyIntent, ReadonlySet<string>>;
  weakConfirm: ReadonlySet<string>;
  weakCancel: ReadonlySet<string>;
  perSe: {
    alone: ReadonlySet<string>;
    cancelWords: ReadonlySet<string>;
    leading: ReadonlySet<string>;
    trailing: ReadonlySet<string>;
    anywhere: ReadonlySet<string>;
  };
  negation: readonly NegationRules[];
  fillers: ReadonlySet<string>;
  thanks: ReadonlySet<string>;
  markers: Readonly<Record<ReplyLanguage, ReadonlySet<string>>>;
  compounds: { pattern: RegExp; replacements: ReadonlyMap<string, string> } | null;
  correct: (token: string) => Correction;
}

const lexicons: readonly Lexicon[] = Object.values(LEXICONS);

function foldAll(words: Iterable<string>): string[] {
  return [...words].map((w) => foldText(w));
}

function setOf(pick: (lexicon: Lexicon) => readonly string[]): Set<string> {
  return new Set(foldAll(lexicons.flatMap(pick)));
}

function mergeClasses(): WordClasses {
  const merged: Record<string, string[]> = {};
  for (const lexicon of lexicons) {
    for (const [name, entries] of Object.entries(lexicon.classes)) {
      (merged[name] ??= []).push(...entries);
    }
  }
  return merged;
}

function requirePatterns(patterns: readonly string[], classes: WordClasses, what: string): RegExp {
  const compiled = compilePatternSet(patterns, classes);
  if (!compiled) throw new Error(`reply lexicon: no ${what} patterns`);
  return compiled;
}

/** Words a pattern spells out in full, and prefixes it matches (`cancel*`), for the corrector's vocabulary. */
function patternWords(patterns: readonly string[], words: Set<string>, prefixes: Set<string>): void {
  for (const pattern of patterns) {
    for (const slot of pattern.split(/\s+/)) {
      for (const alt of slot.replace(/\?$/, '').split('|')) {
        if (
          alt === '' ||
          alt.startsWith('@') ||
          alt === '^' ||
          alt === '$' ||
          alt === '#' ||
          /^\*\d$/.test(alt)
        ) {
          continue;
        }
        if (alt.endsWith('*')) prefixes.add(foldText(alt.slice(0, -1)));
        else words.add(foldText(alt));
      }
    }
  }
}

// Words patients type whatever their language.
const LANGUAGE_NEUTRAL = ['ok', 'okay', 'kk', 'no', 'info', 'menu', 'sms', 'stop', 'taxi', 'wifi'];

/**
 * Language evidence: each lexicon's marker words plus its own keywords ("reprogramar", "unsubscribe"),
 * less any word both languages use ("info", "no").
 */
function languageMarkers(): Record<ReplyLanguage, ReadonlySet<string>> {
  const candidates = (lexicon: Lexicon): Set<string> =>
    new Set(
      foldAll([
        ...lexicon.markers,
        ...Object.values(lexicon.bare).flat(),
        ...lexicon.weak.confirm,
        ...lexicon.perSe.alone,
        ...lexicon.perSe.cancelWords,
        ...Object.values(lexicon.fuzzyTargets).flat(),
      ]).filter((w) => /^[a-z]{2,}$/.test(w)),
    );
  const en = candidates(LEXICONS.en);
  const es = candidates(LEXICONS.es);
  const shared = [...[...en].filter((w) => es.has(w)), ...LANGUAGE_NEUTRAL];
  for (const word of shared) {
    en.delete(word);
    es.delete(word);
  }
  return { en, es };
}

function buildRules(): CompiledRules {
  const classes = mergeClasses();
  const phraseLists = new Map<ReplyIntent, string[]>();
  for (const lexicon of lexicons) {
    for (const [intent, patterns] of Object.entries(lexicon.phrases) as Array<
      [ReplyIntent, readonly string[]]
    >) {
      const list = phraseLists.get(intent) ?? [];
      list.push(...patterns);
      phraseLists.set(intent, list);
    }
  }
  const phrases = new Map<ReplyIntent, RegExp>();
  for (const [intent, patterns] of phraseLists) {
    if (intent === 'question') continue;
    phrases.set(intent, requirePatterns(patterns, classes, intent));
  }

  const bare = new Map<ReplyIntent, Set<string>>();
  for (const lexicon of lexicons) {
    for (const [intent, words] of Object.entries(lexicon.bare) as Array<[ReplyIntent, readonly string[]]>) {
      const set = bare.get(intent) ?? new Set<string>();
      for (const word of foldAll(words)) set.add(word);
      bare.set(intent, set);
    }
  }

  const perSePatterns = lexicons.flatMap((l) => l.perSe.phrases);
  const deferralPatterns = lexicons.flatMap((l) => l.deferral);

  // The corrector's vocabulary: everything the lexicons spell, plus ordinary words that look like keywords.
  const known = new Set<string>();
  const prefixes = new Set<string>();
  for (const patterns of phraseLists.values()) patternWords(patterns, known, prefixes);
  patternWords(perSePatterns, known, prefixes);
  patternWords(deferralPatterns, known, prefixes);
  for (const lexicon of lexicons) {
    for (const entries of Object.values(lexicon.classes))
      patternWords(
        entries.flatMap((e) => e.split(' ')),
        known,
        prefixes,
      );
    for (const words of [
      ...Object.values(lexicon.bare),
      lexicon.weak.confirm,
      lexicon.weak.cancel,
      lexicon.perSe.alone,
      lexicon.perSe.cancelWords,
      lexicon.perSe.leading,
      lexicon.perSe.anywhere,
      lexicon.negation.negators,
      lexicon.negation.bridges,
      lexicon.negation.targets,
      lexicon.fillers,
      lexicon.thanks,
      lexicon.markers,
      lexicon.commonWords,
      Object.values(lexicon.typos),
      ...Object.values(lexicon.fuzzyTargets),
    ]) {
      for (const word of foldAll(words)) known.add(word);
    }
  }
  const typos = new Map<string, string>();
  for (const lexicon of lexicons) {
    for (const [from, to] of Object.entries(lexicon.typos)) typos.set(foldText(from), foldText(to));
  }
  const targets: Array<{ word: string; group: FuzzyGroup }> = [];
  for (const lexicon of lexicons) {
    for (const [group, words] of Object.entries(lexicon.fuzzyTargets) as Array<
      [FuzzyGroup, readonly string[]]
    >) {
      for (const word of foldAll(words)) targets.push({ word, group });
    }
  }
  const correct = createCorrector({
    known,
    // Short stems ("den", "dar") would swallow unrelated words; only long ones mark a word as known.
    knownPrefixes: [...prefixes].filter((p) => p.length >= 5),
    typos,
    targets,
  });

  const compoundPairs = lexicons
    .flatMap((l) => l.compounds)
    .map(([from, to]) => [foldText(from), foldText(to)] as const);
  const compounds =
    compoundPairs.length === 0
      ? null
      : {
          pattern: new RegExp(
            `(?<= )(?:${compoundPairs
              .map(([from]) => from)
              .sort((a, b) => b.length - a.length)
              .join('|')})(?= )`,
            'g',
          ),
          replacements: new Map(compoundPairs),
        };

  return {
    phrases,
    question: requirePatterns(phraseLists.get('question') ?? [], classes, 'question'),
    deferral: requirePatterns(deferralPatterns, classes, 'deferral'),
    appointmentContext: requirePatterns(
      [
        '@appt',
        '@cantAttend *4 @attend',
        'not coming|attending',
        'no puedo|podre|podemos|podremos *3 ir|asistir|llegar|venir',
        'no voy|ire|iremos|vamos',
      ],
      classes,
      'appointment context',
    ),
    perSePhrases: requirePatterns(perSePatterns, classes, 'per-se'),
    bare,
    weakConfirm: setOf((l) => l.weak.confirm),
    weakCancel: setOf((l) => l.weak.cancel),
    perSe: {
      alone: setOf((l) => l.perSe.alone),
      cancelWords: setOf((l) => l.perSe.cancelWords),
      leading: setOf((l) => l.perSe.leading),
      trailing: setOf((l) => l.perSe.trailing),
      anywhere: setOf((l) => l.perSe.anywhere),
    },
    negation: lexicons.map((l) => ({
      negators: new Set(foldAll(l.negation.negators)),
      bridges: new Set(foldAll(l.negation.bridges)),
      targets: new Set(foldAll(l.negation.targets)),
    })),
    fillers: setOf((l) => l.fillers),
    thanks: setOf((l) => l.thanks),
    markers: languageMarkers(),
    compounds,
    correct,
  };
}

/** The compiled rules, built once when the module loads. */
export const RULES: CompiledRules = buildRules();
