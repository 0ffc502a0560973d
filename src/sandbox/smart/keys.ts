/**
 * The sandbox's secrets, generated into the data folder on first start and kept there (mode 0600): the
 * RSA key that signs every token and the dev client's secret. Nothing secret is in the code; deleting the
 * data folder (`npm run sandbox:reset`) makes new ones.
 */

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The signing key and the dev client secret. */
export interface SandboxSecrets {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Key id in tokens' headers and the JWKS. */
  readonly kid: string;
  readonly devClientSecret: string;
  /** The Twilio stand-in's account: the bots sign and check with these as with a real account. */
  readonly twilioAccountSid: string;
  readonly twilioAuthToken: string;
}

interface SecretsFile {
  readonly privateKeyPem: string;
  readonly kid: string;
  readonly devClientSecret: string;
  readonly twilioAccountSid?: string;
  readonly twilioAuthToken?: string;
}

/** Loads the secrets of `dataDir`, creating them on first use. */
export function loadOrCreateSecrets(dataDir: string): SandboxSecrets {
  const file = join(dataDir, 'secrets.json');
  let stored: SecretsFile;
  if (existsSync(file)) {
    stored = JSON.parse(readFileSync(file, 'utf8')) as SecretsFile;
  } else {
    mkdirSync(dataDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    stored = {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      kid: randomBytes(8).toString('hex'),
      devClientSecret: randomBytes(24).toString('base64url'),
    };
  }
  if (!stored.twilioAccountSid || !stored.twilioAuthToken) {
    stored = {
      ...stored,
      twilioAccountSid: `AC${randomBytes(16).toString('hex')}`,
      twilioAuthToken: randomBytes(16).toString('hex'),
    };
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  const privateKey = createPrivateKey(stored.privateKeyPem);
  return {
    privateKey,
    publicKey: createPublicKey(privateKey),
    kid: stored.kid,
    devClientSecret: stored.devClientSecret,
    twilioAccountSid: stored.twilioAccountSid ?? '',
    twilioAuthToken: stored.twilioAuthToken ?? '',
  };
}
