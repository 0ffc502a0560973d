/** The sandbox's bot runtime: real bots, Medplum's Subscription, Cron and webhook semantics. */

export { startBotRuntime, type BotRuntime, type BotRuntimeOptions } from './runtime';
export type { StartReconcile } from './reconcile';
export { subscriptionFires, firedSubscriptions } from './subscriptions';
export { cronDue } from './cron';
