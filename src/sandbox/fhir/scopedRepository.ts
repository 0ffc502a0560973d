/**
 * A view of the store through one caller's AccessRule: the FHIR router runs a request against this view,
 * so reads, searches, writes and every entry of a batch are checked the same way. A resource the caller
 * may not see reads as 404 (its existence is not disclosed); a type or write the caller may not use is 403.
 */

import { deepClone, forbidden, notFound, OperationOutcomeError, type SearchRequest } from '@medplum/core';
import { FhirRepository, type CreateResourceOptions, type UpdateResourceOptions } from '@medplum/fhir-router';
import type { Bundle, Reference, Resource } from '@medplum/fhirtypes';
import type { Operation } from 'rfc6902';
import type { AccessRule } from './access';
import { accountsOf, computeCompartments } from './compartments';
import type { SandboxStore } from './store';

type WithId<T extends Resource> = T & { id: string };

/** The store seen through `rule`. */
export class ScopedRepository extends FhirRepository<undefined> {
  constructor(
    private readonly store: SandboxStore,
    private readonly rule: AccessRule,
  ) {
    super();
  }

  setMode(): void {
    // One store, no replicas.
  }

  generateId(): string {
    return this.store.generateId();
  }

  private requireType(resourceType: string, interaction: Parameters<AccessRule['allowsType']>[1]): void {
    if (!this.rule.allowsType(resourceType, interaction)) {
      throw new OperationOutcomeError(forbidden);
    }
  }

  /** The resource as it would be stored (accounts, compartments, author) so criteria can be checked. */
  private stamped<T extends Resource>(resource: T, previous?: Resource): T {
    const out = deepClone(resource);
    const meta = { ...(out.meta ?? {}) };
    let accounts = accountsOf(meta);
    if (accounts.length === 0 && previous) accounts = accountsOf(previous.meta);
    // A patient's data keeps the patient's accounts: a caller cannot file it under their own organization.
    if (accounts.length === 0) accounts = this.store.inheritedAccounts(out);
    if (accounts.length === 0 && this.rule.defaultAccounts) accounts = [...this.rule.defaultAccounts];
    if (accounts.length > 0) meta.accounts = accounts;
    meta.compartment = computeCompartments(out, accounts);
    if (this.rule.author) meta.author = this.rule.author;
    out.meta = meta;
    return out;
  }

  async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions): Promise<WithId<T>> {
    this.requireType(resource.resourceType, 'create');
    const stamped = this.stamped(resource);
    if (!this.rule.allowsResource(stamped, 'create')) {
      throw new OperationOutcomeError(forbidden);
    }
    return this.store.createResource(stamped, options);
  }

  async readResource<T extends Resource>(resourceType: string, id: string): Promise<WithId<T>> {
    this.requireType(resourceType, 'read');
    const resource = await this.store.readResource<T>(resourceType, id);
    if (!this.rule.allowsResource(resource, 'read')) {
      throw new OperationOutcomeError(notFound);
    }
    return resource as WithId<T>;
  }

  async readReference<T extends Resource>(reference: Reference<T>): Promise<WithId<T>> {
    const [type, id, ...rest] = reference.reference?.split('/') ?? [];
    if (!type || !id || rest.length > 0) {
      throw new OperationOutcomeError(notFound);
    }
    return this.readResource<T>(type, id);
  }

  async readReferences<T extends Resource>(references: readonly Reference<T>[]): Promise<(T | Error)[]> {
    return Promise.all(references.map((r) => this.readReference<T>(r).catch((err: unknown) => err as Error)));
  }

  async readHistory<T extends Resource>(resourceType: string, id: string): Promise<Bundle<WithId<T>>> {
    this.requireType(resourceType, 'history');
    const current = await this.store.readResource(resourceType, id);
    if (!this.rule.allowsResource(current, 'history')) {
      throw new OperationOutcomeError(notFound);
    }
    return (await this.store.readHistory<T>(resourceType, id)) as Bundle<WithId<T>>;
  }

  async readVersion<T extends Resource>(resourceType: string, id: string, vid: string): Promise<WithId<T>> {
    this.requireType(resourceType, 'vread');
    const version = await this.store.readVersion<T>(resourceType, id, vid);
    if (!this.rule.allowsResource(version, 'vread')) {
      throw new OperationOutcomeError(notFound);
    }
    return version as WithId<T>;
  }

  async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    this.requireType(resource.resourceType, 'update');
    const previous = resource.id ? this.store.peek(resource.resourceType, resource.id) : undefined;
    if (previous && !this.rule.allowsResource(previous, 'update')) {
      throw new OperationOutcomeError(this.rule.allowsResource(previous, 'read') ? forbidden : notFound);
    }
    if (!previous) this.requireType(resource.resourceType, 'create');
    const stamped = this.stamped(resource, previous);
    if (!this.rule.allowsResource(stamped, 'update')) {
      throw new OperationOutcomeError(forbidden);
    }
    return this.store.updateResource(stamped, options);
  }

  async deleteResource(resourceType: string, id: string): Promise<void> {
    this.requireType(resourceType, 'delete');
    const previous = this.store.peek(resourceType, id);
    if (!previous || !this.rule.allowsResource(previous, 'delete')) {
      throw new OperationOutcomeError(
        previous && this.rule.allowsResource(previous, 'read') ? forbidden : notFound,
      );
    }
    await this.store.deleteResource(resourceType, id);
  }

  async patchResource<T extends Resource>(
    resourceType: T['resourceType'],
    id: string,
    patch: Operation[],
  ): Promise<WithId<T>> {
    this.requireType(resourceType, 'update');
    const previous = this.store.peek(resourceType, id);
    if (!previous || !this.rule.allowsResource(previous, 'update')) {
      throw new OperationOutcomeError(
        previous && this.rule.allowsResource(previous, 'read') ? forbidden : notFound,
      );
    }
    return this.store.patchResource<T>(resourceType, id, patch);
  }

  private narrowed<T extends Resource>(searchRequest: SearchRequest<T>): SearchRequest<T> {
    const types = searchRequest.types ?? [searchRequest.resourceType];
    for (const type of types) this.requireType(type, 'search');
    const extra = this.rule.searchFilters(searchRequest.resourceType);
    return extra.length > 0
      ? { ...searchRequest, filters: [...(searchRequest.filters ?? []), ...extra] }
      : searchRequest;
  }

  async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    const bundle = await this.store.search(this.narrowed(searchRequest));
    // Criteria that filters cannot express (and included resources) are checked one by one.
    const entry = (bundle.entry ?? []).filter(
      (e) => e.resource && this.rule.allowsResource(e.resource, 'search'),
    );
    const removed = (bundle.entry?.length ?? 0) - entry.length;
    return {
      ...bundle,
      entry: entry.length > 0 ? entry : undefined,
      total: bundle.total !== undefined ? bundle.total - removed : undefined,
    } as Bundle<WithId<T>>;
  }

  async searchByReference<T extends Resource>(
    searchRequest: SearchRequest<T>,
    referenceField: string,
    references: string[],
  ): Promise<Record<string, WithId<T>[]>> {
    const results = await this.store.searchByReference(
      this.narrowed(searchRequest),
      referenceField,
      references,
    );
    for (const key of Object.keys(results)) {
      results[key] = (results[key] ?? []).filter((r) => this.rule.allowsResource(r, 'search'));
    }
    return results;
  }

  withTransaction<TResult>(callback: (client: undefined) => Promise<TResult>): Promise<TResult> {
    return callback(undefined);
  }
}
