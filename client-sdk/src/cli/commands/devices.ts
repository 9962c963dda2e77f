// devices, fingerprint.

import { fingerprint as fingerprintOf } from '../../crypto/keys.ts';
import { HypersendError } from '../../errors.ts';
import { createDeviceIdentity, toStoredIdentity } from '../../identity/device-identity.ts';
import { IdentityFileStore } from '../../identity/identity-file-store.ts';
import type { CliContext } from '../cli-context.ts';
import { UsageError } from '../exit-codes.ts';
import type { Parsed } from '../parse.ts';

/** `hypersend devices [list | remove <id> | reset-keys --yes]`. */
export async function devices(cli: CliContext, a: Parsed): Promise<void> {
  const [sub = 'list', id] = a.args;
  const client = await cli.loggedInClient();
  if (sub === 'reset-keys') {
    if (a.values.yes !== true)
      throw new UsageError('devices reset-keys needs --yes: contacts will see a key change', 'devices');
    const store = new IdentityFileStore({ profile: cli.g.profile });
    const old = await store.load();
    if (old === null) throw new HypersendError('not_found', 'this profile has no device identity yet');
    const fresh = await createDeviceIdentity(old.name);
    // Same device id, new keys: exactly what contacts must notice and verify.
    await store.save(toStoredIdentity({ ...fresh, deviceId: old.deviceId }));
    await client.prepare();
    cli.say(`device ${old.deviceId} has new keys`, { event: 'keys_reset', deviceId: old.deviceId });
    return;
  }
  const me = await client.prepare();
  if (sub === 'remove') {
    if (!id) throw new UsageError('devices remove <device-id>', 'devices');
    await client.devices.remove(id);
    cli.say(`removed ${id}`, { event: 'device_removed', deviceId: id });
    return;
  }
  if (sub !== 'list') throw new UsageError(`unknown devices command ${sub}`, 'devices');
  for (const d of await client.devices.list()) {
    const mine = d.deviceId === me.deviceId;
    cli.say(`${mine ? '*' : ' '} ${d.deviceId}\t${d.name}\t${d.createdAt}`, {
      event: 'device',
      ...d,
      current: mine,
    });
  }
}

/** `hypersend fingerprint [<username> [--device ID]] | --accept <username>`. */
export async function fingerprint(cli: CliContext, a: Parsed): Promise<void> {
  const client = await cli.loggedInClient();
  const me = await client.prepare();
  const accept = a.values.accept;
  if (typeof accept === 'string') {
    const blocked = (await client.keys.devicesOf(accept)).filter((d) => d.blocked);
    if (blocked.length === 0) throw new HypersendError('not_found', `no changed key to accept for ${accept}`);
    for (const d of blocked) {
      await client.keys.acceptKeyChange(d.userId, d.deviceId);
      cli.say(`accepted the new key of ${accept}'s device ${d.deviceId}`, {
        event: 'key_accepted',
        username: accept,
        deviceId: d.deviceId,
      });
    }
    return;
  }
  const [user] = a.args;
  if (user === undefined) {
    const fp = fingerprintOf(
      { x25519: me.x25519.publicKey, ed25519: me.ed25519.publicKey },
      client.me?.userId ?? '',
    );
    const groups = fp.match(/.{5}/gu)?.join(' ') ?? fp;
    cli.say(`this device (${me.deviceId}): ${groups}`, {
      event: 'fingerprint',
      deviceId: me.deviceId,
      fingerprint: groups,
    });
    return;
  }
  const device = typeof a.values.device === 'string' ? a.values.device : undefined;
  const list = await client.keys.devicesOf(user);
  const sn = await client.keys.safetyNumber(
    user,
    device ?? (list.length > 1 ? undefined : list[0]?.deviceId),
  );
  const changed = list.some((d) => d.blocked && (device === undefined || d.deviceId === device));
  cli.say(
    `safety number with ${user}: ${sn}${changed ? `\n(key changed: compare, then hypersend fingerprint --accept ${user})` : ''}`,
    {
      event: 'safety_number',
      username: user,
      safetyNumber: sn,
      keyChanged: changed,
    },
  );
}
