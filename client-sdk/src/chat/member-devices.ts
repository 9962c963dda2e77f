// The member devices chat seals to and opens from: who gets an envelope of a message, and the
// pinned keys of the device that sent one. Device lists are reused for a short while, so a busy
// conversation does not ask the key directory per message.
import type { ConversationInfo } from '@hypersend/protocol';
import type { ContactDevice } from '../contacts/key-directory.ts';
import { sodiumSync } from '../crypto/sodium.ts';
import { HypersendError } from '../errors.ts';
import type { RecipientDevice } from './chat-crypto.ts';

/** What {@link MemberDevices} asks the chat API around it. */
export interface MemberDevicesOptions {
  /** A user's devices checked against the pinned keys (normally `KeyDirectory.getDevices`). */
  devicesOf(username: string): Promise<ContactDevice[]>;
  /** The cached conversation, or (`fresh`) the server's. */
  conversation(id: string, fresh: boolean): Promise<ConversationInfo>;
  /** An unaccepted key change right now (overrides the cached list's `blocked`). */
  isBlocked?(user: string, device: string): boolean | undefined;
  /** Device-list reuse window in ms. Default 10 s. */
  maxAgeMs?: number;
  now?(): number;
}

/**
 * Recipient and sender devices of conversations, from a time-bounded cache of device lists.
 *
 * @example
 * const members = new MemberDevices({ devicesOf, conversation: (id, fresh) => chat.get(id) });
 * const { recipients, skipped } = await members.recipients(conv);
 * members.forget('bob'); // bob's keys changed
 */
export class MemberDevices {
  private readonly lists = new Map<string, { at: number; devices: ContactDevice[] }>();

  constructor(private readonly options: MemberDevicesOptions) {}

  /**
   * Every device of every member of `conv` (this device included: it is one of the sender's
   * devices), minus those with an unaccepted key change, which are listed as `user/device`.
   */
  async recipients(conv: ConversationInfo): Promise<{ recipients: RecipientDevice[]; skipped: string[] }> {
    const recipients: RecipientDevice[] = [];
    const skipped: string[] = [];
    for (const member of conv.members) {
      for (const d of await this.devices(member.username, false)) {
        const blocked = this.options.isBlocked?.(d.userId, d.deviceId) ?? d.blocked;
        if (blocked) skipped.push(`${d.userId}/${d.deviceId}`);
        else recipients.push({ user: d.userId, device: d.deviceId, x25519: x25519Key(d) });
      }
    }
    return { recipients, skipped };
  }

  /**
   * The sender device's pinned keys (`username` known when the sender is this user); a blocked
   * (changed) key is refused with `key_changed`, a non-member or unknown device with `not_found`.
   */
  async sender(
    conversation: string,
    user: string,
    device: string,
    username: string | undefined,
  ): Promise<ContactDevice> {
    let name = username;
    if (name === undefined) {
      const byId = (c: ConversationInfo) => c.members.find((x) => x.userId === user)?.username;
      // A member who joined after the cached copy: ask the server once before giving up.
      name =
        byId(await this.options.conversation(conversation, false)) ??
        byId(await this.options.conversation(conversation, true));
    }
    if (name === undefined) throw new HypersendError('not_found', 'sender is no longer a member');
    let found = (await this.devices(name, false)).find((d) => d.deviceId === device);
    found ??= (await this.devices(name, true)).find((d) => d.deviceId === device);
    if (found === undefined) throw new HypersendError('not_found', 'sender device is unknown');
    if (found.blocked) throw HypersendError.keyChanged(`${user}/${device}`);
    return found;
  }

  /** Drop `username`'s device list (every list without one): its keys changed. */
  forget(username?: string): void {
    if (username === undefined) this.lists.clear();
    else this.lists.delete(username);
  }

  private async devices(username: string, fresh: boolean): Promise<ContactDevice[]> {
    const now = this.options.now?.() ?? Date.now();
    const cached = this.lists.get(username);
    if (!fresh && cached !== undefined && now - cached.at < (this.options.maxAgeMs ?? 10_000))
      return cached.devices;
    const devices = await this.options.devicesOf(username);
    this.lists.set(username, { at: now, devices });
    return devices;
  }
}

/** A device's X25519 key as bytes. */
export function x25519Key(device: Pick<ContactDevice, 'x25519'>): Uint8Array {
  // Keys come from the key directory, already checked as 32-byte base64url.
  const na = sodiumSync();
  return na.from_base64(device.x25519, na.base64_variants.URLSAFE_NO_PADDING);
}
