// Log in or create an account. One form, two submit buttons: the one pressed decides.
import type { HypersendClient } from '@hypersend/client/browser';
import { el, uid } from './dom.ts';
import type { ErrorBanner } from './error-banner.ts';

/**
 * The sign-in form. Calls `onSignedIn` once the client is logged in (not yet connected).
 *
 * @example
 * main.append(authView(client, banner, () => openShell()));
 */
export function authView(client: HypersendClient, banner: ErrorBanner, onSignedIn: () => void): HTMLElement {
  const userId = uid('username');
  const passId = uid('password');
  const nameId = uid('display-name');
  const username = el('input', {
    id: userId,
    name: 'username',
    autocomplete: 'username',
    required: true,
    autocapitalize: 'none',
    spellcheck: 'false',
  });
  const password = el('input', {
    id: passId,
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const displayName = el('input', { id: nameId, name: 'displayName', autocomplete: 'nickname' });
  const login = el('button', { type: 'submit', value: 'login' }, 'Log in');
  const register = el('button', { type: 'submit', value: 'register', class: 'secondary' }, 'Create account');
  const form = el(
    'form',
    { class: 'card auth', 'aria-labelledby': 'auth-title' },
    el('h2', { id: 'auth-title' }, 'Sign in'),
    el('label', { for: userId }, 'Username'),
    username,
    el('label', { for: passId }, 'Password'),
    password,
    el('label', { for: nameId }, 'Display name (new accounts, optional)'),
    displayName,
    el('div', { class: 'actions' }, login, register),
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const submitter = (event as SubmitEvent).submitter;
    const creating = submitter instanceof HTMLButtonElement && submitter.value === 'register';
    const buttons = [login, register];
    for (const b of buttons) b.disabled = true;
    banner.clear();
    const name = displayName.value.trim();
    const done = creating
      ? client.register(username.value.trim(), password.value, name === '' ? undefined : name)
      : client.login(username.value.trim(), password.value);
    done.then(
      () => {
        password.value = '';
        onSignedIn();
      },
      (err: unknown) => {
        for (const b of buttons) b.disabled = false;
        banner.show(err, creating ? 'Could not create the account' : 'Could not log in');
        password.focus();
      },
    );
  });
  queueMicrotask(() => username.focus());
  return form;
}
