// Shared by send and receive: progress, the end of a transfer, and Ctrl-C.
import { HypersendError } from '../../errors.ts';
import type { Transfer } from '../../transfers/transfer-handle.ts';
import type { CliContext } from '../cli-context.ts';
import { ExitCode, exitCodeFor } from '../exit-codes.ts';
import { formatBytes, ProgressView } from '../progress.ts';
import { onInterrupt } from '../signals.ts';

/**
 * Show `t`'s progress until it ends; resolve with the exit code. Ctrl-C interrupts it (the peer
 * is told, partial data kept for a resume) and exits 130.
 *
 * @example
 * return await followTransfer(cli, client.send(to, paths));
 */
export async function followTransfer(cli: CliContext, t: Transfer, peer: string): Promise<number> {
  const view = new ProgressView({
    json: cli.g.json,
    tty: process.stderr.isTTY === true,
    transferId: () => t.transferId,
  });
  t.on('offered', (e) =>
    cli.say(`offered to ${peer} (${e.device}); waiting for an answer…`, { event: 'offered', ...e }),
  );
  t.on('accepted', (e) => cli.say(`${peer} accepted`, { event: 'accepted', ...e }));
  t.on('connected', (e) =>
    cli.say(
      `connected (${e.path ?? 'path unknown'}, ${t.chunkSize === undefined ? '?' : t.chunkSize / 1024} KiB chunks)`,
      {
        event: 'connected',
        path: e.path ?? null,
        // Negotiated from both ends' data-channel limits (FORMAT.md §6): tests and users can see it.
        chunkSize: t.chunkSize ?? null,
      },
    ),
  );
  t.on('reconnecting', (e) =>
    cli.say(
      `${e.cause === 'peer_closed' ? 'the other side closed the connection' : 'connection lost'}; waiting for it to resume…`,
      { event: 'reconnecting', ...e },
    ),
  );
  t.on('progress', (p) => view.update(p));
  const off = onInterrupt(async () => {
    view.end();
    await t.interrupt();
  });
  try {
    const r = await t.result;
    view.end();
    cli.say(`done: ${formatBytes(r.bytes)} in ${r.chunkCount} chunks`, {
      event: 'done',
      transferId: r.transferId,
      bytes: r.bytes,
      chunks: r.chunkCount,
      chunkSize: t.chunkSize ?? null,
      // Sender side: chunks this process sent, and how many of them were sent twice (resumes).
      sentChunks: r.sentChunks,
      resentChunks: r.resentChunks,
    });
    return ExitCode.ok;
  } catch (err) {
    view.end();
    return reportError(cli, err);
  } finally {
    off();
  }
}

/** Print an error (text on stderr, and a JSON `error` event with --json); return its exit code. */
export function reportError(cli: CliContext, err: unknown): number {
  const code = exitCodeFor(err);
  if (HypersendError.is(err)) {
    const side = err.details?.side;
    cli.warn(`hypersend: ${err.message} [${err.code}]`, {
      event: 'error',
      code: err.code,
      message: err.message,
      ...(side === undefined ? {} : { by: side }),
      exitCode: code,
    });
  } else {
    cli.warn(`hypersend: ${err instanceof Error ? err.message : String(err)}`, {
      event: 'error',
      code: 'failure',
      message: String(err),
      exitCode: code,
    });
  }
  return code;
}
