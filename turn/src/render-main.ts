/**
 * `node --import tsx turn/src/render-main.ts <output file>`: render the production coturn
 * configuration from environment variables (`TURN_ENV` in config-from-env.ts) and write it with
 * mode 0600. The docker-compose `coturn-config` service runs this before coturn starts, so a weak,
 * placeholder or missing secret stops the stack instead of reaching coturn.
 * Exit codes: 0 written, 64 (EX_USAGE) no output path, 78 (EX_CONFIG) configuration refused.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { coturnOptionsFromEnv } from './config-from-env.ts';
import { TurnConfigError } from './errors.ts';
import { renderCoturnConfig } from './render-config.ts';

const EX_USAGE = 64;
const EX_CONFIG = 78;

const out = process.argv[2];
if (!out) {
  console.error('usage: render-main.ts <output file>');
  process.exit(EX_USAGE);
}

let conf: string;
try {
  conf = renderCoturnConfig(coturnOptionsFromEnv(process.env));
} catch (err) {
  if (err instanceof TurnConfigError) {
    // The message names the option, never a secret's value.
    console.error(`hypersend-turn-config: configuration refused (${err.code}): ${err.message}`);
    process.exit(EX_CONFIG);
  }
  throw err;
}

// Write beside the target and rename, so coturn never reads a half-written file.
const tmp = `${out}.${process.pid}.tmp`;
writeFileSync(tmp, conf, { mode: 0o600 });
renameSync(tmp, out);
process.stdout.write(`hypersend-turn-config: wrote ${out}\n`);
