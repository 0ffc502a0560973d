import { describe, expect, it } from 'vitest';
import { LaunchConfigError } from '../../../src/app/launch/launchContext';
import {
  classifyEhrError,
  classifyMedplumError,
  missingScopes,
} from '../../../src/app/session/launchProblem';

describe('classifyEhrError', () => {
  it('reads a refusal from the redirect URL as scope denied', () => {
    expect(classifyEhrError(new Error('x'), '?error=access_denied&error_description=User+said+no').kind).toBe(
      'scope-denied',
    );
  });

  it("reads fhirclient's missing state as opened without a launch", () => {
    expect(
      classifyEhrError(new Error("No 'state' parameter found. Please (re)launch the app."), '').kind,
    ).toBe('no-launch');
  });

  it('tells an expired session from an unreachable EHR', () => {
    expect(classifyEhrError(Object.assign(new Error('Unauthorized'), { status: 401 }), '').kind).toBe(
      'session-expired',
    );
    expect(classifyEhrError(new TypeError('Failed to fetch'), '').kind).toBe('ehr-unreachable');
  });

  it('reports a broken configuration as such', () => {
    expect(classifyEhrError(new LaunchConfigError('launch-context.json is not valid JSON'), '').kind).toBe(
      'bad-config',
    );
  });
});

describe('classifyMedplumError', () => {
  it('separates refused from unreachable', () => {
    expect(classifyMedplumError(Object.assign(new Error('Forbidden'), { status: 403 })).kind).toBe(
      'scope-denied',
    );
    expect(classifyMedplumError(new TypeError('Failed to fetch')).kind).toBe('medplum-unreachable');
  });
});

describe('missingScopes', () => {
  const requested = 'launch openid fhirUser patient/Patient.rs patient/Appointment.rs';

  it('finds what the EHR did not grant', () => {
    expect(missingScopes(requested, 'launch openid fhirUser patient/Patient.rs')).toEqual([
      'patient/Appointment.rs',
    ]);
  });

  it('accepts broader grants and servers that do not say', () => {
    expect(missingScopes(requested, 'launch openid fhirUser user/Patient.cruds user/Appointment.rs')).toEqual(
      [],
    );
    expect(missingScopes(requested, undefined)).toEqual([]);
  });
});
