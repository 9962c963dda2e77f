import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNativesFixture } from './natives-fixture.ts';

const FIXTURE = fileURLToPath(new URL('./connection-shape.fixture.ts', import.meta.url));

/**
 * Every connection must keep one hidden class once the hot path has written its fields: built
 * by spreading the upgrade data they drifted into many, and every `conn.<field>` load on the
 * signal path went megamorphic (~6 % of the server's CPU). V8's `%HaveSameMap` needs
 * `--allow-natives-syntax`, hence a child process.
 */
describe('createConnection', () => {
  it('gives every connection the same hidden class after the hot path wrote its fields', async () => {
    const result = (await runNativesFixture(FIXTURE)) as { count: number; sameMap: number };
    expect(result.count).toBeGreaterThan(10);
    expect(result.sameMap).toBe(result.count);
  }, 90_000);
});
