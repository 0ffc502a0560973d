/** What the app knows about its connection once the launch has completed. */
import type { MedplumClient } from '@medplum/core';
import type { Patient, Practitioner, PractitionerRole, Reference } from '@medplum/fhirtypes';
import type { IssuerConfig } from '../launch/launchContext';
import type { EhrClient } from './smartReady';

/** The connection every page uses: the EHR client, who is signed in, the launch patient and Medplum. */
export interface CareloopSession {
  /** fhirclient's client for the EHR's FHIR API (the launch's access token). */
  readonly ehr: EhrClient;
  /** The EHR's FHIR base URL. */
  readonly iss: string;
  readonly config: IssuerConfig;
  /** The signed-in user (`fhirUser`), e.g. `Practitioner/123`, when the EHR said. */
  readonly practitioner?: Reference<Practitioner | PractitionerRole>;
  /** The patient in context in the EHR (EHR logical id), for a launch from a chart. */
  readonly ehrPatientId?: string;
  /** The Medplum copy of that patient, when found. */
  readonly patient?: Patient;
  readonly medplum: MedplumClient;
  /** The current time (the sandbox may run a clock ahead of the wall clock). */
  now(): Date;
}
