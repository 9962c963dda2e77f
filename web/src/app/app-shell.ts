// The signed-in app: contacts on one side, the open contact (conversation, files, safety number)
// on the other, and the files panel. Owns every view's lifetime so logging out stops all timers.

import type { HypersendClient } from '@hypersend/client/browser';
import type { ContactInfo } from '@hypersend/protocol';
import { contactsView } from './contacts-view.ts';
import { type ConversationView, conversationView } from './conversation-view.ts';
import { el, replaceChildren } from './dom.ts';
import type { ErrorBanner } from './error-banner.ts';
import { safetyNumberView } from './safety-number-view.ts';
import { sendFilesView } from './send-files-view.ts';
import { sweepOldPartials } from './transfer-adapter.ts';
import { transfersView } from './transfers-view.ts';

/** What the shell needs from the page around it. */
export interface ShellHost {
  main: HTMLElement;
  whoami: HTMLElement;
  connection: HTMLElement;
  banner: ErrorBanner;
  /** Called after logout: show the sign-in form again. */
  onSignedOut(): void;
}

/**
 * Connect the client and show the signed-in app.
 *
 * @example
 * await openShell(client, { main, whoami, connection, banner, onSignedOut: showLogin });
 * @throws whatever `client.connect()` throws (shown by the caller with its code).
 */
export async function openShell(client: HypersendClient, host: ShellHost): Promise<void> {
  const { main, whoami, connection, banner } = host;
  const offs: Array<() => void> = [];
  const setConnection = (text: string, state: string) => {
    connection.textContent = text;
    connection.dataset.state = state;
  };
  setConnection('connecting…', 'connecting');
  offs.push(
    client.on('connected', () => setConnection('online', 'online')),
    client.on('disconnected', (e) =>
      setConnection(e.reconnectInMs === undefined ? 'offline' : 'reconnecting…', 'offline'),
    ),
    client.on('replaced', () => setConnection('opened in another tab', 'offline')),
  );
  // Listening for offers before connecting: files stored on the relay while this device was
  // offline are offered as soon as the connection is up.
  const transfers = transfersView(client, banner);
  void sweepOldPartials(); // partial receives nobody resumed for a week
  try {
    await client.connect();
  } catch (err) {
    for (const off of offs) off();
    transfers.close();
    setConnection('', 'offline');
    throw err;
  }
  setConnection('online', 'online');

  const me = client.me;
  whoami.textContent = me ? `Signed in as ${me.displayName} (@${me.username})` : '';
  const logout = el('button', { type: 'button', class: 'secondary' }, 'Log out');
  whoami.append(' ', logout);

  const pane = el(
    'section',
    { class: 'card contact-pane', 'aria-labelledby': 'pane-title', tabindex: -1 },
    el('h2', { id: 'pane-title' }, 'No contact open'),
    el('p', { class: 'muted' }, 'Open a contact to chat, send files and compare safety numbers.'),
  );
  let conversation: ConversationView | undefined;
  const open = (contact: ContactInfo) => {
    banner.clear();
    conversation?.close();
    conversation = conversationView(client, banner, contact);
    replaceChildren(
      pane,
      el('h2', { id: 'pane-title' }, `${contact.displayName} (@${contact.username})`),
      conversation.element,
      sendFilesView(client, banner, transfers, contact),
      safetyNumberView(client, banner, contact.username),
    );
    pane.dataset.contact = contact.username;
    pane.focus();
  };
  const contacts = contactsView(client, banner, open);
  replaceChildren(main, el('div', { class: 'layout' }, contacts.element, pane, transfers.element));

  // Stop every view's timers and subscriptions; the page then shows the sign-in form again.
  const teardown = () => {
    for (const off of offs) off();
    contacts.close();
    transfers.close();
    conversation?.close();
    whoami.textContent = '';
    connection.textContent = '';
  };
  // The refresh token was refused (expired, revoked): tokens are gone, so sign in again.
  offs.push(
    client.on('session-expired', ({ error }) => {
      teardown();
      client.disconnect();
      host.onSignedOut();
      banner.show(error, 'Signed out');
    }),
  );
  logout.addEventListener('click', () => {
    teardown();
    client.logout().then(
      () => host.onSignedOut(),
      (err: unknown) => {
        banner.show(err, 'Logout failed on the server (signed out here)');
        host.onSignedOut();
      },
    );
  });
}
