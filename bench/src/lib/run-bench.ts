import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const running = new Set<ChildProcess>();

/**
 * Run a benchmark script as the suite's smoke tests do (`node --import tsx <script> ...args` from
 * the repository root), collecting stdout and stderr, killed after `timeoutMs`.
 *
 * @example
 * const { code, out } = await runBench('bench/src/relay-throughput.ts', ['--tiny']);
 */
export async function runBench(
  script: string,
  args: string[],
  timeoutMs = 100_000,
): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT });
  running.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (c) => {
      clearTimeout(timer);
      running.delete(child);
      resolve(c);
    });
  });
  return { code, out };
}

/** Kill any benchmark still running (for `afterAll`). */
export function killBenches(): void {
  for (const c of running) c.kill('SIGKILL');
}
