/**
 * SMS encoding and segment counting (3GPP TS 23.038, "GSM 03.38"). Carriers bill per segment and a long
 * text arrives split, so the count shown in previews must be the one the carrier will use.
 */

// The GSM 7-bit default alphabet, in table order (0x00–0x7F; 0x1B is the escape to the extension table).
// 0x09 is Ç as in Unicode's GSM0338 mapping. Letters such as á, í, ó, ú, ç, â are NOT in it.
const GSM_BASIC = new Set([
  ...'@£$¥èéùìòÇ\nØø\rÅå',
  ...'Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ',
  ...' !"#¤%&\'()*+,-./',
  ...'0123456789:;<=>?',
  ...'¡ABCDEFGHIJKLMNO',
  ...'PQRSTUVWXYZÄÖÑÜ§',
  ...'¿abcdefghijklmno',
  ...'pqrstuvwxyzäöñüà',
]);

// Characters reached through the escape code: each costs two septets.
const GSM_EXTENSION = new Set([...'\f^{}\\[~]|€']);

const GSM_SINGLE = 160;
const GSM_PART = 153;
const UCS2_SINGLE = 70;
const UCS2_PART = 67;

/** Whether a text can be sent in the GSM 7-bit alphabet (basic set plus extension table). */
export function isGsm7(text: string): boolean {
  for (const ch of text) {
    if (!GSM_BASIC.has(ch) && !GSM_EXTENSION.has(ch)) return false;
  }
  return true;
}

/** The characters of a text that force UCS-2, each listed once, in order of appearance. */
export function nonGsmCharacters(text: string): string[] {
  const seen = new Set<string>();
  for (const ch of text) {
    if (!GSM_BASIC.has(ch) && !GSM_EXTENSION.has(ch)) seen.add(ch);
  }
  return [...seen];
}

// Parts are filled greedily without splitting an escape pair or a surrogate pair across two parts, which
// is what encoders do; a plain ceil(units / 153) can undercount by one at the boundary.
function countParts(costs: readonly number[], single: number, part: number): number {
  const total = costs.reduce((sum, c) => sum + c, 0);
  if (total === 0) return 0;
  if (total <= single) return 1;
  let parts = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > part) {
      parts += 1;
      used = 0;
    }
    used += cost;
  }
  return parts;
}

/**
 * SMS encoding and segment count: GSM-7 (basic set + extension table chars count 2; 160 per single
 * segment, 153 per part when concatenated) or UCS-2 (UTF-16 code units, 70 / 67). `units` is septets for
 * GSM-7 and UTF-16 code units for UCS-2; an empty text has 0 segments.
 */
export function smsSegments(text: string): { encoding: 'GSM-7' | 'UCS-2'; segments: number; units: number } {
  const chars = [...text];
  if (isGsm7(text)) {
    const costs = chars.map((ch) => (GSM_EXTENSION.has(ch) ? 2 : 1));
    return {
      encoding: 'GSM-7',
      segments: countParts(costs, GSM_SINGLE, GSM_PART),
      units: costs.reduce((s, c) => s + c, 0),
    };
  }
  const costs = chars.map((ch) => ch.length);
  return {
    encoding: 'UCS-2',
    segments: countParts(costs, UCS2_SINGLE, UCS2_PART),
    units: text.length,
  };
}
