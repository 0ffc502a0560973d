/**
 * Completing the launch: the SMART token from the EHR, the issuer's configuration, the Medplum connection
 * (by token exchange or the same token, as configured) and the Medplum copy of the launch patient. Every
 * failure becomes a LaunchProblem the app shows a screen for. Runs once per page load.
 */

import { ClientStorage, MedplumClient, MemoryStorage } from '@medplum/core';
import type { Practitioner, PractitionerRole, Reference } from '@medplum/fhirtypes';
import { findPatientMirror } from '../../fhir/app/mirrorLookup';
import { issuerConfig, loadLaunchContext, type IssuerConfig } from '../launch/launchContext';
import { classifyEhrError, classifyMedplumError, LaunchProblem, missingScopes } from './launchProblem';
import { remoteClock, WALL_CLOCK } from './clock';
import type { CareloopSession } from './session';
import { smartClient, type EhrClient } from './smartReady';

/** Connects Medplum for an EHR token as the issuer's configuration says. */
export async function connectMedplum(config: IssuerConfig, ehrToken: string): Promise<MedplumClient> {
  const medplum = new MedplumClient({
    baseUrl: config.medplum.baseUrl,
    // TanStack Query owns caching; Medplum's 60 s GET cache would show stale plans after a write.
    cacheTime: 0,
    fetch: (input, init) => window.fetch(input, init),
    // The token lives for this page only; nothing is left in localStorage for the next user.
    storage: new ClientStorage(new MemoryStorage()),
  });
  try {
    if (config.medplum.mode === 'exchange') {
      await medplum.exchangeExternalAccessToken(ehrToken, config.medplum.clientId);
    } else {
      medplum.setAccessToken(ehrToken);
    }
  } catch (err) {
    throw classifyMedplumError(err);
  }
  return medplum;
}

function fhirUserReference(ehr: EhrClient): Reference<Practitioner | PractitionerRole> | undefined {
  const user = ehr.getFhirUser();
  if (!user) {
    return undefined;
  }
  // fhirUser may be absolute; Medplum references are relative.
  const m = /(Practitioner|PractitionerRole)\/([^/]+)$/.exec(user);
  return m ? { reference: `${m[1]}/${m[2]}` as `Practitioner/${string}` } : undefined;
}

let connecting: Promise<CareloopSession> | undefined;

/** The session of this page load (one attempt per load; StrictMode's second effect gets the same promise). */
export function connectSession(): Promise<CareloopSession> {
  connecting ??= connect();
  return connecting;
}

async function connect(): Promise<CareloopSession> {
  let ehr: EhrClient;
  let config: IssuerConfig;
  try {
    ehr = await smartClient();
    const context = await loadLaunchContext();
    config = issuerConfig(context, ehr.state.serverUrl);
  } catch (err) {
    throw classifyEhrError(err, window.location.search);
  }
  const expiresAt = ehr.state.expiresAt;
  if (expiresAt && expiresAt * 1000 < Date.now() && !ehr.state.tokenResponse?.refresh_token) {
    throw new LaunchProblem('session-expired', 'The EHR session has expired.');
  }
  const ehrPatientId = ehr.getPatientId() ?? undefined;
  if (ehrPatientId) {
    const missing = missingScopes(config.scope, ehr.state.tokenResponse?.scope);
    if (missing.length) {
      throw new LaunchProblem(
        'scope-denied',
        `Careloop needs permission to read ${missing.join(', ')}, which the EHR did not grant.`,
      );
    }
  }
  const token = ehr.state.tokenResponse?.access_token;
  if (!token) {
    throw new LaunchProblem('session-expired', 'The EHR did not give Careloop an access token.');
  }
  const [medplum, clock] = await Promise.all([
    connectMedplum(config, token),
    config.clockUrl ? remoteClock(config.clockUrl) : Promise.resolve(WALL_CLOCK),
  ]);
  const practitioner = fhirUserReference(ehr);
  const base = {
    ehr,
    iss: ehr.state.serverUrl,
    config,
    medplum,
    ...(practitioner ? { practitioner } : {}),
    now: () => clock.now(),
  };
  if (!ehrPatientId) {
    return base;
  }
  let patient;
  try {
    patient = await findPatientMirror(medplum, ehrPatientId, {
      ehrBase: ehr.state.serverUrl,
      sharesEhrStore: config.medplum.sharesEhrStore,
    });
  } catch (err) {
    throw classifyMedplumError(err);
  }
  // A patient Careloop has not mirrored yet is not a failed launch: the panel says so and offers the worklist.
  return { ...base, ehrPatientId, ...(patient ? { patient } : {}) };
}
