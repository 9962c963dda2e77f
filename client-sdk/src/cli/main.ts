// `hypersend` entry point: parse, dispatch, map errors to exit codes.
import { CliContext } from './cli-context.ts';
import { login, logout, register } from './commands/account.ts';
import { chat } from './commands/chat.ts';
import { contacts } from './commands/contacts.ts';
import { devices, fingerprint } from './commands/devices.ts';
import { msg } from './commands/msg.ts';
import { receive } from './commands/receive.ts';
import { send } from './commands/send.ts';
import { reportError } from './commands/transfer-output.ts';
import { ExitCode, UsageError } from './exit-codes.ts';
import { commandHelp, mainHelp } from './help.ts';
import { type Parsed, parse } from './parse.ts';
import { installInterrupt } from './signals.ts';

// biome-ignore lint/suspicious/noConfusingVoidType: commands that always succeed return nothing
type Command = (cli: CliContext, a: Parsed) => Promise<number | undefined | void>;

const COMMANDS: Record<string, Command> = {
  register,
  login,
  logout: (cli) => logout(cli),
  contacts,
  devices,
  fingerprint,
  send,
  receive,
  chat,
  msg,
};

/**
 * Run the CLI with `argv` (without node and script); resolves with the exit code.
 *
 * @example
 * process.exitCode = await runCli(['send', 'a.bin', '--to', 'bob']);
 */
export async function runCli(argv: string[]): Promise<number> {
  let a: Parsed;
  try {
    a = parse(argv);
  } catch (err) {
    const e = err as UsageError;
    process.stderr.write(`hypersend: ${e.message}\n\n${e.command ? commandHelp(e.command) : mainHelp()}`);
    return ExitCode.usage;
  }
  if (a.command === undefined) {
    if (a.values.help === true) {
      process.stdout.write(mainHelp());
      return ExitCode.ok;
    }
    process.stderr.write(mainHelp());
    return ExitCode.usage;
  }
  if (a.values.help === true) {
    process.stdout.write(commandHelp(a.command));
    return ExitCode.ok;
  }
  const str = (v: string | boolean | undefined): string | undefined =>
    typeof v === 'string' ? v : undefined;
  const cli = new CliContext({
    server: (str(a.values.server) ?? process.env.HYPERSEND_SERVER ?? 'http://127.0.0.1:8080').replace(
      /\/+$/u,
      '',
    ),
    profile: str(a.values.profile) ?? process.env.HYPERSEND_PROFILE ?? 'default',
    json: a.values.json === true,
  });
  installInterrupt(async () => {
    await cli.flush();
    cli.close();
  });
  // The SDK's timers (HTTP and reconnect backoff, re-offers) are unref'd so an idle client never
  // holds a process open. A command waiting only on them — signaling down at start-up, say — would
  // otherwise end with exit code 13 (an unsettled top-level await) and no word. The command is
  // work in progress until it returns, so it keeps the process alive itself.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    const run = COMMANDS[a.command];
    if (run === undefined) throw new UsageError(`unknown command ${a.command}`);
    const code = await run(cli, a);
    return typeof code === 'number' ? code : ExitCode.ok;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`hypersend: ${err.message}\n\n${commandHelp(a.command)}`);
      return ExitCode.usage;
    }
    return reportError(cli, err);
  } finally {
    clearInterval(keepAlive);
    await cli.flush();
    cli.close();
  }
}

// WebRTC and sockets may hold the event loop open after the work is done: exit explicitly.
const code = await runCli(process.argv.slice(2));
process.exit(code);
