/**
 * The one call to fhirclient's `ready()` per page load. It exchanges the authorization code, which works
 * once: React StrictMode (or a second component) calling it again would reuse the code and get
 * `invalid_grant`. So the promise is created once at module level and shared.
 */
import FHIR from 'fhirclient';
import type Client from 'fhirclient/lib/Client';

let ready: Promise<Client> | undefined;

/** The SMART client of this page load (the same promise on every call). */
export function smartClient(): Promise<Client> {
  ready ??= FHIR.oauth2.ready();
  return ready;
}

/** The EHR connection type used across the app. */
export type EhrClient = Client;
