import { describe, expect, it } from 'vitest';
import { IceWatchdog } from './ice-watchdog.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('IceWatchdog', () => {
  it('fires once disconnected outlasts the grace period', async () => {
    const lost: string[] = [];
    const dog = new IceWatchdog(30, (s) => lost.push(s));
    dog.update('disconnected');
    dog.update('checking');
    await sleep(60);
    expect(lost).toEqual(['disconnected']);
  });

  it('does not fire when the connection recovers in time', async () => {
    const lost: string[] = [];
    const dog = new IceWatchdog(40, (s) => lost.push(s));
    dog.update('disconnected');
    await sleep(10);
    dog.update('connected');
    await sleep(60);
    expect(lost).toEqual([]);
  });
});
