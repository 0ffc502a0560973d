/**
 * The sandbox's FHIR store: Medplum's MemoryRepository with what a Medplum server adds and the sandbox
 * needs. Every write is appended to the journal before it is acknowledged, then announced to the write
 * listeners (the bot runtime's subscriptions) — writes inside batches and transactions too, since they
 * all pass through here. Versions carry the sandbox clock's time; an update that changes nothing makes no
 * new version and no event (as on Medplum); `meta.accounts` and `meta.compartment` are kept as Medplum
 * keeps them.
 */

import {
  badRequest,
  deepClone,
  deepEquals,
  generateId,
  notFound,
  OperationOutcomeError,
  type SearchRequest,
} from '@medplum/core';
import { MemoryRepository, type CreateResourceOptions } from '@medplum/fhir-router';
import type { Bundle, Reference, Resource } from '@medplum/fhirtypes';
import type { Clock } from '../../bots/runtime';
import type { WriteEvent } from '../context';
import { accountsOf, computeCompartments, patientReferences } from './compartments';
import type { Journal } from './journal';
import { searchResources } from './search';

type WithId<T extends Resource> = T & { id: string };

/** Options of the store. */
export interface SandboxStoreOptions {
  readonly clock: Clock;
  /** Where writes are persisted; without one the store is memory only (unit tests). */
  readonly journal?: Journal;
  readonly log?: (line: string) => void;
  /** Compact the journal on load when it has this many lines more than twice the live resources (1000). */
  readonly compactSlack?: number;
}

/** The sandbox's FHIR repository. */
export class SandboxStore extends MemoryRepository {
  private readonly listeners: ((event: WriteEvent) => void)[] = [];
  private replaying = false;
  private writesSinceCheck = 0;

  constructor(private readonly options: SandboxStoreOptions) {
    super();
  }

  /** Registers a listener for every persisted write. */
  onWrite(listener: (event: WriteEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Replays the journal into memory; returns how many resources are current. Compacts a grown journal. */
  async load(): Promise<number> {
    const journal = this.options.journal;
    if (!journal) return 0;
    this.replaying = true;
    try {
      await this.withSeeding(async () => {
        for (const entry of journal.read()) {
          if (entry.op === 'put') {
            await super.createResource(entry.resource, undefined, true);
          } else if (this.peek(entry.resourceType, entry.id)) {
            await super.deleteResource(entry.resourceType, entry.id);
          }
        }
      });
    } finally {
      this.replaying = false;
    }
    this.compactIfGrown();
    return this.all().length;
  }

  /** Rewrites the journal as current versions when it holds more than twice as many lines plus slack. */
  private compactIfGrown(): void {
    const journal = this.options.journal;
    if (!journal) return;
    const current = this.all();
    if (journal.size() > 2 * current.length + (this.options.compactSlack ?? 1000)) {
      journal.compact(current);
      this.options.log?.(`sandbox: compacted the FHIR journal to ${current.length} resources`);
    }
  }

  /** Called after each journaled write: looks at the journal's size every thousand writes. */
  private afterWrite(): void {
    this.writesSinceCheck++;
    if (this.writesSinceCheck >= 1000) {
      this.writesSinceCheck = 0;
      this.compactIfGrown();
    }
  }

  /** MemoryRepository's map of current versions (type → id → resource); read, never written, here. */
  private get current(): Map<string, Map<string, Resource>> {
    return (this as unknown as { resources: Map<string, Map<string, Resource>> }).resources;
  }

  /** Every current resource (for compaction and tests). */
  all(): Resource[] {
    return [...this.current.values()].flatMap((byId) => [...byId.values()]);
  }

  /** The current version, or undefined; no copy (callers must not modify it). */
  peek(resourceType: string, id: string): Resource | undefined {
    return this.current.get(resourceType)?.get(id);
  }

  override async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    return searchResources(this.current, searchRequest) as Bundle<WithId<T>>;
  }

  override async createResource<T extends Resource>(
    resource: T,
    options?: CreateResourceOptions,
    update = false,
  ): Promise<WithId<T>> {
    if (this.replaying) {
      return super.createResource(resource, options, update) as Promise<WithId<T>>;
    }
    if (!resource || typeof resource.resourceType !== 'string') {
      throw new OperationOutcomeError(badRequest('Missing resourceType'));
    }
    const prepared = deepClone(resource) as WithId<T>;
    prepared.id = prepared.id ?? generateId();
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(prepared.id)) {
      throw new OperationOutcomeError(badRequest('Invalid resource id', 'id'));
    }
    const previous = this.peek(prepared.resourceType, prepared.id);
    if (previous && !update) {
      throw new OperationOutcomeError(badRequest('Assigned ID is already in use'));
    }
    const meta = { ...(prepared.meta ?? {}) };
    delete meta.versionId;
    delete meta.lastUpdated;
    let accounts = accountsOf(meta);
    if (accounts.length === 0 && previous) accounts = accountsOf(previous.meta);
    if (accounts.length === 0) accounts = this.inheritedAccounts(prepared);
    if (accounts.length > 0) {
      meta.accounts = accounts;
      meta.account = meta.account ?? accounts[0];
    }
    meta.compartment = computeCompartments(prepared, accounts);
    prepared.meta = meta;

    if (previous && deepEquals(prepared, previous)) {
      // Nothing changed: Medplum keeps the version and fires no subscription.
      return deepClone(previous) as WithId<T>;
    }
    meta.versionId = generateId();
    meta.lastUpdated = this.options.clock.now().toISOString();

    this.options.journal?.append({ op: 'put', resource: prepared });
    const stored = (await this.withSeeding(() => super.createResource(prepared, options, true))) as WithId<T>;
    this.afterWrite();
    this.emit(
      previous
        ? { interaction: 'update', resource: deepClone(stored), previous: deepClone(previous) }
        : { interaction: 'create', resource: deepClone(stored) },
    );
    return stored;
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    if (this.replaying) return super.deleteResource(resourceType, id);
    const previous = this.peek(resourceType, id);
    if (!previous) {
      throw new OperationOutcomeError(notFound);
    }
    this.options.journal?.append({ op: 'delete', resourceType, id });
    await super.deleteResource(resourceType, id);
    this.afterWrite();
    this.emit({ interaction: 'delete', resource: deepClone(previous) });
  }

  /** The accounts of the first patient `resource` belongs to that has some. */
  inheritedAccounts(resource: Resource): Reference[] {
    if (resource.resourceType === 'Patient') return [];
    for (const ref of patientReferences(resource)) {
      const [, id] = ref.split('/');
      const patient = id ? this.peek('Patient', id) : undefined;
      const accounts = accountsOf(patient?.meta);
      if (accounts.length > 0) return accounts.map((a) => ({ ...a }));
    }
    return [];
  }

  private emit(event: WriteEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.options.log?.(`sandbox: a write listener failed: ${(err as Error).message}`);
      }
    }
  }
}
