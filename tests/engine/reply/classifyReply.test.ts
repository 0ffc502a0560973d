import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INTENT_PRIORITY, REPLY_INTENTS, classifyReply } from '../../../src/engine/reply';
import type { ReplyIntent } from '../../../src/engine/reply';

function intentOf(text: string): ReplyIntent {
  return classifyReply(text).intent;
}

function caseVariants(word: string): string[] {
  const lower = word.toLowerCase();
  const title = lower.charAt(0).toUpperCase() + lower.slice(1);
  const mixed = [...lower].map((c, i) => (i % 2 === 0 ? c : c.toUpperCase())).join('');
  return [...new Set([word.toUpperCase(), lower, title, mixed])];
}

const EN_DECORATIONS = [
  '',
  '.',
  '!',
  '!!!',
  ' please',
  'Please ',
  ' now',
  ', thanks',
  ' thank you',
  '   ',
  ' 🙏',
  ' pls',
];
const ES_DECORATIONS = ['', '.', '!', ' por favor', ' ya', ', gracias', '¡', ' porfa'];

// Per-se revocation words (FCC 24-24 and Twilio's default list) and the Spanish words read the same way.
const EN_PER_SE = [
  'STOP',
  'QUIT',
  'END',
  'REVOKE',
  'OPT OUT',
  'OPTOUT',
  'OPT-OUT',
  'UNSUBSCRIBE',
  'STOPALL',
  'STOP ALL',
];
const ES_PER_SE = ['PARAR', 'ALTO', 'BAJA', 'DETENER', 'BASTA'];

describe('intent list', () => {
  it('has the ten intents, and the priority order is a permutation of them', () => {
    expect(REPLY_INTENTS).toHaveLength(10);
    expect([...INTENT_PRIORITY].sort()).toEqual([...REPLY_INTENTS].sort());
    expect(INTENT_PRIORITY[0]).toBe('urgent');
    expect(INTENT_PRIORITY[1]).toBe('opt-out');
  });
});

describe('per-se opt-out words', () => {
  const cases = [
    ...EN_PER_SE.flatMap((w) =>
      caseVariants(w).flatMap((v) => EN_DECORATIONS.map((d) => (d.startsWith('P') ? d + v : v + d))),
    ),
    ...ES_PER_SE.flatMap((w) =>
      caseVariants(w).flatMap((v) => ES_DECORATIONS.map((d) => (d === '¡' ? `¡${v}!` : v + d))),
    ),
  ];

  it.each(cases)('%j is an opt-out with perSeOptOut', (text) => {
    const reading = classifyReply(text);
    expect(reading).toMatchObject({ intent: 'opt-out', perSeOptOut: true });
    expect(reading.alsoCouldMean).toBeUndefined();
  });

  it('reads a per-se word opening or closing a message about messages as revocation', () => {
    for (const text of [
      'stop texting me',
      'Stop sending these',
      'STOP!!! who is this',
      'Wrong number. STOP',
      'ok. stop.',
      'quit messaging me',
      'Quit it',
      'unsubscribe me from this',
      'how do I unsubscribe',
      'please just stop',
      'end these texts',
      'cancel the texts',
      'cancel these messages',
      'Cancel all texts',
      'I revoke my consent',
      'Quiero darme de baja',
      'parar los mensajes',
      'Alto, ya no me escriban',
    ]) {
      expect(classifyReply(text), text).toMatchObject({ intent: 'opt-out', perSeOptOut: true });
    }
  });

  it('reads other clear wordings as opt-out without the per-se flag', () => {
    for (const text of [
      'no more messages',
      "don't text me anymore",
      'take me off your list',
      'No me manden más mensajes',
    ]) {
      expect(classifyReply(text), text).toMatchObject({ intent: 'opt-out', perSeOptOut: false });
    }
  });

  it('does not treat negated or unrelated uses of a per-se word as revocation', () => {
    expect(classifyReply("I'll be there, don't stop")).toMatchObject({
      intent: 'confirm',
      perSeOptOut: false,
    });
    expect(classifyReply("Don't cancel, I'll be there")).toMatchObject({
      intent: 'confirm',
      perSeOptOut: false,
    });
    expect(classifyReply('no need to cancel, see you then')).toMatchObject({
      intent: 'confirm',
      perSeOptOut: false,
    });
    expect(classifyReply('Should I stop my blood thinners before the procedure?')).toMatchObject({
      intent: 'question',
      perSeOptOut: false,
    });
    expect(classifyReply('where is the bus stop?').perSeOptOut).toBe(false);
    expect(classifyReply("I'll be there at the end of the day")).toMatchObject({
      intent: 'confirm',
      perSeOptOut: false,
    });
    expect(classifyReply("please don't stop sending me reminders")).toMatchObject({
      intent: 'opt-in',
      perSeOptOut: false,
    });
  });
});

