// The browser bundle of @hypersend/client: built without Node polyfills, it must not import a Node
// builtin nor pull in any Node-only module of the SDK (the package.json "browser" map swaps them).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleBrowserSdk } from '../../../client-sdk/scripts/bundle-browser.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** SDK files that touch Node APIs; none may reach a browser. */
const NODE_ONLY = [
  'client-sdk/src/index.ts',
  'client-sdk/src/crypto/backend-node.ts',
  'client-sdk/src/crypto/aead-node.ts',
  'client-sdk/src/webrtc/wrtc-node.ts',
  'client-sdk/src/files/file-source.ts',
  'client-sdk/src/files/enumerate-files.ts',
  'client-sdk/src/files/transfer-sink.ts',
  'client-sdk/src/transfer/stream-sink.ts',
  'client-sdk/src/transfer/sender-state.ts',
  'client-sdk/src/transfers/resume-index.ts',
  'client-sdk/src/transfers/relay-state.ts',
  'client-sdk/src/files/durable-fs.ts',
  'client-sdk/src/identity/private-json-file.ts',
];

describe('browser bundle', () => {
  it('references no Node builtin and no Node-only SDK module', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hs-bundle-'));
    dirs.push(dir);
    const bundle = await bundleBrowserSdk(dir);
    const js = await readFile(bundle.file, 'utf8');
    expect(bundle.bytes).toBeGreaterThan(100_000);

    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const badInputs = bundle.inputs.filter(
      (i) => i.startsWith('node:') || builtins.has(i) || NODE_ONLY.includes(i) || /@roamhq|\/ws\//u.test(i),
    );
    expect(badInputs).toEqual([]);
    // The browser replacements did go in.
    expect(bundle.inputs).toContain('client-sdk/src/browser/blob-chunk-source.ts');
    expect(bundle.inputs).toContain('client-sdk/src/browser/transfer-sink.ts');
    expect(bundle.inputs).toContain('client-sdk/src/crypto/backend-sodium.ts');

    // Nothing left for a runtime to resolve: no `node:` specifier, no require()/import() of a builtin.
    expect(js).not.toMatch(/["']node:[a-z_/]+["']/u);
    const required = [...js.matchAll(/\b(?:require|import)\s*\(\s*["']([^"'./][^"']*)["']\s*\)/gu)].map(
      (m) => m[1],
    );
    expect(required.filter((m) => m !== undefined && builtins.has(m))).toEqual([]);
    expect(js).not.toMatch(/^\s*import\s[^;]*from\s*["'][^"'./]/mu); // no bare ESM imports left
  }, 60_000);
});
