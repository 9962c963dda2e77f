import { execFile } from 'node:child_process';

/**
 * Run a fixture that needs V8's natives syntax (`%HaveSameMap`, `%OptimizeFunctionOnNextCall`)
 * in its own Node process, and parse the JSON object it prints last. Test helper.
 *
 * @example
 * const r = await runNativesFixture(fileURLToPath(new URL('./x.fixture.ts', import.meta.url)));
 */
export function runNativesFixture(fixture: string, nodeFlags: readonly string[] = []): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--allow-natives-syntax', ...nodeFlags, '--import', 'tsx', fixture],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}'));
      },
    );
  });
}
