// What every command gets: global options, output (text or JSON lines), the profile's client
// with its persisted session, and line input from stdin.
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { TokenResponse } from '@hypersend/protocol';
import { z } from 'zod';
import { HypersendError } from '../errors.ts';
import type { HypersendClient } from '../hypersend-client.ts';
import { profileDir, readPrivateJson, writePrivateJson } from '../identity/private-json-file.ts';
import { createClient } from '../index.ts';

/** Options shared by every command. */
export interface GlobalOptions {
  server: string;
  profile: string;
  json: boolean;
}

const StoredSession = z.object({
  v: z.literal(1),
  server: z.string(),
  username: z.string(),
  userId: z.string(),
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresAt: z.number(),
});
type StoredSession = z.infer<typeof StoredSession>;

/**
 * One command invocation's context.
 *
 * @example
 * const cli = new CliContext({ server, profile, json: false });
 * const client = await cli.loggedInClient();
 */
export class CliContext {
  #client: HypersendClient | undefined;
  #saving: Promise<void> = Promise.resolve();
  #lines: AsyncIterator<string> | undefined;
  username: string | undefined;

  constructor(readonly g: GlobalOptions) {}

  get sessionFile(): string {
    return join(profileDir(this.g.profile), 'session.json');
  }

  /** Text for humans (stderr keeps stdout clean for --json), or one JSON event on stdout. */
  say(text: string, event?: Record<string, unknown>): void {
    if (this.g.json) {
      if (event) process.stdout.write(`${JSON.stringify(event)}\n`);
    } else process.stdout.write(`${text}\n`);
  }

  /** A diagnostic for humans (always stderr; also a JSON event with --json). */
  warn(text: string, event?: Record<string, unknown>): void {
    process.stderr.write(`${text}\n`);
    if (this.g.json && event) process.stdout.write(`${JSON.stringify(event)}\n`);
  }

  /** The client of this profile (not logged in yet). */
  client(): HypersendClient {
    this.#client ??= createClient({
      serverUrl: this.g.server,
      profile: this.g.profile,
      deviceName: hostname().slice(0, 64) || 'hypersend',
    });
    const c = this.#client;
    return c;
  }

  /**
   * The client with the profile's saved session restored; refreshed tokens are saved again
   * (refresh tokens are single use: losing the new one would log the profile out).
   *
   * @throws HypersendError `not_authenticated` when the profile is not logged in to this server.
   */
  async loggedInClient(): Promise<HypersendClient> {
    const client = this.client();
    const raw = await readPrivateJson(this.sessionFile);
    const parsed = StoredSession.safeParse(raw);
    if (!parsed.success || parsed.data.server !== this.g.server)
      throw new HypersendError(
        'not_authenticated',
        `profile "${this.g.profile}" is not logged in to ${this.g.server}: run hypersend login`,
      );
    const s = parsed.data;
    this.username = s.username;
    client.session.setTokens({
      userId: s.userId,
      accessToken: s.accessToken,
      refreshToken: s.refreshToken,
      expiresIn: Math.max(1, Math.floor((s.expiresAt - Date.now()) / 1000)),
    });
    this.#persistRefreshes(client, s.username);
    return client;
  }

  /** Save the tokens of a fresh login. */
  async saveLogin(username: string, tokens: TokenResponse | undefined = undefined): Promise<void> {
    const client = this.client();
    if (tokens) client.session.setTokens(tokens);
    this.username = username;
    await this.#save(client, username);
    this.#persistRefreshes(client, username);
  }

  async forgetSession(): Promise<void> {
    await rm(this.sessionFile, { force: true });
  }

  /** Wait for pending session writes (before exiting). */
  flush(): Promise<void> {
    return this.#saving;
  }

  /** Next line of stdin, or undefined at end of input. */
  async readLine(prompt?: string): Promise<string | undefined> {
    if (prompt) process.stderr.write(prompt);
    this.#lines ??= createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
    const r = await this.#lines.next();
    return r.done ? undefined : String(r.value);
  }

  /** Password from HYPERSEND_PASSWORD or the first line of stdin. */
  async password(): Promise<string> {
    const env = process.env.HYPERSEND_PASSWORD;
    if (env) return env;
    const line = await this.readLine(process.stdin.isTTY ? 'Password: ' : undefined);
    if (!line)
      throw new HypersendError(
        'invalid_argument',
        'no password (set HYPERSEND_PASSWORD or pipe it on stdin)',
      );
    return line;
  }

  close(): void {
    this.#client?.close();
    process.stdin.pause();
  }

  #persistRefreshes(client: HypersendClient, username: string): void {
    client.on('refreshed', () => {
      this.#saving = this.#saving.then(() => this.#save(client, username)).catch(() => undefined);
    });
  }

  async #save(client: HypersendClient, username: string): Promise<void> {
    const refreshToken = client.session.refreshToken;
    const userId = client.session.userId;
    if (refreshToken === undefined || userId === undefined) return;
    const stored: StoredSession = {
      v: 1,
      server: this.g.server,
      username,
      userId,
      accessToken: await client.session.token(),
      refreshToken,
      expiresAt: client.session.expiresAt ?? Date.now(),
    };
    await writePrivateJson(this.sessionFile, stored);
  }
}