describe('the bare "cancel" rule', () => {
  it.each([
    'cancel',
    'CANCEL',
    'Cancel.',
    'CANCEL!!',
    'cancel please',
    'Please cancel',
    'cancel thanks',
    'Cancel pls 🙏',
    'CANCELAR',
    'cancelar por favor',
  ])('%j alone is an opt-out that may also mean the appointment', (text) => {
    expect(classifyReply(text)).toMatchObject({
      intent: 'opt-out',
      perSeOptOut: true,
      alsoCouldMean: 'cancel',
    });
  });

  it.each([
    'cancel my appointment',
    'cancel appt',
    'Cancel the visit',
    'please cancel my appointment for Friday',
    'cancelar mi cita',
    'Quiero cancelar la cita',
    'cancle my appointment',
  ])('%j cancels the appointment and is not a revocation', (text) => {
    const reading = classifyReply(text);
    expect(reading).toMatchObject({ intent: 'cancel', perSeOptOut: false });
    expect(reading.alsoCouldMean).toBeUndefined();
  });

  it.each(['cancel it', 'I need to cancel', 'Please cancel this', 'cancelled'])(
    '%j cancels the appointment but flags the possible revocation',
    (text) => {
      expect(classifyReply(text)).toMatchObject({
        intent: 'cancel',
        perSeOptOut: false,
        alsoCouldMean: 'opt-out',
      });
    },
  );

  it('reads the menu answers and "2 cancel" as the appointment', () => {
    for (const text of ['2', '2.', 'X', 'x', 'x!', '2 cancel']) expect(intentOf(text), text).toBe('cancel');
  });

  it('keeps the revocation when a message cancels both the visit and the texts', () => {
    expect(classifyReply('Cancel my appointment and stop texting me')).toMatchObject({
      intent: 'opt-out',
      perSeOptOut: true,
      alsoCouldMean: 'cancel',
    });
  });
});

describe('menu answers and keywords', () => {
  it.each([
    ['1', 'confirm'],
    ['C', 'confirm'],
    ['c.', 'confirm'],
    ['Y', 'confirm'],
    ['yes', 'confirm'],
    ['YES!!', 'confirm'],
    ['Sí', 'confirm'],
    ['si', 'confirm'],
    ['confirmo', 'confirm'],
    ['3', 'reschedule'],
    ['R', 'reschedule'],
    ['r.', 'reschedule'],
    ['HELP', 'help'],
    ['info', 'help'],
    ['Ayuda', 'help'],
    ['START', 'opt-in'],
    ['UNSTOP', 'opt-in'],
    ['Who?', 'wrong-number'],
  ] as const)('%j → %s', (text, intent) => {
    expect(intentOf(text)).toBe(intent);
  });

  it('reads acknowledgements after a reminder as confirm, a little less surely than "yes"', () => {
    for (const text of ['ok', 'OK', 'k', 'kk', '👍', '✅', 'thanks', 'Gracias 🙏', '🙏']) {
      expect(intentOf(text), text).toBe('confirm');
    }
    expect(classifyReply('ok').confidence).toBeLessThan(classifyReply('yes').confidence);
    expect(classifyReply('C').confidence).toBeGreaterThanOrEqual(classifyReply('yes').confidence);
  });

  it('reads a lone negative as a cancellation', () => {
    for (const text of ['no', 'No', 'N', 'nope', '👎', '❌', 'no thanks'])
      expect(intentOf(text), text).toBe('cancel');
  });

  it('reads greetings, laughter, emoji and gibberish as unknown', () => {
    for (const text of [
      '',
      '   ',
      '...',
      'hi',
      'Hola',
      'lol',
      'jajaja',
      '😂',
      'asdfgh',
      'Good morning',
      'maybe',
    ]) {
      expect(intentOf(text), JSON.stringify(text)).toBe('unknown');
    }
  });

  it('answers a lone "?" with help', () => {
    expect(intentOf('?')).toBe('help');
    expect(intentOf('??')).toBe('help');
  });
});

describe('urgency', () => {
  it.each([
    'I have chest pain',
    "I can't breathe",
    'cant breath',
    'I want to kill myself',
    'thinking of ending my life',
    'I took too many pills',
    'me quiero morir',
    'No puedo respirar',
    'Tengo dolor en el pecho',
    'quiero suicidarme',
    "My mom fainted and won't wake up",
    "Can't stop bleeding",
  ])('%j is urgent', (text) => {
    expect(intentOf(text)).toBe('urgent');
  });

  it('beats every other intent, and keeps the revocation flag', () => {
    expect(classifyReply('STOP I have chest pain')).toMatchObject({
      intent: 'urgent',
      perSeOptOut: true,
      alsoCouldMean: 'opt-out',
    });
    for (const text of [
      'yes, see you then. I cannot breathe',
      'cancel my appointment, I want to kill myself',
      'Wrong number. me quiero morir',
      'Can we reschedule? having chest pains',
    ]) {
      expect(intentOf(text), text).toBe('urgent');
    }
  });

  it('does not read a family or work emergency as a medical one', () => {
    expect(intentOf('Family emergency, need to reschedule')).toBe('reschedule');
    expect(intentOf("Work emergency, I can't make it")).toBe('cancel');
  });
});

