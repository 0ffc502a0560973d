/**
 * The tokens the sandbox issues, as signed JWTs: access tokens for the EHR side (SMART, scoped), for the
 * Medplum side (a practitioner's login, `login_id` so MedplumClient loads `/auth/me`), and for services
 * (bots, the dev client); refresh tokens; OpenID Connect ID tokens.
 */

import { randomUUID } from 'node:crypto';
import { signJwt, verifyJwt, type JwtClaims } from './jwt';
import type { SandboxSecrets } from './keys';

/** Which side a token is for. */
export type TokenKind = 'ehr' | 'medplum' | 'service';

/** What an access or refresh token says. */
export interface TokenClaims {
  readonly kind: TokenKind;
  readonly scope: string;
  readonly client_id: string;
  /** `Practitioner/<id>` (or the service's profile, e.g. `Bot/<id>`). */
  readonly profile: string;
  /** The launch patient's id (EHR tokens with a patient context). */
  readonly patient?: string;
  /** Medplum-side tokens: a login id, which tells MedplumClient to call `/auth/me`. */
  readonly login_id?: string;
  /** The FHIR base the token is for. */
  readonly aud: string;
}

/** A verified token. */
export type VerifiedToken = TokenClaims & {
  readonly exp: number;
  readonly iat: number;
  readonly token_use: string;
};

/** Access tokens live an hour; refresh tokens a day; service tokens (in-process bots) a day. */
export const ACCESS_TTL_S = 3600;
export const REFRESH_TTL_S = 86_400;
export const SERVICE_TTL_S = 86_400;

/** Issues and verifies the sandbox's tokens. */
export class TokenService {
  constructor(
    private readonly secrets: SandboxSecrets,
    private readonly issuer: () => string,
  ) {}

  private sign(claims: JwtClaims, ttl: number): string {
    const iat = Math.floor(Date.now() / 1000);
    return signJwt(
      { iss: this.issuer(), iat, exp: iat + ttl, jti: randomUUID(), ...claims },
      this.secrets.privateKey,
      this.secrets.kid,
    );
  }

  /** An access token. */
  access(claims: TokenClaims, ttl = ACCESS_TTL_S): string {
    return this.sign({ ...claims, sub: claims.profile, fhirUser: claims.profile, token_use: 'access' }, ttl);
  }

  /** A refresh token carrying the same grant. */
  refresh(claims: TokenClaims): string {
    return this.sign({ ...claims, sub: claims.profile, token_use: 'refresh' }, REFRESH_TTL_S);
  }

  /** An OpenID Connect ID token for `clientId` (fhirclient reads `fhirUser`/`profile`). */
  idToken(clientId: string, fhirUserUrl: string, nonce?: string): string {
    return this.sign(
      {
        sub: fhirUserUrl,
        aud: clientId,
        fhirUser: fhirUserUrl,
        profile: fhirUserUrl,
        ...(nonce ? { nonce } : {}),
      },
      ACCESS_TTL_S,
    );
  }

  /** The claims of a valid token of `use`, or undefined. */
  verify(token: string, use: 'access' | 'refresh' = 'access'): VerifiedToken | undefined {
    const claims = verifyJwt(token, this.secrets.publicKey);
    if (!claims || claims.token_use !== use || claims.iss !== this.issuer()) return undefined;
    if (
      typeof claims.kind !== 'string' ||
      typeof claims.profile !== 'string' ||
      typeof claims.scope !== 'string'
    ) {
      return undefined;
    }
    return claims as unknown as VerifiedToken;
  }

  /** The verified access token of a request's `Authorization: Bearer`, or undefined. */
  fromRequest(request: Request): VerifiedToken | undefined {
    const header = request.headers.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    return match?.[1] ? this.verify(match[1]) : undefined;
  }
}
