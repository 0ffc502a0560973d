/** Reading the TwiML the bots answer with: the texts of `<Message>` and `<Say>`, and `<Gather action>`. */

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&apos;': "'",
};

/** Undoes XML escaping (the five named entities and numeric references). */
export function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (entity) => {
    if (entity.startsWith('&#x')) return String.fromCodePoint(parseInt(entity.slice(3, -1), 16));
    if (entity.startsWith('&#')) return String.fromCodePoint(parseInt(entity.slice(2, -1), 10));
    return ENTITIES[entity] ?? entity;
  });
}

function texts(twiml: string, element: string): string[] {
  const pattern = new RegExp(`<${element}(?:\\s[^>]*)?>([\\s\\S]*?)</${element}>`, 'g');
  return [...twiml.matchAll(pattern)].map((m) => unescapeXml(m[1] ?? '').trim()).filter((t) => t !== '');
}

/** The texts a messaging TwiML answer sends back (`<Message>`, also `<Message><Body>`). */
export function twimlMessages(twiml: string): string[] {
  return texts(twiml, 'Message').map((m) => (m.includes('<Body>') ? texts(m, 'Body').join('\n') : m));
}

/** The spoken texts of a voice TwiML document. */
export function twimlSays(twiml: string): string[] {
  return texts(twiml, 'Say');
}

/** The `action` URL of the first `<Gather>`, if any. */
export function twimlGatherAction(twiml: string): string | undefined {
  const match = /<Gather\s[^>]*\baction="([^"]*)"/.exec(twiml);
  return match?.[1] !== undefined ? unescapeXml(match[1]) : undefined;
}
