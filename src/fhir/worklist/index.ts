/** The coordinators' worklist: Task search builders, headline counts, actions and concurrency-safe saves. */

export * from './taskFacts';
export * from './worklistSearch';
export * from './queueCounts';
export * from './taskActions';
export * from './saveTask';
export * from './labels';
export * from './conversationFacts';
