/**
 * Starts the whole sandbox on one port: the FHIR store (replayed from the data folder, or seeded with the
 * workflow library and the synthetic practice on first start), the Medplum-compatible FHIR API, the
 * SMART EHR (authorization server, EHR FHIR base, chart pages), the Twilio stand-in with the phone and
 * outbox pages, the clock, the bot runtime, and the app under `/app/`.
 */

import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { FhirRouter } from '@medplum/fhir-router';
import type { Bundle } from '@medplum/fhirtypes';
import { libraryTransactionBundle, loadLibraryResources } from '../fhir/library';
import { startBotRuntime, type BotRuntime } from './bots';
import { clockRoutes, createSandboxClock, type ControllableClock } from './clock';
import type { Route, SandboxContext } from './context';
import { EHR_TYPES } from './smart/scopes';
import { ehrPageRoutes } from './ehr/pages';
import { launchRoutes } from './ehr/launchRoutes';
import { fhirBaseRoutes } from './fhir/api';
import { capabilityStatement } from './fhir/capability';
import { indexSandboxDefinitions } from './fhir/definitions';
import { Journal } from './fhir/journal';
import { SandboxStore } from './fhir/store';
import { generateHistory } from './history';
import { DEFAULT_PRACTICE_SEED, generatePractice, LAKESIDE, MAIN_PRACTICE } from './practice';
import { distRoutes, launchContextRoutes, startVite, type ViteMount } from './server/app';
import { authMeRoutes } from './server/authMe';
import { allowedOrigins } from './server/cors';
import { createSandboxHttpServer } from './server/http';
import { sandboxUrls, statusRoutes, type SandboxUrls } from './server/status';
import { authorizeRoutes } from './smart/authorize';
import { ClientRegistry, DEV_CLIENT_ID } from './smart/clients';
import { discoveryRoutes } from './smart/discovery';
import { coordinatorPolicy, ehrAuthorizer, medplumAuthorizer } from './smart/fhirAccess';
import { loadOrCreateSecrets } from './smart/keys';
import { CodeStore, LaunchStore } from './smart/launches';
import { tokenRoutes } from './smart/token';
import { SERVICE_TTL_S, TokenService } from './smart/tokens';
import { createTwilioStandIn, phoneLogFromHistory, type PhoneMessage } from './twilio';

/** The repository root (vite.config.ts, dist/app). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Default port (`PORT` overrides). */
export const DEFAULT_PORT = 8300;

/** How to start. */
export interface StartSandboxOptions {
  /** Port to listen on; 0 picks a free one. Default: `PORT` or 8300. */
  readonly port?: number;
  /**
   * Interface to listen on; default `HOST` or 127.0.0.1, so the no-login EHR and the dev client's secret
   * are not offered to the network (set 0.0.0.0 in a container).
   */
  readonly host?: string;
  /** Where data lives; default `.sandbox/data` (git-ignored). */
  readonly dataDir?: string;
  /** Seed of the synthetic practice on first start. */
  readonly seed?: number;
  /** How `/app/` is served: Vite middleware (default), the production build, or not at all. */
  readonly app?: 'vite' | 'dist' | 'none';
  /** Initial sandbox time (tests); a data folder's saved clock wins. */
  readonly now?: Date;
  /** Log lines (default: console.log). */
  readonly log?: (line: string) => void;
  /**
   * Seed eight weeks of Careloop history (enrolments, messages, replies, tasks, KPI reports) for the main
   * practice on first start. Default: true, unless `now` is set — tests that pin the time were written
   * against the bare practice and count their own tasks, so they get the history only by asking for it.
   */
  readonly history?: boolean;
  /** Run the bot runtime (default true). */
  readonly bots?: boolean;
  /**
   * Let the watchdog plan upcoming appointments that have no plan yet, right after start (default true).
   * Tests that enrol a patient by hand turn it off.
   */
  readonly reconcileOnStart?: boolean;
  /** Extra origins allowed by CORS (e.g. a separate Vite dev server). */
  readonly corsOrigins?: readonly string[];
}

/** A running sandbox. */
export interface RunningSandbox {
  /** `http://localhost:PORT`. */
  readonly baseUrl: string;
  readonly urls: SandboxUrls;
  /** The dev client for scripts (client credentials at `urls.tokenEndpoint`). */
  readonly devClient: { readonly clientId: string; readonly clientSecret: string };
  readonly ctx: SandboxContext;
  /** The FHIR store (tests and tools read it directly). */
  readonly store: SandboxStore;
  readonly clock: ControllableClock;
  /** The bot runtime, when running. */
  readonly bots?: BotRuntime;
  /** Milliseconds from the call to ready. */
  readonly startupMs: number;
  /** Whether this start seeded an empty data folder. */
  readonly seeded: boolean;
  stop(): Promise<void>;
}

