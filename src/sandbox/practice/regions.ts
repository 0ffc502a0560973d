/**
 * Where the synthetic patients live: a region gives the US state, the IANA time zone the EHR records, a few
 * towns, and the area codes their phone numbers use. Every number is in the 555-0100..0199 block that US
 * numbering reserves for fiction, so nothing can ever reach a real phone.
 */

/** One home region. */
export interface Region {
  readonly code: RegionCode;
  readonly state: string;
  readonly timeZone: string;
  readonly towns: readonly { readonly city: string; readonly zip: string }[];
  readonly areaCodes: readonly string[];
}

/** The regions patients come from. */
export type RegionCode = 'IL' | 'NY' | 'FL' | 'CO' | 'AZ' | 'CA';

/** Every region, by code. */
export const REGIONS: Readonly<Record<RegionCode, Region>> = {
  IL: {
    code: 'IL',
    state: 'IL',
    timeZone: 'America/Chicago',
    towns: [
      { city: 'Chicago', zip: '606' },
      { city: 'Evanston', zip: '602' },
      { city: 'Oak Park', zip: '603' },
      { city: 'Skokie', zip: '600' },
    ],
    areaCodes: ['312', '773', '872', '847', '630', '708'],
  },
  NY: {
    code: 'NY',
    state: 'NY',
    timeZone: 'America/New_York',
    towns: [
      { city: 'New York', zip: '100' },
      { city: 'Brooklyn', zip: '112' },
    ],
    areaCodes: ['212', '646', '718'],
  },
  FL: {
    code: 'FL',
    state: 'FL',
    timeZone: 'America/New_York',
    towns: [
      { city: 'Miami', zip: '331' },
      { city: 'Coral Gables', zip: '331' },
    ],
    areaCodes: ['305', '786'],
  },
  CO: {
    code: 'CO',
    state: 'CO',
    timeZone: 'America/Denver',
    towns: [
      { city: 'Denver', zip: '802' },
      { city: 'Aurora', zip: '800' },
    ],
    areaCodes: ['303', '720'],
  },
  AZ: {
    code: 'AZ',
    state: 'AZ',
    timeZone: 'America/Phoenix',
    towns: [
      { city: 'Phoenix', zip: '850' },
      { city: 'Tempe', zip: '852' },
    ],
    areaCodes: ['602', '480'],
  },
  CA: {
    code: 'CA',
    state: 'CA',
    timeZone: 'America/Los_Angeles',
    towns: [
      { city: 'Los Angeles', zip: '900' },
      { city: 'Pasadena', zip: '911' },
    ],
    areaCodes: ['213', '310', '323'],
  },
};

/** First and last subscriber number of the fictional block (555-0100 to 555-0199). */
export const FICTIONAL_RANGE = { first: 100, last: 199 } as const;

/** The E.164 number `+1 <area> 555 01xx`. */
export function fictionalNumber(areaCode: string, line: number): string {
  if (line < FICTIONAL_RANGE.first || line > FICTIONAL_RANGE.last) {
    throw new Error(`fictionalNumber: ${line} is outside 555-0100..0199`);
  }
  return `+1${areaCode}5550${line}`;
}

/**
 * Hands out unused fictional numbers. Numbers given to the practices are reserved first, so no patient
 * gets the clinic's own line.
 */
export class NumberPool {
  private readonly used = new Set<string>();

  constructor(reserved: readonly string[]) {
    for (const n of reserved) {
      this.used.add(n);
    }
  }

  /** A free number in one of `areaCodes` (tried in order from a random line), or an error when all are used. */
  take(areaCodes: readonly string[], startLine: number): string {
    const span = FICTIONAL_RANGE.last - FICTIONAL_RANGE.first + 1;
    for (const area of areaCodes) {
      for (let i = 0; i < span; i++) {
        const line = FICTIONAL_RANGE.first + ((startLine - FICTIONAL_RANGE.first + i) % span);
        const number = fictionalNumber(area, line);
        if (!this.used.has(number)) {
          this.used.add(number);
          return number;
        }
      }
    }
    throw new Error(`NumberPool: no fictional numbers left in ${areaCodes.join(', ')}`);
  }
}
