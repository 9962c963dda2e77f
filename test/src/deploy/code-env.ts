// What each service's code actually reads from the environment: its declared ENV list plus every
// `process.env.NAME` / `env.NAME` / `env['NAME']` in its non-test sources (a variable read outside
// the config module, like uWS's UWS_USE_FALLBACK check, counts too).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ENV as RELAY_ENV } from '../../../relay/src/config.ts';
import { ENV as SIGNALING_ENV } from '../../../signaling/src/config.ts';
import { TURN_ENV } from '../../../turn/src/config-from-env.ts';
import { WEB_ENV } from '../../../web/src/server/config.ts';
import { ROOT } from './compose-model.ts';

const READ = /\b(?:process\.env|env)(?:\.([A-Z][A-Z0-9_]+)|\[\s*['"]([A-Z][A-Z0-9_]+)['"]\s*\])/g;

function sourceFiles(dir: string): string[] {
  if (!statSync(dir).isDirectory()) return [dir];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.includes('test-support'))
      out.push(path);
  }
  return out;
}

/** Variable names read anywhere in the non-test TypeScript files or directories `dirs` (repository-relative). */
export function envNamesReadIn(dirs: string[]): Set<string> {
  const names = new Set<string>();
  for (const dir of dirs)
    for (const file of sourceFiles(join(ROOT, dir)))
      for (const m of readFileSync(file, 'utf8').matchAll(READ)) names.add(m[1] ?? m[2] ?? '');
  names.delete('');
  return names;
}

/** A compose service's process and the environment its code understands. */
export interface ServiceContract {
  /** Variables the code declares (its ENV list) or reads directly. */
  known: Set<string>;
  /** Entry file of the process, repository-relative. */
  entry: string;
}

/** Per compose service (node services only; mongo and coturn are third-party images). */
export function serviceContracts(): Record<'signaling' | 'relay' | 'web' | 'coturn-config', ServiceContract> {
  const withDeclared = (declared: object, dirs: string[]) =>
    new Set([...Object.keys(declared), ...envNamesReadIn(dirs)]);
  return {
    signaling: {
      known: withDeclared(SIGNALING_ENV, ['signaling/src']),
      entry: 'signaling/src/main.ts',
    },
    relay: { known: withDeclared(RELAY_ENV, ['relay/src']), entry: 'relay/src/main.ts' },
    web: { known: withDeclared(WEB_ENV, ['web/src/server']), entry: 'web/src/server/main.ts' },
    'coturn-config': {
      // Only the renderer's files: the rest of turn/ is the test launcher and the TURN client.
      known: withDeclared(TURN_ENV, ['turn/src/config-from-env.ts', 'turn/src/render-main.ts']),
      entry: 'turn/src/render-main.ts',
    },
  };
}
