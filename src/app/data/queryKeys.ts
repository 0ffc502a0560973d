/** TanStack Query keys of the app's server state, in one place so writes invalidate the right reads. */
export const queryKeys = {
  practice: ['practice'] as const,
  workflows: ['workflows'] as const,
  engagement: (patientId: string) => ['engagement', patientId] as const,
  medplumPatient: (patientId: string) => ['medplum-patient', patientId] as const,
  medplumAppointments: (patientId: string) => ['medplum-appointments', patientId] as const,
  ehrPatient: (ehrPatientId: string) => ['ehr', 'patient', ehrPatientId] as const,
  ehrAppointments: (ehrPatientId: string) => ['ehr', 'appointments', ehrPatientId] as const,
};
