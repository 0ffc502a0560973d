/**
 * The store's durability: an append-only NDJSON journal of final resource versions (`put`) and deletes,
 * appended synchronously before a write is acknowledged, replayed on start, and compacted into a fresh
 * file of current versions when it has grown well past them. A torn last line (a crash mid-append) is
 * skipped on replay with a warning; every line before it is kept.
 */

import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';

/** One journal line. */
export type JournalEntry =
  | { readonly op: 'put'; readonly resource: Resource }
  | { readonly op: 'delete'; readonly resourceType: string; readonly id: string };

/** The journal file of a data folder. */
export class Journal {
  readonly file: string;
  private lines = 0;

  constructor(
    dataDir: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.file = join(dataDir, 'fhir.ndjson');
  }

  /** True when nothing was ever written (a first start: seed the data). */
  isEmpty(): boolean {
    return !existsSync(this.file) || readFileSync(this.file).length === 0;
  }

  /** Every entry in write order. */
  read(): JournalEntry[] {
    if (!existsSync(this.file)) return [];
    const text = readFileSync(this.file, 'utf8');
    const out: JournalEntry[] = [];
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        out.push(JSON.parse(line) as JournalEntry);
      } catch {
        this.log(`sandbox: ${this.file} line ${i + 1} is not complete JSON (an interrupted write?); skipped`);
      }
    });
    this.lines = out.length;
    return out;
  }

  /** Appends entries; returns once the operating system has them (a process crash loses nothing). */
  append(...entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    appendFileSync(this.file, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    this.lines += entries.length;
  }

  /** Lines in the file (as read or appended by this process). */
  size(): number {
    return this.lines;
  }

  /** Rewrites the journal as one `put` per current resource (written aside, then renamed over). */
  compact(current: readonly Resource[]): void {
    const tmp = `${this.file}.compact`;
    writeFileSync(
      tmp,
      current.map((resource) => JSON.stringify({ op: 'put', resource })).join('\n') +
        (current.length ? '\n' : ''),
    );
    renameSync(tmp, this.file);
    this.lines = current.length;
  }
}
