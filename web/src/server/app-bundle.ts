// The app is bundled in memory when the server starts: no build step to forget, no generated files
// in the tree, and what is served always matches the sources next to the server.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { browserSdkBuildOptions } from '@hypersend/client/bundle-browser';
import { build } from 'esbuild';

/** The files the server serves, fixed at start-up. */
export interface AppAssets {
  html: Buffer;
  js: Buffer;
  css: Buffer;
  favicon: Buffer;
}

/** Where the app's sources live (web/src/app). */
export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'app');
const REPO_DIR = join(APP_DIR, '..', '..', '..');

/**
 * Bundle `web/src/app` for browsers: one minified ESM file with the SDK's browser entry
 * (`browser` export condition, no Node polyfills), one CSS file, and index.html as is.
 *
 * @example
 * const assets = await buildAppAssets(); // ~1 s; assets.js is what /app.js serves
 * @throws Error with esbuild's messages when the app does not compile.
 */
export async function buildAppAssets(appDir: string = APP_DIR): Promise<AppAssets> {
  const result = await build({
    entryPoints: [join(appDir, 'main.ts'), join(appDir, 'styles.css')],
    bundle: true,
    format: 'esm',
    ...browserSdkBuildOptions(),
    minify: true,
    legalComments: 'none',
    sourcemap: false,
    write: false,
    outdir: '/hypersend-web-bundle',
    entryNames: '[name]',
    logLevel: 'silent',
    absWorkingDir: REPO_DIR,
  });
  const output = (name: string): Buffer => {
    const file = result.outputFiles.find((f) => basename(f.path) === name);
    if (!file) throw new Error(`esbuild produced no ${name}`);
    return Buffer.from(file.contents);
  };
  return {
    html: await readFile(join(appDir, 'index.html')),
    js: output('main.js'),
    css: output('styles.css'),
    favicon: await readFile(join(appDir, 'favicon.svg')),
  };
}
