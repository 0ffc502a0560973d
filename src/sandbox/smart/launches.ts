/**
 * Launch contexts and authorization codes, both short-lived and in memory: a launch id binds the patient
 * and practitioner an EHR launch is for (an hour); a code binds a grant until the app redeems it (once,
 * within a minute). A restart forgets them, as an EHR's session would end.
 */

import { randomBytes } from 'node:crypto';

/** What an EHR launch is for. */
export interface LaunchContext {
  readonly patient?: string;
  readonly practitioner: string;
}

/** A grant waiting for its code to be redeemed. */
export interface CodeGrant {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scope: string;
  readonly aud: string;
  readonly practitioner: string;
  readonly patient?: string;
  readonly nonce?: string;
}

/** Launch ids live an hour, codes a minute. */
export const LAUNCH_TTL_MS = 3_600_000;
export const CODE_TTL_MS = 60_000;

function token(): string {
  return randomBytes(24).toString('base64url');
}

class Expiring<T> {
  private readonly items = new Map<string, { value: T; expires: number }>();
  constructor(private readonly ttl: number) {}
  put(value: T): string {
    this.sweep();
    const key = token();
    this.items.set(key, { value, expires: Date.now() + this.ttl });
    return key;
  }
  get(key: string): T | undefined {
    const item = this.items.get(key);
    if (!item || item.expires <= Date.now()) return undefined;
    return item.value;
  }
  take(key: string): T | undefined {
    const value = this.get(key);
    this.items.delete(key);
    return value;
  }
  private sweep(): void {
    const now = Date.now();
    for (const [key, item] of this.items) if (item.expires <= now) this.items.delete(key);
  }
}

/** Launch ids. */
export class LaunchStore extends Expiring<LaunchContext> {
  constructor() {
    super(LAUNCH_TTL_MS);
  }
}

/** Authorization codes: `take` redeems once. */
export class CodeStore extends Expiring<CodeGrant> {
  constructor() {
    super(CODE_TTL_MS);
  }
}