/** Loads the library and the practice into an empty store (a transaction each, through the router). */
async function seed(
  router: FhirRouter,
  store: SandboxStore,
  bundles: readonly { name: string; bundle: Bundle }[],
  log: (line: string) => void,
): Promise<void> {
  for (const { name, bundle } of bundles) {
    const [outcome, result] = await router.handleRequest(
      { method: 'POST', url: '', pathname: '', body: bundle, params: {}, query: {}, headers: {} },
      store,
    );
    const entries = (result as Bundle | undefined)?.entry ?? [];
    const failed = entries.filter((e) => !/^2/.test(e.response?.status ?? ''));
    if (!result || failed.length > 0) {
      const first =
        failed[0]?.response?.outcome?.issue?.[0]?.details?.text ?? outcome.issue?.[0]?.details?.text;
      throw new Error(
        `seeding ${name} failed (${failed.length} of ${bundle.entry?.length ?? 0} entries): ${first ?? 'unknown error'}`,
      );
    }
    log(`sandbox: loaded ${name} (${entries.length} resources)`);
  }
}

/** Starts the sandbox; resolves when every part is ready. */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const started = performance.now();
  const log = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const dataDir = resolve(options.dataDir ?? join(REPO_ROOT, '.sandbox', 'data'));
  mkdirSync(dataDir, { recursive: true });

  const http = createSandboxHttpServer({ log });
  const envPort = Number.parseInt(process.env.PORT ?? '', 10);
  const wanted = options.port ?? (Number.isInteger(envPort) && envPort > 0 ? envPort : DEFAULT_PORT);
  const port = await http
    .listen(wanted, options.host ?? (process.env.HOST || '127.0.0.1'))
    .catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EADDRINUSE'
        ? new Error(`port ${wanted} is already in use: stop what runs there or set PORT to another port`, {
            cause: err,
          })
        : err;
    });
  const baseUrl = `http://localhost:${port}`;
  const urls = sandboxUrls(baseUrl);
  http.setAllowedOrigins(allowedOrigins(baseUrl, options.corsOrigins));

  let vite: ViteMount | undefined;
  let bots: BotRuntime | undefined;
  try {
    indexSandboxDefinitions();
    const clock = createSandboxClock({ start: options.now, offsetFile: join(dataDir, 'clock.json') });
    const secrets = loadOrCreateSecrets(dataDir);
    const journal = new Journal(dataDir, log);
    // The marker is written once seeding has finished: a journal without it is a seed cut short.
    const seededMarker = join(dataDir, 'seeded');
    if (!journal.isEmpty() && !existsSync(seededMarker)) {
      const aside = `${journal.file}.incomplete-${Date.now()}`;
      renameSync(journal.file, aside);
      log(
        `sandbox: the last start did not finish seeding; its data was moved to ${aside} and the data is seeded again`,
      );
    }
    const firstStart = journal.isEmpty();
    const store = new SandboxStore({ clock, journal, log });
    const loaded = await store.load();
    const router = new FhirRouter();
    const tokens = new TokenService(secrets, () => baseUrl);
    const ctx: SandboxContext = {
      baseUrl,
      dataDir,
      clock,
      onWrite: (listener) => store.onWrite(listener),
      issueServiceToken: (profile) =>
        tokens.access(
          {
            kind: 'service',
            scope: 'system/*.cruds',
            client_id: 'careloop-sandbox-runtime',
            profile,
            aud: urls.medplumFhir,
          },
          SERVICE_TTL_S,
        ),
    };

    // The texts of the seeded history, for the Twilio stand-in's log (first start only).
    let historyTexts: PhoneMessage[] = [];
    if (firstStart) {
      const library = loadLibraryResources();
      const practiceSeed = options.seed ?? DEFAULT_PRACTICE_SEED;
      const practice = generatePractice({ seed: practiceSeed, now: clock.now() });
      // Written straight to the store before the bot runtime starts, so no bot reacts to the history.
      const historyBundle =
        (options.history ?? options.now === undefined)
          ? generateHistory({ practice, seed: practiceSeed, now: clock.now(), library })
          : undefined;
      const history = historyBundle
        ? [{ name: 'eight weeks of Careloop history', bundle: historyBundle }]
        : [];
      if (historyBundle) {
        const patients = (practice.entry ?? []).flatMap((e) =>
          e.resource?.resourceType === 'Patient' ? [e.resource] : [],
        );
        historyTexts = phoneLogFromHistory(historyBundle, patients, LAKESIDE.phone);
      }
      await seed(
        router,
        store,
        [
          { name: 'the workflow library', bundle: libraryTransactionBundle(library) },
          { name: 'the synthetic practice', bundle: practice },
          ...history,
        ],
        log,
      );
      writeFileSync(seededMarker, `${new Date().toISOString()}\n`);
    } else {
      log(`sandbox: ${loaded} resources read from ${dataDir}`);
    }

    const clients = new ClientRegistry(() => baseUrl, secrets.devClientSecret);
    const launches = new LaunchStore();
    const codes = new CodeStore();
    const policy = coordinatorPolicy();
    const fhirBases = (): string[] => [urls.ehrFhir, urls.medplumFhir];
    const now = (): Date => clock.now();

    const medplumFhir = fhirBaseRoutes({
      basePath: '/fhir/R4',
      baseUrl: () => urls.medplumFhir,
      router,
      store,
      authorize: medplumAuthorizer(tokens, store, policy),
      log,
      capability: () =>
        capabilityStatement({
          fhirBaseUrl: urls.medplumFhir,
          name: 'Careloop sandbox Medplum-compatible FHIR',
          authorizeUrl: `${baseUrl}/oauth2/authorize`,
          tokenUrl: urls.tokenEndpoint,
          now: now(),
        }),
    });
    const ehrFhir = fhirBaseRoutes({
      basePath: '/ehr/fhir',
      baseUrl: () => urls.ehrFhir,
      router,
      store,
      authorize: ehrAuthorizer(tokens),
      log,
      capability: () =>
        capabilityStatement({
          fhirBaseUrl: urls.ehrFhir,
          name: 'Careloop sandbox EHR FHIR',
          authorizeUrl: `${baseUrl}/oauth2/authorize`,
          tokenUrl: urls.tokenEndpoint,
          resourceTypes: EHR_TYPES,
          now: now(),
        }),
    });

    const app = options.app ?? 'vite';
    const appRoutes: Route[] = app === 'dist' ? distRoutes(join(REPO_ROOT, 'dist', 'app')) : [];
    if (app === 'vite') {
      vite = await startVite(REPO_ROOT, http.server);
      http.mount('/app/', vite.middleware);
    }

    let ready = false;
    const twilio = createTwilioStandIn(ctx, {
      accountSid: secrets.twilioAccountSid,
      authToken: secrets.twilioAuthToken,
      practiceNumber: LAKESIDE.phone,
      dataFile: join(dataDir, 'twilio.json'),
      smsUrl: () => bots?.webhookUrl('careloop-inbound-message') ?? `${baseUrl}/webhook/unavailable`,
      log,
    });
    if (historyTexts.length > 0 && twilio.state().messages.length === 0) {
      // The carrier's log of the history's texts, so the phone page shows past conversations too.
      twilio.state().messages.push(...historyTexts);
      twilio.saveState();
    }

    const coreRoutes: Route[] = [
      ...statusRoutes({
        urls,
        ready: () => ready,
        devClient: { clientId: DEV_CLIENT_ID, clientSecret: secrets.devClientSecret },
      }),
      ...discoveryRoutes({ baseUrl: () => baseUrl }, secrets, ['/fhir/R4', '/ehr/fhir']),
      ...authorizeRoutes({ fhirBases, clients, launches, codes, store }),
      ...tokenRoutes({
        baseUrl: () => baseUrl,
        ehrFhirUrl: () => urls.ehrFhir,
        medplumFhirUrl: () => urls.medplumFhir,
        clients,
        codes,
        tokens,
      }),
      ...authMeRoutes({ tokens, store, policy }),
      ...launchRoutes({ store, launches }),
      ...ehrPageRoutes({ store, launches, clock }),
      ...launchContextRoutes(),
      ...clockRoutes(clock),
      ...twilio.routes,
      ...ehrFhir,
      ...medplumFhir,
      ...appRoutes,
    ];
    http.setRoutes(coreRoutes);

    if (options.bots !== false) {
      bots = await startBotRuntime(ctx, {
        organization: `Organization/${MAIN_PRACTICE.organization}`,
        twilio: {
          accountSid: secrets.twilioAccountSid,
          authToken: secrets.twilioAuthToken,
          from: LAKESIDE.phone,
        },
        ...(options.reconcileOnStart === false ? { reconcileOnStart: false } : {}),
        log,
      });
      http.setRoutes([...bots.routes, ...coreRoutes]);
    }
    ready = true;
    const startupMs = performance.now() - started;

    let stopping: Promise<void> | undefined;
    return {
      baseUrl,
      urls,
      devClient: { clientId: DEV_CLIENT_ID, clientSecret: secrets.devClientSecret },
      ctx,
      store,
      clock,
      bots,
      startupMs,
      seeded: firstStart,
      stop: () => {
        stopping ??= (async () => {
          await bots?.stop();
          // Status callbacks still waiting for their record would otherwise poll a closed server.
          await twilio.stop();
          await vite?.close();
          await http.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await bots?.stop().catch(() => undefined);
    await vite?.close().catch(() => undefined);
    await http.close();
    throw err;
  }
}
