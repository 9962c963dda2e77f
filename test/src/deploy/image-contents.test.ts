// Each image must contain every repository file its processes load: the static import graph from
// the entry files (relative imports and @hypersend/* workspace exports, type-only imports skipped)
// must stay inside what the Dockerfile's runtime stage COPYs, and .dockerignore must let it through.
// The other deploy tests run from the repository root, where every file exists, so a new import of
// a file outside the copied directories would otherwise only fail in a real image.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfileInstructions, ROOT, readRepoFile } from './compose-model.ts';

type Conditions = readonly string[];
const NODE: Conditions = ['node', 'import', 'default'];
const BROWSER: Conditions = ['browser', 'import', 'default'];

interface Workspace {
  dir: string;
  exports: Record<string, string | Record<string, string>>;
}

const workspaces = new Map<string, Workspace>();
for (const dir of (JSON.parse(readRepoFile('package.json')) as { workspaces: string[] }).workspaces) {
  const pkg = JSON.parse(readRepoFile(`${dir}/package.json`)) as {
    name: string;
    exports?: Workspace['exports'];
  };
  workspaces.set(pkg.name, { dir, exports: pkg.exports ?? {} });
}

// `import x from '...'`, `export ... from '...'`, `import '...'`, `import('...')`; not `import type`.
const SPECIFIERS =
  /(?:^|\n)\s*(?:import|export)\s+(?!type\s)(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function resolveSpecifier(spec: string, fromFile: string, conditions: Conditions): string | undefined {
  if (spec.startsWith('.')) return resolve(dirname(fromFile), spec);
  const m = /^(@hypersend\/[^/]+)(\/.*)?$/.exec(spec);
  if (!m) return undefined; // node: builtins and npm packages come from node_modules
  const ws = workspaces.get(m[1] ?? '');
  if (!ws) throw new Error(`unknown workspace package ${spec} in ${relative(ROOT, fromFile)}`);
  const target = ws.exports[`.${m[2] ?? ''}`];
  const chosen = typeof target === 'string' ? target : conditions.map((c) => target?.[c]).find(Boolean);
  if (!chosen) throw new Error(`${spec} has no export for ${conditions.join('/')}`);
  return join(ROOT, ws.dir, chosen);
}

/** Repository-relative files reachable from `entries` (themselves included). */
function importGraph(entries: string[], conditions: Conditions): Set<string> {
  const seen = new Set<string>();
  const queue = entries.map((e) => join(ROOT, e));
  while (queue.length > 0) {
    const file = queue.pop() ?? '';
    const rel = relative(ROOT, file);
    if (seen.has(rel)) continue;
    seen.add(rel);
    if (!/\.(ts|js|mjs)$/.test(file)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIERS)) {
      const target = resolveSpecifier(m[1] ?? m[2] ?? '', file, conditions);
      if (target && existsSync(target)) queue.push(target);
      else if (target) throw new Error(`${rel} imports ${m[1] ?? m[2]}, which does not exist`);
    }
  }
  return seen;
}

/** Source paths the runtime stage copies from the build context. */
function runtimeCopies(dockerfile: string): string[] {
  const steps = dockerfileInstructions(readRepoFile(dockerfile));
  const lastFrom = steps.map((s) => s.keyword).lastIndexOf('FROM');
  return steps
    .slice(lastFrom)
    .filter((s) => s.keyword === 'COPY' && !s.args.startsWith('--from'))
    .flatMap((s) => s.args.split(/\s+/).slice(0, -1));
}

const covered = (file: string, copies: string[]) =>
  copies.some((c) => file === c || file.startsWith(`${c}/`));
const dockerignoreAllows = (file: string) =>
  readRepoFile('.dockerignore')
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .some((l) => file === l.slice(1) || file.startsWith(`${l.slice(1)}/`)) && !file.endsWith('.test.ts');

const IMAGES: { dockerfile: string; graphs: { entries: string[]; conditions: Conditions }[] }[] = [
  {
    dockerfile: 'signaling/Dockerfile',
    graphs: [{ entries: ['signaling/src/main.ts', 'turn/src/render-main.ts'], conditions: NODE }],
  },
  { dockerfile: 'relay/Dockerfile', graphs: [{ entries: ['relay/src/main.ts'], conditions: NODE }] },
  {
    dockerfile: 'web/Dockerfile',
    graphs: [
      { entries: ['web/src/server/main.ts'], conditions: NODE },
      // Bundled by the server at start-up for browsers, so it resolves the browser exports.
      { entries: ['web/src/app/main.ts'], conditions: BROWSER },
    ],
  },
];

describe('image contents', () => {
  it.each(IMAGES)('$dockerfile copies every file its processes import', ({ dockerfile, graphs }) => {
    const copies = runtimeCopies(dockerfile);
    const files = graphs.flatMap((g) => [...importGraph(g.entries, g.conditions)]);
    expect(files.length).toBeGreaterThan(5);
    expect(files.filter((f) => !covered(f, copies))).toEqual([]);
    expect(files.filter((f) => !dockerignoreAllows(f))).toEqual([]);
  });

  it('the walker follows workspace exports and would notice a file outside the copies', () => {
    const web = importGraph(['web/src/server/main.ts'], NODE);
    expect(web.has('client-sdk/scripts/bundle-browser.ts')).toBe(true);
    expect(covered('client-sdk/bin/hypersend.js', runtimeCopies('web/Dockerfile'))).toBe(false);
    const signaling = importGraph(['signaling/src/main.ts'], NODE);
    expect([...signaling].some((f) => f.startsWith('protocol/src/'))).toBe(true);
  });
});
