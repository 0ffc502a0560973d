import { describe, expect, it } from 'vitest';
import { escapeXml, messagingTwiml, voiceKeyToReply, voiceReminderTwiml } from '../../src/channels';

describe('messagingTwiml', () => {
  it('answers with nothing when there is nothing to say', () => {
    expect(messagingTwiml([])).toBe('<Response/>');
    expect(messagingTwiml(['', '  '])).toBe('<Response/>');
  });

  it('wraps each message and escapes XML', () => {
    expect(messagingTwiml(['Tom & Jerry <3 "you"', "it's ok"])).toBe(
      '<Response><Message>Tom &amp; Jerry &lt;3 &quot;you&quot;</Message><Message>it&apos;s ok</Message></Response>',
    );
  });

  it('keeps accents and emoji, drops characters XML cannot carry', () => {
    expect(messagingTwiml(['¡Sí! 👍\u0007\uD800'])).toBe('<Response><Message>¡Sí! 👍</Message></Response>');
  });

  it('cannot be broken out of by a message', () => {
    const twiml = messagingTwiml(['</Message><Redirect>https://evil.example</Redirect><Message>']);
    expect(twiml).not.toContain('<Redirect>');
    expect(twiml.match(/<Message>/g)).toHaveLength(1);
  });
});

describe('escapeXml', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&apos;');
  });
});

describe('voiceReminderTwiml', () => {
  it('speaks the script inside a one-digit Gather that posts to the action URL, then hangs up', () => {
    const twiml = voiceReminderTwiml({
      text: 'This is Lakeside Family Clinic. Press 1 to confirm or 3 to reschedule.',
      language: 'en',
      gatherActionUrl: 'https://hooks.example/voice?step=r1&lang=en',
    });
    expect(twiml).toBe(
      '<Response><Gather input="dtmf" numDigits="1" timeout="6" method="POST" ' +
        'action="https://hooks.example/voice?step=r1&amp;lang=en">' +
        '<Say language="en-US">This is Lakeside Family Clinic. Press 1 to confirm or 3 to reschedule.</Say>' +
        '</Gather><Hangup/></Response>',
    );
  });

  it('uses es-US for Spanish, an optional voice, and escapes the text', () => {
    const twiml = voiceReminderTwiml({
      text: 'Clínica "Lakeside" & Co: oprima 1 para confirmar o 3 para cambiar la cita.',
      language: 'es',
      gatherActionUrl: 'https://hooks.example/voice',
      voice: 'Polly.Lupe',
    });
    expect(twiml).toContain('<Say language="es-US" voice="Polly.Lupe">');
    expect(twiml).toContain('Clínica &quot;Lakeside&quot; &amp; Co: oprima 1');
  });
});

describe('voiceKeyToReply', () => {
  it('maps keys 1, 2, 3 to the SMS menu answers', () => {
    expect(voiceKeyToReply('1')).toBe('1');
    expect(voiceKeyToReply('2')).toBe('2');
    expect(voiceKeyToReply(' 3 ')).toBe('3');
  });

  it('ignores every other key', () => {
    for (const digits of ['', '0', '4', '9', '*', '#', '11', 'a'])
      expect(voiceKeyToReply(digits)).toBeUndefined();
  });
});
