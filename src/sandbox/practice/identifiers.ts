import type { CodeableConcept } from '@medplum/fhirtypes';

/** Identifier systems of the sandbox EHR, so generated records look like records an EHR issued. */

/** Base of the sandbox EHR's identifier systems. */
export const SANDBOX_EHR_BASE = 'https://ehr.sandbox.careloop.example';

/** Identifier systems for EHR business identifiers (MRN, appointment number, ...). */
export const SANDBOX_IDENTIFIER = {
  patient: `${SANDBOX_EHR_BASE}/patient-id`,
  appointment: `${SANDBOX_EHR_BASE}/appointment-id`,
  practitioner: `${SANDBOX_EHR_BASE}/practitioner-id`,
  organization: `${SANDBOX_EHR_BASE}/organization-id`,
  location: `${SANDBOX_EHR_BASE}/location-id`,
  condition: `${SANDBOX_EHR_BASE}/condition-id`,
} as const;

/** Tag on every generated resource, so synthetic records are recognisable as such anywhere they travel. */
export const SYNTHETIC_TAG = {
  system: 'https://careloop.health/fhir/CodeSystem/sandbox',
  code: 'synthetic',
  display: 'Synthetic sandbox data',
} as const;

/** HL7 v2 identifier type for a medical record number. */
export const MRN_TYPE: CodeableConcept = {
  coding: [
    { system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' },
  ],
};
