// receive [--dir D] [--yes | --decline] [--overwrite] [--timeout S]: one offer, one transfer.
import { resolve } from 'node:path';
import type { HypersendError } from '../../errors.ts';
import type { IncomingTransfer } from '../../transfers/incoming.ts';
import type { CliContext } from '../cli-context.ts';
import { ExitCode, UsageError } from '../exit-codes.ts';
import { type Parsed, secondsOption, turnOnlyOption } from '../parse.ts';
import { formatBytes } from '../progress.ts';
import { onInterrupt } from '../signals.ts';
import { followTransfer, reportError } from './transfer-output.ts';

/** `hypersend receive …`: wait for one offer, answer it, follow the transfer. */
export async function receive(cli: CliContext, a: Parsed): Promise<number> {
  if (a.args.length > 0) throw new UsageError('receive takes no positional arguments', 'receive');
  if (a.values.yes === true && a.values.decline === true)
    throw new UsageError('--yes and --decline exclude each other', 'receive');
  const dir = resolve(typeof a.values.dir === 'string' ? a.values.dir : '.');
  const waitMs = secondsOption(a.values.timeout, 'timeout', 0);
  const client = await cli.loggedInClient();
  client.on('error', ({ error }) =>
    cli.warn(`hypersend: ${error.message} [${error.code}]`, {
      event: 'warning',
      code: error.code,
      message: error.message,
    }),
  );
  const first = new Promise<IncomingTransfer>((res) => {
    let taken = false;
    client.on('offer', (offer) => {
      // One transfer per run; anything else is turned away so its sender does not wait.
      // A relay delivery is not turned away: declining it would delete it. It waits for the next run.
      if (taken)
        return void (offer.via === 'relay' ? undefined : offer.decline('busy').catch(() => undefined));
      taken = true;
      res(offer);
    });
  });
  await client.connect();
  cli.say(`waiting for an offer (receiving into ${dir})…`, { event: 'ready', dir });
  const off = onInterrupt(async () => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((res) => {
    if (waitMs > 0) timer = setTimeout(() => res(undefined), waitMs);
  });
  const offer = await Promise.race([first, timeout]);
  clearTimeout(timer);
  off();
  if (offer === undefined) {
    cli.warn('hypersend: no offer arrived in time', {
      event: 'error',
      code: 'timeout',
      message: 'no offer arrived in time',
      exitCode: ExitCode.failure,
    });
    return ExitCode.failure;
  }
  const total = offer.totalSize === undefined ? 'unknown size' : formatBytes(offer.totalSize);
  const names = offer.files
    .map((f) => `  ${f.path}  ${f.size === undefined ? '?' : formatBytes(f.size)}`)
    .join('\n');
  cli.say(
    `${offer.sender.username} (device ${offer.sender.deviceName}, ${offer.sender.deviceId}) offers ${offer.files.length} file(s), ${total}${offer.via === 'relay' ? ' (via relay)' : ''}:\n${names}`,
    {
      event: 'offer',
      transferId: offer.transferId,
      from: offer.sender.username,
      device: offer.sender.deviceId,
      deviceName: offer.sender.deviceName,
      files: offer.files.map((f) => ({ path: f.path, size: f.size ?? null })),
      total: offer.totalSize ?? null,
      via: offer.via,
      chunkSize: offer.chunkSize,
    },
  );
  let withdrawn: HypersendError | undefined;
  offer.on('cancelled', (e) => {
    withdrawn = e;
  });
  const accept = a.values.yes === true ? true : a.values.decline === true ? false : await ask(cli);
  if (withdrawn) return reportError(cli, withdrawn);
  if (!accept) {
    await offer.decline();
    cli.say('declined', { event: 'declined', transferId: offer.transferId });
    return ExitCode.declined;
  }
  const t = offer.accept({ dir, overwrite: a.values.overwrite === true, turnOnly: turnOnlyOption(a) });
  return followTransfer(cli, t, offer.sender.username);
}

async function ask(cli: CliContext): Promise<boolean> {
  const line = await cli.readLine('Accept? [y/N] ');
  return /^\s*y(es)?\s*$/iu.test(line ?? '');
}
