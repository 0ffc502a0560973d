/**
 * Signed JWTs (RS256) with node:crypto: the sandbox's access, refresh and ID tokens. Verification checks
 * the algorithm, the signature and the expiry (real time: clients compare `exp` with their own clock,
 * not the sandbox's).
 */

import { createSign, createVerify, type KeyObject } from 'node:crypto';

/** Claims of a token (any JSON values). */
export type JwtClaims = Record<string, unknown> & { exp?: number; iat?: number };

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Signs `claims` with `key`. */
export function signJwt(claims: JwtClaims, key: KeyObject, kid: string): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = b64url(JSON.stringify(claims));
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${payload}`);
  return `${header}.${payload}.${signer.sign(key).toString('base64url')}`;
}

/** The claims of a valid, unexpired token signed by `key`; undefined otherwise. */
export function verifyJwt(
  token: string,
  key: KeyObject,
  nowSeconds = Math.floor(Date.now() / 1000),
): JwtClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  try {
    const head = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
    if (head.alg !== 'RS256') return undefined;
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${header}.${payload}`);
    if (!verifier.verify(key, Buffer.from(signature, 'base64url'))) return undefined;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as JwtClaims;
    if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}

/** The public key as a JWK for `/.well-known/jwks.json`. */
export function publicJwk(key: KeyObject, kid: string): Record<string, unknown> {
  return { ...key.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
}
