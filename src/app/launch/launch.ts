/**
 * The launch page: the only work is SMART's authorize step. An EHR opens `launch.html?iss=…&launch=…`
 * (EHR launch); a coordinator opens `launch.html?iss=…` (standalone launch). The scopes and client id come
 * from launch-context.json for that issuer. Plain DOM, no React, so the page stays small.
 */
import FHIR from 'fhirclient';
import { issuerConfig, loadLaunchContext, type LaunchContext } from './launchContext';

const status = document.getElementById('launch-status') ?? document.body;

function show(title: string, detail: string, links: readonly { href: string; text: string }[] = []): void {
  status.textContent = '';
  const h = document.createElement('h1');
  h.textContent = title;
  const p = document.createElement('p');
  p.textContent = detail;
  status.append(h, p);
  for (const l of links) {
    const a = document.createElement('a');
    a.href = l.href;
    a.textContent = l.text;
    a.style.display = 'block';
    status.append(a);
  }
}

function inFrame(): boolean {
  try {
    return window.self !== window.top;
  } catch {
    // A cross-origin parent throws on access: we are framed.
    return true;
  }
}

function chooser(context: LaunchContext): void {
  show(
    'Careloop was opened without a launch',
    'Open Careloop from a patient chart in your EHR, or sign in directly to one of these EHRs:',
    context.issuers.map((x) => ({
      href: `launch.html?iss=${encodeURIComponent(x.iss)}`,
      text: `Sign in with ${x.iss}`,
    })),
  );
}

async function main(): Promise<void> {
  const params = new URLSearchParams(window.location.search);
  let context: LaunchContext;
  try {
    context = await loadLaunchContext();
  } catch (err) {
    show(
      'Careloop is not configured',
      `${(err as Error).message}. Ask your administrator to fix launch-context.json.`,
    );
    return;
  }
  const iss = params.get('iss');
  if (!iss) {
    chooser(context);
    return;
  }
  let config;
  try {
    config = issuerConfig(context, iss);
  } catch (err) {
    show('This EHR is not registered', (err as Error).message);
    return;
  }
  const launch = params.get('launch');
  const framed = inFrame();
  await FHIR.oauth2.authorize({
    iss: config.iss,
    clientId: config.clientId,
    scope: launch ? config.scope : config.standaloneScope,
    ...(launch ? { launch } : {}),
    redirectUri: './',
    pkceMode: 'required',
    // SMART 2 asks for at least 122 bits of entropy in `state`; a v4 UUID has 122.
    stateKey: crypto.randomUUID(),
    target: '_self',
    completeInTarget: framed,
  });
}

main().catch((err: unknown) => {
  show(
    'Could not reach your EHR',
    `${(err as Error).message}. Check your connection and open Careloop again from the chart.`,
  );
});
