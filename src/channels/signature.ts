/**
 * Twilio webhook signatures (`X-Twilio-Signature`): HMAC-SHA1 over the exact URL Twilio called followed by
 * every POST parameter sorted by name as name+value, keyed with the auth token, base64. JSON webhooks sign
 * the URL alone and carry the body's SHA-256 in the `bodySHA256` query parameter.
 */

import { Buffer } from 'node:buffer';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { URL } from 'node:url';

/** What is needed to compute a signature. */
export interface SignatureInput {
  readonly authToken: string;
  /** The full URL Twilio requested, query string included, exactly as configured in Twilio. */
  readonly url: string;
  /** The decoded form parameters; empty for JSON webhooks. */
  readonly params?: Readonly<Record<string, string>>;
}

/** What is needed to check a signature. */
export interface SignatureCheck extends SignatureInput {
  /** The `X-Twilio-Signature` header; missing or empty never validates. */
  readonly signature: string | undefined | null;
  /** For JSON webhooks (`bodySHA256` in the URL): the raw request body exactly as received. */
  readonly rawBody?: string;
}

/** The signature Twilio sends for a request (the sandbox uses this to sign the callbacks it makes). */
export function computeTwilioSignature({ authToken, url, params = {} }: SignatureInput): string {
  // Code-unit order, as Twilio's own libraries sort ("Unix-style case-sensitive"): uppercase first.
  const names = Object.keys(params).sort();
  let data = url;
  for (const name of names) data += name + (params[name] ?? '');
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** The hex SHA-256 of a raw body, as Twilio puts it in `bodySHA256`. */
export function twilioBodyHash(rawBody: string): string {
  return createHash('sha256').update(Buffer.from(rawBody, 'utf8')).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The URL as given, plus the same URL with the default port added or removed: Twilio's signing is
 * inconsistent about `:443`/`:80`, and its own helper libraries accept both.
 */
function urlVariants(url: string): string[] {
  const match = /^(https?):\/\/([^/?#]+)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme = '', authority = '', rest = ''] = match;
  const defaultPort = scheme.toLowerCase() === 'https' ? '443' : '80';
  const portMatch = /^(.*):(\d+)$/.exec(authority);
  if (portMatch) {
    return portMatch[2] === defaultPort ? [url, `${scheme}://${portMatch[1] ?? ''}${rest}`] : [url];
  }
  return [url, `${scheme}://${authority}:${defaultPort}${rest}`];
}

function bodyHashParam(url: string): string | null | undefined {
  try {
    return new URL(url).searchParams.get('bodySHA256');
  } catch {
    return undefined;
  }
}

/**
 * Checks a webhook's `X-Twilio-Signature` in constant time. For a URL carrying `bodySHA256`, the signature
 * covers the URL only and `rawBody` must hash to that value. Returns false (never throws) for a missing
 * signature, a malformed URL, or any mismatch; the caller answers 403 and logs without the body.
 */
export function validateTwilioSignature(check: SignatureCheck): boolean {
  const { authToken, url, signature } = check;
  if (!signature || !authToken) return false;
  const bodyHash = bodyHashParam(url);
  if (bodyHash === undefined) return false;
  let params = check.params ?? {};
  if (bodyHash !== null) {
    if (check.rawBody === undefined || !safeEqual(bodyHash.toLowerCase(), twilioBodyHash(check.rawBody))) {
      return false;
    }
    params = {};
  }
  let valid = false;
  for (const candidate of urlVariants(url)) {
    // No early exit: every candidate is compared, so timing does not say which variant matched.
    if (safeEqual(signature, computeTwilioSignature({ authToken, url: candidate, params }))) valid = true;
  }
  return valid;
}
