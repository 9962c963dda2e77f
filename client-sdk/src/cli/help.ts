// Usage text of every command (`hypersend <command> --help`).

/** Options every command accepts. */
export const GLOBAL_HELP = `Global options:
  --server URL      signaling server (env HYPERSEND_SERVER, default http://127.0.0.1:8080)
  --profile NAME    identity and session to use (env HYPERSEND_PROFILE, default "default");
                    several profiles give several identities on one machine
  --json            line-delimited JSON events on stdout instead of text
  -h, --help        show help`;

/** Exit codes, as documented in `hypersend --help`. */
export const EXIT_HELP = `Exit codes:
  0    ok
  1    failure (I/O, server error, ...)
  2    usage error
  3    authentication (not logged in, session expired, wrong password)
  4    peer offline or not reachable (no device online, no answer, connection failed)
  5    declined
  6    cancelled by the other side
  7    integrity or identity failure (hash mismatch, bad signature, changed device key)
  130  interrupted (Ctrl-C); an interrupted transfer resumes when started again`;

/** Per-command usage. */
export const COMMAND_HELP: Record<string, string> = {
  register: `Usage: hypersend register <username> [--display-name NAME]

Create an account, log in and register this device. The password is read from
HYPERSEND_PASSWORD, or the first line of stdin.`,
  login: `Usage: hypersend login <username>

Log in and register this device (first time). The password is read from HYPERSEND_PASSWORD,
or the first line of stdin. The session (refresh token) is kept 0600 in the profile folder.`,
  logout: `Usage: hypersend logout

Revoke this profile's session on the server and forget it locally.`,
  contacts: `Usage: hypersend contacts list
       hypersend contacts add <username>
       hypersend contacts accept <username>

List contacts, ask someone to be a contact, or accept their request.`,
  devices: `Usage: hypersend devices [list]
       hypersend devices remove <device-id>
       hypersend devices reset-keys --yes

List this account's devices (* marks this one), remove one, or give this device new keys
(contacts then see a key change and must verify the new safety number).`,
  fingerprint: `Usage: hypersend fingerprint
       hypersend fingerprint <username> [--device ID]
       hypersend fingerprint --accept <username>

Without a user: this device's fingerprint. With a user: the safety number to compare with them
out of band (both sides see the same digits). --accept trusts a changed key of <username>'s
devices after you compared the new safety number.`,
  send: `Usage: hypersend send <paths...> --to <username> [--device ID] [--timeout SECONDS] [--turn-only]
       [--limit-rate RATE] [--relay allowed|never|only] [--relay-after SECONDS]

Send files and folders, end-to-end encrypted, peer to peer. Waits for the recipient to accept
(default 120 s). Progress: a bar on a terminal, lines otherwise, JSON with --json.
Ctrl-C stops and tells the recipient; the same command later resumes where it stopped.
--turn-only (or HYPERSEND_TURN_ONLY=1) sends through the server's TURN relay only, so the
recipient never learns your IP address.
--limit-rate RATE caps the average send rate in bytes per second: 500K, 10M, 1.5G (binary units).
--relay allowed|never|only: the store-and-forward relay. allowed (default): when the recipient is
offline, or no connection comes up (or a lost one stays lost) within --relay-after SECONDS
(default 20), the rest of the encrypted transfer is uploaded to the relay and the recipient picks
it up with \`hypersend receive\` later; never: fail instead (exit 4 when offline); only: upload to
the relay without ever connecting to the recipient.
Chunk size: agreed with the recipient's device before the offer (255 KiB between two current
clients, 64 KiB with older ones); HYPERSEND_MAX_CHUNK_SIZE=BYTES caps it on either side.`,
  receive: `Usage: hypersend receive [--dir DIR] [--yes | --decline] [--overwrite] [--timeout SECONDS]
       [--turn-only]

Wait for one offer, show who sends what, then accept (--yes, or answer y) or decline
(--decline, or answer n). Files go to DIR (default: current folder); existing files are refused
unless --overwrite. Ctrl-C stops and keeps the partial data: the next receive resumes it.
--turn-only (or HYPERSEND_TURN_ONLY=1) receives through the TURN relay only, so the sender
never learns your IP address.
Transfers waiting on the store-and-forward relay are offered like any other ("via relay").`,
  chat: `Usage: hypersend chat <username|conversation-id> [--history N]

Interactive end-to-end encrypted chat: shows the last N messages (default 20), then prints new
ones as they arrive (marking them read); every line you type is sent. /quit or end of input
leaves. A username means the one-to-one conversation with that contact.`,
  msg: `Usage: hypersend msg <username|conversation-id> <text...>

Send one end-to-end encrypted message and exit (nothing received is marked delivered).`,
};

/** `hypersend --help`. */
export function mainHelp(): string {
  return `Usage: hypersend <command> [options]

End-to-end encrypted file transfer between devices.

Commands:
  register <username>        create an account and register this device
  login <username>           log in on this device
  logout                     revoke and forget this profile's session
  contacts list|add|accept   manage contacts
  devices [list|remove|reset-keys]   this account's devices
  fingerprint [<username>]   fingerprints and safety numbers; --accept a changed key
  send <paths...> --to USER  send files and folders
  receive [--dir D] [--yes]  receive one transfer
  chat <user|conversation>   interactive end-to-end encrypted chat
  msg <to> <text>            send one chat message

Run "hypersend <command> --help" for a command's options.

${GLOBAL_HELP}

${EXIT_HELP}
`;
}

/** `hypersend <command> --help`. */
export function commandHelp(command: string): string {
  return `${COMMAND_HELP[command] ?? ''}\n\n${GLOBAL_HELP}\n\n${EXIT_HELP}\n`;
}
