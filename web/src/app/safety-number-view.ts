// Safety numbers: both people see the same digits when nobody sits between them. Comparing them out
// of band (in person, on a call) is what makes the end-to-end encryption trustworthy.
import type { HypersendClient } from '@hypersend/client/browser';
import { el } from './dom.ts';
import type { ErrorBanner } from './error-banner.ts';

/**
 * A "Show safety number" button and the number it reveals for `username`. A changed key is flagged
 * by the SDK (`key_changed`) and shown through the banner with its code.
 *
 * @example
 * pane.append(safetyNumberView(client, banner, 'bob'));
 */
export function safetyNumberView(
  client: HypersendClient,
  banner: ErrorBanner,
  username: string,
): HTMLElement {
  const output = el('output', { class: 'safety-number', 'aria-live': 'polite' });
  const show = el('button', { type: 'button', class: 'secondary' }, 'Show safety number');
  show.addEventListener('click', () => {
    show.disabled = true;
    client.keys.safetyNumber(username).then(
      (digits) => {
        output.textContent = digits;
        output.dataset.ready = 'true';
        show.disabled = false;
      },
      (err: unknown) => {
        show.disabled = false;
        banner.show(err, 'Could not compute the safety number');
      },
    );
  });
  return el(
    'section',
    { class: 'safety', 'aria-label': 'Safety number' },
    el('h3', {}, 'Safety number'),
    el('p', { class: 'muted' }, 'Compare these digits with your contact in person or on a call.'),
    show,
    ' ',
    output,
  );
}