describe('mixed messages', () => {
  it('settles a yes with a change of time as reschedule', () => {
    expect(intentOf('yes but can we do 30 min later')).toBe('reschedule');
    expect(intentOf("Can't make it Monday, can we do Wednesday?")).toBe('reschedule');
    expect(intentOf('cancel and reschedule for next week')).toBe('reschedule');
  });

  it('settles a yes with a question as question, remembering the yes', () => {
    expect(classifyReply('ok see you then, also do I need to fast?')).toMatchObject({
      intent: 'question',
      alsoCouldMean: 'confirm',
    });
    expect(classifyReply('Yes, do I need to bring anything?')).toMatchObject({
      intent: 'question',
      alsoCouldMean: 'confirm',
    });
  });

  it('puts opt-out above wrong-number, and opt-in above a yes', () => {
    expect(classifyReply('Wrong number, stop texting me')).toMatchObject({
      intent: 'opt-out',
      alsoCouldMean: 'wrong-number',
    });
    expect(intentOf('yes send me texts again')).toBe('opt-in');
  });

  it('does not let a negated "can\'t" phrase read as cancel', () => {
    expect(intentOf("Can't wait, see you then")).toBe('confirm');
    expect(intentOf("I won't be there")).toBe('cancel');
    expect(intentOf('I will be there')).toBe('confirm');
  });
});

describe('typos', () => {
  it.each([
    ['confrim', 'confirm'],
    ['comfirm', 'confirm'],
    ['ys', 'confirm'],
    ['yesss', 'confirm'],
    ['cancle my appointment', 'cancel'],
    ['reschedual', 'reschedule'],
    ['resceduel', 'reschedule'],
    ['unsubscibe', 'opt-out'],
    ['stpo', 'opt-out'],
    ['ayudaa', 'help'],
  ] as const)('%j → %s', (text, intent) => {
    expect(intentOf(text)).toBe(intent);
  });

  it('lowers confidence when a word had to be guessed', () => {
    expect(classifyReply('confrim').confidence).toBeLessThan(classifyReply('confirm').confidence);
  });

  it('never corrects an ordinary word into a keyword', () => {
    expect(intentOf('I have cancer, can I still come?')).toBe('question');
    expect(intentOf("I'm quite sure")).not.toBe('opt-out');
  });
});

describe('language', () => {
  it.each([
    ['Yes I will be there', 'en'],
    ['Please stop texting me', 'en'],
    ['Where do I park?', 'en'],
    ['Sí, ahí estaré', 'es'],
    ['si', 'es'],
    ['gracias', 'es'],
    ['No me manden más mensajes', 'es'],
    ['no me manden mas mensajes', 'es'],
    ['¿Dónde es la clínica?', 'es'],
    ['necesito cambiar la cita', 'es'],
    ['STOP por favor', 'es'],
  ] as const)('%j is %s', (text, language) => {
    expect(classifyReply(text).language).toBe(language);
  });

  it("falls back to 'en' when nothing tells", () => {
    for (const text of ['1', 'C', '👍', 'ok', 'no', '', '?'])
      expect(classifyReply(text).language, text).toBe('en');
  });
});

describe('robustness', () => {
  it('never throws and always answers a known intent with confidence in [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })),
        (text) => {
          const reading = classifyReply(text);
          expect(REPLY_INTENTS).toContain(reading.intent);
          expect(['en', 'es']).toContain(reading.language);
          expect(reading.confidence).toBeGreaterThanOrEqual(0);
          expect(reading.confidence).toBeLessThanOrEqual(1);
          expect(typeof reading.perSeOptOut).toBe('boolean');
          if (reading.alsoCouldMean !== undefined) expect(reading.alsoCouldMean).not.toBe(reading.intent);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is deterministic', () => {
    const text = 'ok see you then, also do I need to fast?';
    expect(classifyReply(text)).toEqual(classifyReply(text));
  });

  it('reads a very long message to its end (a regex that backtracks would time the test out)', () => {
    expect(classifyReply('please '.repeat(50_000) + 'stop').intent).toBe('opt-out');
    // 2,000 characters, the opt-out at the very end.
    expect(
      classifyReply(`${'I was wondering about the parking and the forms. '.repeat(40)}Please stop texting me`)
        .intent,
    ).toBe('opt-out');
  });
});
