// Builds the browser ESM bundle of @hypersend/client: esbuild, platform `browser`, so the package's
// `browser` conditions pick index.browser.ts and the package.json "browser" map swaps the
// Node-only leaves. No Node module polyfills: an import of a Node builtin fails the build, and
// bundle-browser.test.ts checks the output references none. Run: `npx tsx scripts/bundle-browser.ts [outDir]`.
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Default output folder (gitignored): `<repo>/.cache/browser`. */
export const DEFAULT_BROWSER_BUNDLE_DIR = resolve(PACKAGE_DIR, '..', '.cache', 'browser');

/** What {@link bundleBrowserSdk} wrote. */
export interface BrowserBundle {
  /** Absolute path of the ESM file (`hypersend-client.js`). */
  file: string;
  /** Its size in bytes. */
  bytes: number;
  /** Every input file that went in, relative to the repository root. */
  inputs: string[];
}

/**
 * The esbuild options a browser bundle that includes `@hypersend/client` needs (apps bundling the
 * SDK into their own code, e.g. the web app, may spread these): the `browser` platform and
 * condition, which select index.browser.ts and apply the package.json "browser" map (Node-only
 * modules swapped, simple-peer's self-contained browser build). Nothing else: no defines, no
 * injected globals.
 *
 * @example
 * await build({ entryPoints: ['app/main.ts'], bundle: true, format: 'esm', ...browserSdkBuildOptions() });
 */
export function browserSdkBuildOptions(): Pick<BuildOptions, 'platform' | 'conditions' | 'target'> {
  return { platform: 'browser', conditions: ['browser'], target: ['chrome110', 'firefox115', 'safari16'] };
}

/**
 * Bundle `@hypersend/client` for browsers into `outDir/hypersend-client.js` (ESM, with an external
 * source map). Imports of Node builtins fail the build instead of being polyfilled.
 *
 * @example
 * const { file } = await bundleBrowserSdk('.cache/browser');
 * // <script type="module">import { createClient } from './hypersend-client.js'</script>
 */
export async function bundleBrowserSdk(
  outDir: string = DEFAULT_BROWSER_BUNDLE_DIR,
  options: { minify?: boolean } = {},
): Promise<BrowserBundle> {
  await mkdir(outDir, { recursive: true });
  const file = join(resolve(outDir), 'hypersend-client.js');
  const result = await build({
    entryPoints: [join(PACKAGE_DIR, 'src', 'index.browser.ts')],
    outfile: file,
    bundle: true,
    format: 'esm',
    ...browserSdkBuildOptions(),
    sourcemap: 'external',
    minify: options.minify ?? false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: resolve(PACKAGE_DIR, '..'),
  });
  const out =
    result.metafile.outputs[Object.keys(result.metafile.outputs).find((k) => k.endsWith('.js')) ?? ''];
  return { file, bytes: out?.bytes ?? 0, inputs: Object.keys(result.metafile.inputs) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const b = await bundleBrowserSdk(process.argv[2]);
  process.stdout.write(`${b.file} ${(b.bytes / 1024).toFixed(0)} KiB from ${b.inputs.length} files\n`);
}
