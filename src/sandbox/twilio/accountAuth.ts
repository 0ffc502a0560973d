/** HTTP Basic auth of the stand-in's REST API, checked as Twilio does (account SID and auth token). */

import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import { twilioError } from './twilioJson';

/** The account the REST API answers for. */
export interface StandInAccount {
  readonly accountSid: string;
  readonly authToken: string;
}

function basicCredentials(header: string | null): { user: string; pass: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Twilio's refusal for a request that is not the account's (401, 20003 for missing or wrong credentials;
 * 404, 20404 for another account's path), or undefined when the request may go on.
 */
export function refuseUnauthorized(
  account: StandInAccount,
  request: Request,
  pathSid: string,
): Response | undefined {
  const creds = basicCredentials(request.headers.get('authorization'));
  if (!creds || !same(creds.user, account.accountSid) || !same(creds.pass, account.authToken)) {
    return twilioError(401, 20003, 'Authenticate');
  }
  if (pathSid !== account.accountSid) {
    return twilioError(404, 20404, `The requested resource /2010-04-01/Accounts/${pathSid} was not found`);
  }
  return undefined;
}
