import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  issuerConfig,
  LaunchConfigError,
  parseLaunchContext,
  UnknownIssuerError,
} from '../../../src/app/launch/launchContext';

const GOOD = {
  issuers: [
    {
      iss: 'https://ehr.example/fhir/',
      clientId: 'app',
      scope: 'launch openid fhirUser patient/Patient.rs patient/Appointment.rs',
      standaloneScope: 'openid fhirUser',
      medplum: {
        baseUrl: 'https://medplum.example',
        mode: 'exchange',
        clientId: 'mp',
        sharesEhrStore: false,
      },
    },
  ],
};

describe('parseLaunchContext', () => {
  it('reads a good file, normalising the Medplum base URL', () => {
    const context = parseLaunchContext(GOOD);
    expect(context.issuers[0]?.medplum.baseUrl).toBe('https://medplum.example/');
    expect(issuerConfig(context, 'https://ehr.example/fhir').clientId).toBe('app');
  });

  it('accepts the shipped production example', () => {
    const json: unknown = JSON.parse(readFileSync(join(process.cwd(), 'public/launch-context.json'), 'utf8'));
    expect(parseLaunchContext(json).issuers[0]?.medplum.mode).toBe('exchange');
  });

  it.each([
    [{}, 'must be an object with an "issuers" array'],
    [{ issuers: [] }, 'lists no issuers'],
    [
      { issuers: [{ ...GOOD.issuers[0], iss: 'not a url' }] },
      'issuers[0].iss must be an absolute http(s) URL',
    ],
    [{ issuers: [{ ...GOOD.issuers[0], clientId: '' }] }, 'issuers[0].clientId must be a non-empty string'],
    [
      { issuers: [{ ...GOOD.issuers[0], scope: 'launch patient/*.read' }] },
      'issuers[0].scope: "patient/*.read" is a SMART v1 or wildcard scope',
    ],
    [
      { issuers: [{ ...GOOD.issuers[0], medplum: { ...GOOD.issuers[0]?.medplum, mode: 'magic' } }] },
      'issuers[0].medplum.mode must be "exchange" or "same-token"',
    ],
    [
      { issuers: [{ ...GOOD.issuers[0], medplum: { ...GOOD.issuers[0]?.medplum, clientId: undefined } }] },
      'issuers[0].medplum.clientId must be a non-empty string',
    ],
  ])('rejects a bad file with a message naming the problem (%#)', (json, message) => {
    expect(() => parseLaunchContext(json)).toThrow(LaunchConfigError);
    expect(() => parseLaunchContext(json)).toThrow(message);
  });

  it('names an unknown issuer and the registered ones', () => {
    const context = parseLaunchContext(GOOD);
    expect(() => issuerConfig(context, 'https://other.example/fhir')).toThrow(UnknownIssuerError);
    expect(() => issuerConfig(context, 'https://other.example/fhir')).toThrow(
      'This EHR (https://other.example/fhir) is not registered with this Careloop installation. Registered: https://ehr.example/fhir/.',
    );
  });
});

describe('clockUrl', () => {
  it('is optional and must be a URL when given', () => {
    expect(parseLaunchContext(GOOD).issuers[0]?.clockUrl).toBeUndefined();
    const withClock = { issuers: [{ ...GOOD.issuers[0], clockUrl: 'http://localhost:8300/sandbox/clock' }] };
    expect(parseLaunchContext(withClock).issuers[0]?.clockUrl).toBe('http://localhost:8300/sandbox/clock');
    expect(() => parseLaunchContext({ issuers: [{ ...GOOD.issuers[0], clockUrl: 'later' }] })).toThrow(
      'issuers[0].clockUrl must be an absolute http(s) URL',
    );
  });
});
