/**
 * A Careloop session for component tests: a real fhirclient client (browser build) pointed at a fake EHR
 * that msw serves, a Medplum client (usually a MockClient with the practice loaded), and a fixed clock.
 */
import type { MedplumClient } from '@medplum/core';
import type { Appointment, Bundle, Patient } from '@medplum/fhirtypes';
import FHIR from 'fhirclient';
import { http, HttpResponse } from 'msw';
import type { ReactNode } from 'react';
import type { IssuerConfig } from '../../src/app/launch/launchContext';
import type { CareloopSession } from '../../src/app/session/session';
import { SessionProvider } from '../../src/app/session/SessionContext';

/** The fake EHR's FHIR base. */
export const EHR_BASE = 'https://ehr.test/fhir';

/** The issuer configuration tests launch with (one store behind both, as in the sandbox). */
export const TEST_ISSUER: IssuerConfig = {
  iss: EHR_BASE,
  clientId: 'careloop-test-app',
  scope: 'launch openid fhirUser patient/Patient.rs patient/Appointment.rs',
  standaloneScope: 'openid fhirUser',
  medplum: { baseUrl: 'https://medplum.test/', mode: 'same-token', sharesEhrStore: true },
};

/** Builds a session; `ehrPatientId` absent means a standalone launch. */
export function testSession(args: {
  medplum: MedplumClient;
  now: Date;
  ehrPatientId?: string;
  patient?: Patient;
}): CareloopSession {
  const ehr = FHIR.client({
    serverUrl: EHR_BASE,
    tokenResponse: {
      access_token: 'ehr-token',
      ...(args.ehrPatientId ? { patient: args.ehrPatientId } : {}),
    },
  });
  return {
    ehr,
    iss: EHR_BASE,
    config: TEST_ISSUER,
    medplum: args.medplum,
    practitioner: { reference: 'Practitioner/dr-test' },
    ...(args.ehrPatientId ? { ehrPatientId: args.ehrPatientId } : {}),
    ...(args.patient ? { patient: args.patient } : {}),
    now: () => args.now,
  };
}

/** Wraps children in the session, for renderWithProviders's `wrap`. */
export function withSession(session: CareloopSession): (children: ReactNode) => ReactNode {
  return function wrap(children) {
    return <SessionProvider session={session}>{children}</SessionProvider>;
  };
}

/** msw handlers for the fake EHR: one patient and their appointments (or a failure status). */
export function ehrHandlers(data: {
  patient: Patient;
  appointments: readonly Appointment[];
  appointmentStatus?: number;
}): ReturnType<typeof http.get>[] {
  return [
    http.get(`${EHR_BASE}/Patient/:id`, ({ params }) =>
      params['id'] === data.patient.id
        ? HttpResponse.json(data.patient)
        : HttpResponse.json({ resourceType: 'OperationOutcome' }, { status: 404 }),
    ),
    http.get(`${EHR_BASE}/Appointment`, () => {
      if (data.appointmentStatus) {
        return HttpResponse.json(
          { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] },
          { status: data.appointmentStatus },
        );
      }
      const bundle: Bundle<Appointment> = {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: data.appointments.map((resource) => ({ resource })),
      };
      return HttpResponse.json(bundle);
    }),
  ];
}
