/**
 * What the Twilio stand-in remembers, persisted as one JSON file in the data folder so the phone page
 * survives a restart: messages both ways, calls, numbers that texted STOP to the carrier, and emails.
 */

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One text message, either way. */
export interface PhoneMessage {
  readonly sid: string;
  /** `outbound-api` (practice → patient, also TwiML replies as `outbound-reply`) or `inbound`. */
  readonly direction: 'outbound-api' | 'outbound-reply' | 'inbound';
  readonly from: string;
  readonly to: string;
  readonly body: string;
  status: string;
  errorCode?: number;
  /** Sandbox time. */
  readonly dateCreated: string;
  /** Sandbox time the carrier took it (`sent`); absent while queued. */
  dateSent?: string;
  readonly statusCallback?: string;
  readonly messagingServiceSid?: string;
  readonly numSegments: number;
}

/** One outbound call. */
export interface PhoneCall {
  readonly sid: string;
  readonly from: string;
  readonly to: string;
  /** The spoken text (the `<Say>` elements). */
  readonly say: string;
  /** Where a key press is posted (`<Gather action>`), if the call asks for one. */
  readonly gatherAction?: string;
  status: string;
  digits?: string;
  /** What the webhook answered to the key press, spoken back (`<Say>`). */
  answer?: string;
  readonly dateCreated: string;
  /** Sandbox time the call ended (a key press or hang-up). */
  dateEnded?: string;
  readonly statusCallback?: string;
}

/** One email sent through `/email/v1/send`. */
export interface OutboxEmail {
  readonly id: string;
  readonly to: string;
  readonly from?: string;
  readonly subject: string;
  readonly text: string;
  readonly dateCreated: string;
}

/** The persisted state. */
export interface PhoneState {
  messages: PhoneMessage[];
  calls: PhoneCall[];
  /** Numbers that texted STOP (or another opt-out word) to the practice number, and not START since. */
  optedOut: string[];
  emails: OutboxEmail[];
}

/** The state with a `save()` that writes it (atomically) when a file is set. */
export interface PhoneStore {
  readonly state: PhoneState;
  save(): void;
}

function empty(): PhoneState {
  return { messages: [], calls: [], optedOut: [], emails: [] };
}

/** Loads the state from `file` (empty when absent or unreadable, the unreadable file kept aside). */
export function openPhoneStore(file?: string): PhoneStore {
  let state = empty();
  if (file) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<PhoneState>;
      state = { ...empty(), ...parsed };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        // Never silently lose the old conversations: keep the file we could not read.
        renameSync(file, `${file}.unreadable-${Date.now()}`);
      }
    }
  }
  return {
    state,
    save(): void {
      if (!file) return;
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, JSON.stringify(state, null, 1));
      renameSync(tmp, file);
    },
  };
}
