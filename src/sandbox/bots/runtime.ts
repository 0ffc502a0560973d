/**
 * The sandbox's bot runtime: the real bot handlers of src/bots run in-process on their Bot, Subscription
 * and Cron definitions with Medplum's semantics, each with a real MedplumClient authenticated as the bot.
 * Subscriptions fire after each write, asynchronously, never retried; cron bots run by sandbox time;
 * public webhooks are served at `/webhook/:id`.
 */

import { performance } from 'node:perf_hooks';
import { MedplumClient, type BotEvent } from '@medplum/core';
import type { Resource, Subscription } from '@medplum/fhirtypes';
import { installClock } from '../../bots/runtime';
import { redactNumbers } from '../../channels/phone';
import type { Route, SandboxContext, WriteEvent } from '../context';
import { cronDue } from './cron';
import {
  importHandler,
  loadBotDefinitions,
  loadSubscriptionDefinitions,
  type BotDefinition,
  type BotHandler,
} from './definitions';
import { installBots, installSubscriptions } from './install';
import { reconcileOnStart, type StartReconcile } from './reconcile';
import { sandboxSecrets } from './secrets';
import { firedSubscriptions, subscriptionBotId } from './subscriptions';
import { unreadableBody, webhookErrorResponse, webhookInput, webhookResponse } from './webhook';

/** How the runtime is set up. */
export interface BotRuntimeOptions {
  /** The practice's Organization reference (`Organization/<id>`), the CARELOOP_ORGANIZATION secret. */
  readonly organization: string;
  readonly twilio: { readonly accountSid: string; readonly authToken: string; readonly from: string };
  /** Where the bots' MedplumClient points; defaults to ctx.baseUrl (FHIR at `/fhir/R4`). */
  readonly medplumBaseUrl?: string;
  readonly log?: (line: string) => void;
  /** Run cron bots on schedule (default true). Tests turn it off and call runCron. */
  readonly cron?: boolean;
  /** Reconcile upcoming appointments once after start (default true). */
  readonly reconcileOnStart?: boolean;
  /** Bot names whose cron stays off; default `careloop-ehr-sync` (EHR and Medplum share one store). */
  readonly cronOff?: readonly string[];
  /** Real ms between cron checks; default one minute. */
  readonly cronCheckMs?: number;
}

/** The running bot runtime. */
export interface BotRuntime {
  readonly routes: Route[];
  /** Runs a cron bot now (as its schedule would), unless it is already running; returns its result. */
  runCron(botName: string): Promise<unknown>;
  /** Stops the cron timer and waits for running bots. */
  stop(): Promise<void>;
  /** The public webhook URL of a bot (`<baseUrl>/webhook/<Bot id>`). */
  webhookUrl(botName: string): string;
  /** The stored Bot id of a bot. */
  botId(botName: string): string;
  /** Resolves when no bot run (subscription, cron or webhook) is in flight. */
  idle(): Promise<void>;
  /** The first reconcile of upcoming appointments (what it did and how long it took). */
  readonly startReconcile: Promise<StartReconcile | undefined>;
}

/** One loaded bot. */
interface LoadedBot {
  readonly definition: BotDefinition;
  readonly id: string;
  readonly handler: BotHandler;
}

const DEFAULT_CRON_OFF = ['careloop-ehr-sync'];

