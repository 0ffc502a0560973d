import { describe, expect, it } from 'vitest';
import { isGsm7, nonGsmCharacters, smsSegments } from '../../../src/engine/template';

describe('smsSegments', () => {
  it('fits 160 GSM characters in one segment and splits 161 into two parts of 153', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2, units: 161 });
    expect(smsSegments('a'.repeat(306)).segments).toBe(2);
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
  });

  it('counts extension-table characters (€ [ ] { } ~ ^ | \\) as two septets', () => {
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(smsSegments('a'.repeat(159) + '[')).toEqual({ encoding: 'GSM-7', segments: 2, units: 161 });
    expect(smsSegments('{}~^|\\]').units).toBe(14);
  });

  it('never splits an escape pair across parts', () => {
    // 152 letters then €: the pair cannot start at septet 153, so the part holds 152 and a third part follows.
    const text = 'a'.repeat(152) + '€' + 'b'.repeat(152);
    expect(smsSegments(text).units).toBe(306);
    expect(smsSegments(text).segments).toBe(3);
  });

  it('switches to UCS-2 for one emoji, with 70 / 67 code units', () => {
    expect(smsSegments('a'.repeat(68) + '😀')).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    expect(smsSegments('a'.repeat(69) + '😀')).toEqual({ encoding: 'UCS-2', segments: 2, units: 71 });
    expect(smsSegments('á'.repeat(134)).segments).toBe(2);
    expect(smsSegments('á'.repeat(135)).segments).toBe(3);
  });

  it('follows the GSM 03.38 table for Spanish letters: é ñ ü Ñ Ü ¿ ¡ à è ì ò ù É are in it, á í ó ú ç are not', () => {
    expect(isGsm7('é ñ ü Ñ Ü ¿ ¡ à è ì ò ù É Ç ä ö Ä Ö å Å ø Ø æ Æ ß £ ¥ § ¤ Δ')).toBe(true);
    for (const ch of ['á', 'í', 'ó', 'ú', 'ç', 'Á', 'Í', 'Ó', 'Ú', 'È', 'ê', '’', '“', '\u202F']) {
      expect(isGsm7(ch), ch).toBe(false);
    }
    expect(smsSegments('¿Mañana?').encoding).toBe('GSM-7');
    expect(smsSegments('Está confirmada').encoding).toBe('UCS-2');
    expect(nonGsmCharacters('Está aquí, está')).toEqual(['á', 'í']);
  });

  it('has zero segments for an empty text', () => {
    expect(smsSegments('')).toEqual({ encoding: 'GSM-7', segments: 0, units: 0 });
  });
});
