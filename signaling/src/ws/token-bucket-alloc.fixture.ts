/**
 * Run by `limits.test.ts` under `node --allow-natives-syntax --expose-gc`: times 100,000 refills
 * of one token bucket in optimised code and prints how many bytes of young-generation memory
 * they allocated. Not a test file itself: natives syntax needs its own process.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { TokenBucket } from './token-bucket.ts';

const optimizeOnNextCall = new Function(
  'f',
  '%PrepareFunctionForOptimization(f); %OptimizeFunctionOnNextCall(f)',
) as (f: unknown) => void;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const bucket = new TokenBucket(50, 200, 0);
/** Refills at every call (1 ms apart), so the bucket's fields get fractional values. */
function spin(calls: number, t0: number): number {
  let taken = 0;
  for (let i = 1; i <= calls; i++) if (bucket.take(t0 + i)) taken += 1;
  return taken;
}
spin(1_000, 0);
optimizeOnNextCall(spin);
spin(1_000, 1_000);

const youngBytes = (): number =>
  getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_used_size ?? Number.NaN;
gc();
const before = youngBytes();
const taken = spin(100_000, 10_000);
const after = youngBytes();
process.stdout.write(`${JSON.stringify({ calls: 100_000, taken, allocatedBytes: after - before })}\n`);