/** Loads the definitions into the store and starts the runtime. */
export async function startBotRuntime(ctx: SandboxContext, options: BotRuntimeOptions): Promise<BotRuntime> {
  // Log lines go to stderr by default: stdout is for the start-up banner.
  const log = options.log ?? ((line: string) => console.warn(line));
  const baseUrl = (options.medplumBaseUrl ?? ctx.baseUrl).replace(/\/+$/, '');
  const uninstallClock = installClock(ctx.clock);
  const client = (profile: string): MedplumClient => {
    const medplum = new MedplumClient({
      baseUrl: `${baseUrl}/`,
      // A server-side bot has no client cache: a cached search would hide another bot's write.
      cacheTime: 0,
      fetch: (url: string, init?: RequestInit) => fetch(url, init),
    });
    medplum.setAccessToken(ctx.issueServiceToken(profile));
    return medplum;
  };

  const admin = client('ClientApplication/careloop-sandbox-runtime');
  const definitions = loadBotDefinitions();
  const botIds = await installBots(admin, definitions);
  const installed = await installSubscriptions(admin, loadSubscriptionDefinitions(), botIds);
  const bots = new Map<string, LoadedBot>();
  for (const definition of definitions) {
    bots.set(definition.name, {
      definition,
      id: botIds.get(definition.name) ?? '',
      handler: await importHandler(definition),
    });
  }
  const byId = new Map([...bots.values()].map((b) => [b.id, b]));
  const subscriptions = new Map<string, Subscription>();
  for (const s of await admin.searchResources('Subscription', { _count: '1000' }, { cache: 'no-cache' })) {
    subscriptions.set(s.id, s);
  }
  for (const s of installed) subscriptions.set(s.id ?? '', s);

  const webhookUrl = (name: string): string => `${ctx.baseUrl}/webhook/${botByName(name).id}`;
  function botByName(name: string): LoadedBot {
    const bot = bots.get(name);
    if (!bot) throw new Error(`no bot named ${name}`);
    return bot;
  }
  const secrets = sandboxSecrets({
    organization: options.organization,
    baseUrl: ctx.baseUrl,
    twilio: options.twilio,
    inboundWebhookUrl: webhookUrl('careloop-inbound-message'),
    statusWebhookUrl: webhookUrl('careloop-delivery-status'),
  });

  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    const done = (): void => {
      inFlight.delete(p);
    };
    p.then(done, done);
    return p;
  };

  /** Runs one bot once; logs the outcome (never the input, which can hold patient data). */
  async function execute(
    bot: LoadedBot,
    trigger: string,
    input: unknown,
    extra: { contentType?: string; headers?: Record<string, string> } = {},
  ): Promise<unknown> {
    const event: BotEvent = {
      bot: { reference: `Bot/${bot.id}` },
      contentType: extra.contentType ?? 'application/fhir+json',
      input,
      secrets,
      ...(extra.headers ? { headers: extra.headers } : {}),
      traceId: crypto.randomUUID(),
    };
    const started = performance.now();
    try {
      const result = await bot.handler(client(`Bot/${bot.id}`), event);
      const ms = Math.round(performance.now() - started);
      log(`bot ${bot.definition.name} (${trigger}) ok in ${ms} ms`);
      const timeout = bot.definition.resource.timeout;
      if (timeout && ms > timeout * 1000) {
        // In-process runs cannot be cut off; Medplum would have stopped this one.
        log(`bot ${bot.definition.name}: the run took longer than its ${timeout} s timeout`);
      }
      return result;
    } catch (err) {
      const message = redactNumbers(err instanceof Error ? err.message : String(err)).slice(0, 300);
      log(
        `bot ${bot.definition.name} (${trigger}) failed in ${Math.round(performance.now() - started)} ms: ${message}`,
      );
      throw err;
    }
  }

  // Subscriptions: after each persisted write, asynchronously; a failed run is logged and not retried.
  ctx.onWrite((event: WriteEvent) => {
    if (event.resource.resourceType === 'Subscription' && event.resource.id) {
      if (event.interaction === 'delete') subscriptions.delete(event.resource.id);
      else subscriptions.set(event.resource.id, event.resource);
    }
    void track(fire(event));
  });
  async function fire(event: WriteEvent): Promise<void> {
    for (const subscription of await firedSubscriptions(subscriptions.values(), event)) {
      const bot = byId.get(subscriptionBotId(subscription) ?? '');
      if (!bot) continue;
      const what = `subscription ${subscription.id ?? '?'} on ${event.interaction} ${ref(event.resource)}`;
      void track(execute(bot, what, event.resource).catch(() => undefined));
    }
  }

  // Cron: due by sandbox time; one run per bot at a time; a jump over many firings runs the bot once.
  const cronOff = new Set(options.cronOff ?? DEFAULT_CRON_OFF);
  const cronBots = [...bots.values()].filter(
    (b) => b.definition.resource.cronString && !cronOff.has(b.definition.name),
  );
  const lastCheck = new Map(cronBots.map((b) => [b.definition.name, ctx.clock.now()]));
  const running = new Map<string, Promise<unknown>>();
  function runCron(name: string): Promise<unknown> {
    const bot = botByName(name);
    const current = running.get(name);
    if (current) return current;
    const run = track(execute(bot, 'cron', {})).finally(() => running.delete(name));
    running.set(name, run);
    return run;
  }
  async function checkCrons(now: Date): Promise<void> {
    const runs: Promise<unknown>[] = [];
    for (const bot of cronBots) {
      const name = bot.definition.name;
      const current = running.get(name);
      if (current) {
        // Wait for it (the clock's answer comes after due bots ran); still due at the next check.
        runs.push(current.catch(() => undefined));
        continue;
      }
      const since = lastCheck.get(name) ?? now;
      if (cronDue(bot.definition.resource.cronString ?? '', since, now)) {
        lastCheck.set(name, now);
        runs.push(runCron(name).catch(() => undefined));
      } else {
        lastCheck.set(name, now);
      }
    }
    await Promise.all(runs);
  }
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  if (options.cron !== false) {
    timer = setInterval(() => void checkCrons(ctx.clock.now()), options.cronCheckMs ?? 60_000);
    timer.unref?.();
    ctx.clock.onAdvance(async (now) => {
      if (!stopped) await checkCrons(now);
    });
  }

  const routes: Route[] = [
    {
      method: 'POST',
      path: '/webhook/:id',
      handle: async (request, params) => {
        const bot = byId.get(params.id ?? '');
        if (!bot || bot.definition.resource.publicWebhook !== true) {
          return new Response(JSON.stringify({ error: 'no bot with a public webhook has this id' }), {
            status: 404,
            headers: { 'content-type': 'application/json' },
          });
        }
        let read;
        try {
          read = await webhookInput(request);
        } catch (err) {
          return unreadableBody(err);
        }
        try {
          return webhookResponse(await track(execute(bot, 'webhook', read.input, read)));
        } catch (err) {
          return webhookErrorResponse(err);
        }
      },
    },
  ];

  const startReconcile =
    options.reconcileOnStart === false
      ? Promise.resolve(undefined)
      : track(
          reconcileOnStart(client(`Bot/${botByName('careloop-watchdog').id}`), options.organization, log),
        ).catch((err: unknown) => {
          log(`start-up reconcile failed: ${redactNumbers((err as Error).message).slice(0, 300)}`);
          return undefined;
        });

  async function idle(): Promise<void> {
    while (inFlight.size > 0) {
      await Promise.allSettled([...inFlight]);
    }
  }

  return {
    routes,
    runCron,
    webhookUrl,
    botId: (name) => botByName(name).id,
    idle,
    startReconcile,
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      await idle();
      uninstallClock();
    },
  };
}

function ref(resource: Resource): string {
  return `${resource.resourceType}/${resource.id ?? '?'}`;
}
