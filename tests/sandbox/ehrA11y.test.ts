import axe from 'axe-core';
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_PRACTICE } from '../../src/sandbox/practice';
import type { RunningSandbox } from '../../src/sandbox/start';
import { pkcePair, removeDataDir, startTestSandbox, tempDataDir } from './helpers';

interface DomWindow {
  eval(source: string): void;
  document: Document;
  axe: typeof axe;
}

// jsdom ships no type declarations; the module name in a variable keeps the import untyped on purpose.
const JSDOM_MODULE = 'jsdom';

async function violations(url: string): Promise<string[]> {
  const { JSDOM } = (await import(JSDOM_MODULE)) as {
    JSDOM: new (html: string, options: { runScripts: string }) => { window: DomWindow };
  };
  const response = await fetch(url);
  expect(response.status).toBe(200);
  const dom = new JSDOM(await response.text(), { runScripts: 'outside-only' });
  dom.window.eval(axe.source);
  // jsdom has no layout: contrast cannot be computed there.
  const result = await dom.window.axe.run(dom.window.document, {
    rules: { 'color-contrast': { enabled: false } },
  });
  return result.violations.map((v) => `${v.id} (${v.impact ?? '?'}): ${v.help}`);
}

describe('the sandbox EHR and sign-in pages are accessible', () => {
  const dataDir = tempDataDir();
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox(dataDir);
  });
  afterAll(async () => {
    await sandbox?.stop();
    removeDataDir(dataDir);
  });

  it('has no axe violations on the index, the EHR pages and the standalone sign-in', async () => {
    const practitioner = MAIN_PRACTICE.clinicians[0] ?? '';
    const patient = sandbox.store.all().find((r): r is Patient => r.resourceType === 'Patient') as Patient;
    const { challenge } = await pkcePair();
    const signIn = new URL(`${sandbox.baseUrl}/oauth2/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: 'careloop-sandbox-app',
      redirect_uri: `${sandbox.baseUrl}/app/`,
      scope: 'openid fhirUser launch/patient patient/Patient.rs',
      state: 'a'.repeat(32),
      aud: sandbox.urls.ehrFhir,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })) {
      signIn.searchParams.set(k, v);
    }
    const pages = [
      `${sandbox.baseUrl}/`,
      `${sandbox.baseUrl}/ehr`,
      `${sandbox.baseUrl}/ehr?practitioner=${practitioner}&q=a`,
      `${sandbox.baseUrl}/ehr/patients/${patient.id}?practitioner=${practitioner}`,
      `${sandbox.baseUrl}/ehr/patients/${patient.id}?practitioner=${practitioner}&tab=careloop`,
      signIn.toString(),
    ];
    for (const page of pages) {
      expect({ page, violations: await violations(page) }).toEqual({ page, violations: [] });
    }
  }, 60_000);
});
