/**
 * Builds the workflow library's transaction Bundle (conditional updates by canonical url) from
 * fhir-resources/ and writes it to a file or stdout:
 *
 *   npx tsx scripts/build-fhir-bundle.ts dist/fhir-library.json
 *   npx medplum post '' "$(cat dist/fhir-library.json)"     # load it into a Medplum project
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { libraryTransactionBundle, loadLibraryResources } from '../src/fhir/library';

const out = process.argv[2];
const bundle = libraryTransactionBundle(loadLibraryResources());
const json = `${JSON.stringify(bundle, null, 2)}\n`;

if (out) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, json);
  console.log(`Wrote ${bundle.entry?.length ?? 0} resources to ${out}`);
} else {
  process.stdout.write(json);
}
