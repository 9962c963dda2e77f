// send <paths…> --to <user>.
import type { CliContext } from '../cli-context.ts';
import { UsageError } from '../exit-codes.ts';
import { type Parsed, rateOption, secondsOption, turnOnlyOption } from '../parse.ts';
import { relayModeOption } from './relay-mode.ts';
import { followTransfer } from './transfer-output.ts';

/** `hypersend send <paths…> --to <username> [--device ID] [--timeout S] [--turn-only] [--limit-rate R]`. */
export async function send(cli: CliContext, a: Parsed): Promise<number> {
  const to = a.values.to;
  if (typeof to !== 'string') throw new UsageError('send needs --to <username>', 'send');
  if (a.args.length === 0) throw new UsageError('send needs at least one path', 'send');
  const answerTimeoutMs = secondsOption(a.values.timeout, 'timeout', 120_000);
  const maxBytesPerSecond = rateOption(a.values['limit-rate']);
  const relay = relayModeOption(a.values.relay);
  const relayAfterMs = secondsOption(a.values['relay-after'], 'relay-after', 20_000);
  const client = await cli.loggedInClient();
  await client.connect();
  const device = typeof a.values.device === 'string' ? a.values.device : undefined;
  const t = client.send(to, a.args, {
    answerTimeoutMs,
    turnOnly: turnOnlyOption(a),
    relay,
    relayAfterMs,
    ...(maxBytesPerSecond === undefined ? {} : { maxBytesPerSecond }),
    ...(device === undefined ? {} : { device }),
  });
  return followTransfer(cli, t, to);
}
