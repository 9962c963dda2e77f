// contacts list | add <username> | accept <username>.
import { HypersendError } from '../../errors.ts';
import type { CliContext } from '../cli-context.ts';
import { UsageError } from '../exit-codes.ts';
import type { Parsed } from '../parse.ts';

/** `hypersend contacts …`. */
export async function contacts(cli: CliContext, a: Parsed): Promise<void> {
  const [sub = 'list', name, ...rest] = a.args;
  if (rest.length > 0) throw new UsageError('too many arguments', 'contacts');
  const client = await cli.loggedInClient();
  switch (sub) {
    case 'list': {
      const all = await client.contacts.list();
      if (all.length === 0) cli.say('no contacts');
      for (const c of all) cli.say(`${c.username}\t${c.state}\t${c.displayName}`, { event: 'contact', ...c });
      return;
    }
    case 'add':
      if (!name) throw new UsageError('contacts add <username>', 'contacts');
      await client.contacts.request(name);
      cli.say(`asked ${name} to be a contact`, { event: 'contact_requested', username: name });
      return;
    case 'accept': {
      if (!name) throw new UsageError('contacts accept <username>', 'contacts');
      const c = (await client.contacts.list()).find((x) => x.username === name);
      if (c === undefined || c.state !== 'incoming')
        throw new HypersendError('not_found', `no contact request from ${name}`);
      await client.contacts.accept(c.userId);
      cli.say(`${name} is now a contact`, { event: 'contact_accepted', username: name, userId: c.userId });
      return;
    }
    default:
      throw new UsageError(`unknown contacts command ${sub}`, 'contacts');
  }
}
