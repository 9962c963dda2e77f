// Contacts: ask someone by username, accept requests, pick a contact to talk to. The server pushes
// no contact events, so the list is polled while signed in (and refreshed after every action).

import type { HypersendClient } from '@hypersend/client/browser';
import type { ContactInfo } from '@hypersend/protocol';
import { el, uid } from './dom.ts';
import type { ErrorBanner } from './error-banner.ts';

const POLL_MS = 3_000;

const STATE_LABEL: Record<ContactInfo['state'], string> = {
  accepted: 'contact',
  requested: 'request sent',
  incoming: 'wants to connect',
  blocked: 'blocked',
};

/** The contacts panel and its polling timer. */
export interface ContactsView {
  element: HTMLElement;
  /** Reload the list now. */
  refresh(): Promise<void>;
  /** Stop polling. */
  close(): void;
}

/**
 * Build the contacts panel. `onOpen` is called when the user opens an accepted contact.
 * Names come from other users: every one of them is set as text.
 *
 * @example
 * const contacts = contactsView(client, banner, (c) => shell.openConversation(c));
 */
export function contactsView(
  client: HypersendClient,
  banner: ErrorBanner,
  onOpen: (contact: ContactInfo) => void,
): ContactsView {
  const inputId = uid('add-contact');
  const input = el('input', {
    id: inputId,
    name: 'contact',
    required: true,
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
  });
  const form = el(
    'form',
    { class: 'inline-form' },
    el('label', { for: inputId }, 'Add a contact by username'),
    el('div', { class: 'row' }, input, el('button', { type: 'submit' }, 'Add contact')),
  );
  const list = el('ul', { class: 'contacts', 'aria-label': 'Contacts' });
  const empty = el('p', { class: 'muted' }, 'No contacts yet.');
  const element = el(
    'section',
    { class: 'card contacts-panel', 'aria-labelledby': 'contacts-title' },
    el('h2', { id: 'contacts-title' }, 'Contacts'),
    form,
    list,
    empty,
  );
  // Rows are kept per user and updated in place, so polling never steals keyboard focus.
  const rows = new Map<string, { li: HTMLLIElement; state: string; name: string }>();

  const render = (contacts: readonly ContactInfo[]) => {
    const seen = new Set<string>();
    for (const contact of contacts) {
      seen.add(contact.userId);
      const name = `${contact.displayName} (@${contact.username})`;
      const known = rows.get(contact.userId);
      if (known && known.state === contact.state && known.name === name) continue;
      const li = contactRow(contact, name);
      if (known) known.li.replaceWith(li);
      else list.append(li);
      rows.set(contact.userId, { li, state: contact.state, name });
    }
    for (const [userId, row] of rows)
      if (!seen.has(userId)) {
        row.li.remove();
        rows.delete(userId);
      }
    empty.hidden = rows.size > 0;
  };

  const contactRow = (contact: ContactInfo, name: string): HTMLLIElement => {
    const li = el(
      'li',
      { 'data-username': contact.username, 'data-state': contact.state },
      el('span', { class: 'contact-name' }, name),
      ' ',
      el('span', { class: 'badge' }, STATE_LABEL[contact.state]),
    );
    if (contact.state === 'incoming') {
      const accept = el('button', { type: 'button', 'aria-label': `Accept ${contact.username}` }, 'Accept');
      accept.addEventListener('click', () => {
        accept.disabled = true;
        client.contacts.accept(contact.userId).then(
          () => refresh(),
          (err: unknown) => {
            accept.disabled = false;
            banner.show(err, 'Could not accept the contact');
          },
        );
      });
      li.append(' ', accept);
    }
    if (contact.state === 'accepted') {
      const open = el('button', { type: 'button', 'aria-label': `Open ${contact.username}` }, 'Open');
      open.addEventListener('click', () => onOpen(contact));
      li.append(' ', open);
    }
    return li;
  };

  let stopped = false;
  let inFlight: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    inFlight ??= client.contacts
      .list()
      .then(render, (err: unknown) => {
        if (!stopped) banner.show(err, 'Could not load contacts');
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  const timer = setInterval(() => void refresh(), POLL_MS);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const username = input.value.trim();
    if (username === '') return;
    banner.clear();
    client.contacts.request(username).then(
      () => {
        input.value = '';
        return refresh();
      },
      (err: unknown) => banner.show(err, 'Could not add the contact'),
    );
  });

  void refresh();
  return {
    element,
    refresh,
    close: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
