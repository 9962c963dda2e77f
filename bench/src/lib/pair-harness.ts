import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildConfig, FromChild } from './pair-protocol.ts';

/** Directory the children are started from, so `--import tsx` resolves from the repo root. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Outcome of one sender → receiver blast. */
export interface PairResult {
  bytes: number;
  /** Sender's first send to the receiver's last byte. */
  seconds: number;
  /** 10^6 bytes per second. */
  mbps: number;
  /** Sender's first send to the receiver's first byte. */
  firstByteMs: number;
  /** Largest `bufferedAmount` the sender observed right after a send. */
  maxBuffered: number;
  /** Connection set-up (fork to both channels open), for information. */
  setupMs: number;
}

export type PairSettings = Omit<ChildConfig, 'role'> & { timeoutMs: number };

/**
 * Run one transfer between two freshly forked child processes running `childFile`, relaying
 * their signals over IPC. Both children are killed before this resolves or rejects.
 */
export async function runPair(childFile: string, settings: PairSettings): Promise<PairResult> {
  const { timeoutMs, ...rest } = settings;
  const spawn = (role: ChildConfig['role']): ChildProcess =>
    fork(childFile, [JSON.stringify({ ...rest, role } satisfies ChildConfig)], {
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  const t0 = performance.now();
  const sender = spawn('sender');
  const receiver = spawn('receiver');
  const children = [sender, receiver];
  try {
    return await new Promise<PairResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pair run exceeded ${timeoutMs} ms`)), timeoutMs);
      let connected = 0;
      let setupMs = 0;
      let firstSendAt = 0;
      let maxBuffered = 0;
      const finish = (err: Error | null, result?: PairResult): void => {
        clearTimeout(timer);
        if (err) reject(err);
        else if (result) resolve(result);
      };
      const wire = (from: ChildProcess, to: ChildProcess, name: string): void => {
        from.on('exit', (code, signal) => finish(new Error(`${name} exited early (${code ?? signal})`)));
        from.on('message', (msg: FromChild) => {
          switch (msg.t) {
            case 'signal':
              if (to.connected) to.send({ t: 'signal', data: msg.data });
              break;
            case 'connected':
              connected += 1;
              if (connected === 2) {
                setupMs = performance.now() - t0;
                sender.send({ t: 'start' });
              }
              break;
            case 'first-send':
              firstSendAt = msg.at;
              break;
            case 'sent':
              maxBuffered = msg.maxBuffered;
              break;
            case 'done': {
              const seconds = (msg.lastAt - firstSendAt) / 1000;
              finish(null, {
                bytes: msg.bytes,
                seconds,
                mbps: msg.bytes / 1e6 / seconds,
                firstByteMs: msg.firstAt - firstSendAt,
                maxBuffered,
                setupMs,
              });
              break;
            }
            case 'error':
              finish(new Error(`${name}: ${msg.message}`));
              break;
          }
        });
      };
      wire(sender, receiver, 'sender');
      wire(receiver, sender, 'receiver');
    });
  } finally {
    for (const child of children) {
      child.removeAllListeners('exit');
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
}
