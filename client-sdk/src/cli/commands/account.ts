// register, login, logout.
import { HypersendError } from '../../errors.ts';
import type { CliContext } from '../cli-context.ts';
import { UsageError } from '../exit-codes.ts';
import type { Parsed } from '../parse.ts';

/** `hypersend register <username> [--display-name NAME]`. */
export async function register(cli: CliContext, a: Parsed): Promise<void> {
  const username = one(a, 'register');
  const password = await cli.password();
  const client = cli.client();
  const displayName = typeof a.values['display-name'] === 'string' ? a.values['display-name'] : undefined;
  await client.register(username, password, displayName);
  await cli.saveLogin(username);
  const me = await client.prepare();
  cli.say(`registered ${username}; this device is ${me.deviceId}`, {
    event: 'registered',
    username,
    userId: client.me?.userId,
    deviceId: me.deviceId,
  });
}

/** `hypersend login <username>`. */
export async function login(cli: CliContext, a: Parsed): Promise<void> {
  const username = one(a, 'login');
  const password = await cli.password();
  const client = cli.client();
  await client.login(username, password);
  await cli.saveLogin(username);
  const me = await client.prepare();
  cli.say(`logged in as ${username}; this device is ${me.deviceId}`, {
    event: 'logged_in',
    username,
    userId: client.me?.userId,
    deviceId: me.deviceId,
  });
}

/** `hypersend logout`. */
export async function logout(cli: CliContext): Promise<void> {
  try {
    const client = await cli.loggedInClient();
    await client.logout();
  } catch (err) {
    // Already logged out or the session died: forgetting it locally is still what was asked.
    if (!HypersendError.is(err)) throw err;
  }
  await cli.forgetSession();
  cli.say('logged out', { event: 'logged_out' });
}

function one(a: Parsed, command: string): string {
  const [name, ...rest] = a.args;
  if (name === undefined || rest.length > 0) throw new UsageError(`${command} takes one <username>`, command);
  return name;
}
