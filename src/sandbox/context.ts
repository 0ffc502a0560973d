/**
 * The contract between the sandbox's parts: the HTTP server and FHIR store (server/, fhir/), the SMART EHR
 * (smart/, ehr/), the bot runtime (bots/), the Twilio stand-in and phone (twilio/), the clock and the
 * synthetic practice (practice/). Each part exports routes in the Fetch API's Request/Response terms, so
 * it can be tested without a server, and the server composes them on one port.
 */

import type { Resource } from '@medplum/fhirtypes';
import type { Clock } from '../bots/runtime';

/** One route of the sandbox: a method, a path pattern (`/webhook/:id`, `*` at the end for a prefix). */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | '*';
  readonly path: string;
  handle(request: Request, params: Readonly<Record<string, string>>): Promise<Response>;
}

/** A write that reached the FHIR store, after it was persisted. */
export interface WriteEvent {
  readonly interaction: 'create' | 'update' | 'delete';
  /** The resource as stored (for a delete, the last version). */
  readonly resource: Resource;
  /** The version before an update, for FHIRPath criteria with `%previous`. */
  readonly previous?: Resource;
}

/** The sandbox's clock: real time plus an offset the user moves forward. */
export interface SandboxClock extends Clock {
  /** Moves time forward by `ms` (never back); returns the new time. */
  advance(ms: number): Date;
  /** Listeners run after each advance (the bot runtime runs due crons). */
  onAdvance(listener: (now: Date) => void | Promise<void>): void;
}

/** What the running sandbox shares with its parts. */
export interface SandboxContext {
  /** `http://127.0.0.1:PORT` (or `localhost`), no trailing slash. */
  readonly baseUrl: string;
  /** Where persisted data lives (git-ignored `.sandbox/` by default). */
  readonly dataDir: string;
  readonly clock: SandboxClock;
  /** Registers a listener for every persisted write (subscriptions). */
  onWrite(listener: (event: WriteEvent) => void): void;
  /** Mints a bearer token for an in-process service (a bot) acting as `profile` (e.g. `Bot/123`). */
  issueServiceToken(profile: string): string;
}
