// Safety numbers, one per device of the contact: both people see the same digits when nobody sits
// between them. Comparing them out of band (in person, on a call) is what makes the end-to-end
// encryption trustworthy. A device whose key changed is blocked by the SDK until the user accepts
// the new key here, after comparing the new number: never silently.
import type { ContactDevice, HypersendClient } from '@hypersend/client/browser';
import { el, replaceChildren } from './dom.ts';
import type { ErrorBanner } from './error-banner.ts';

/**
 * A "Show safety numbers" button and, per device of `username`, its number; a changed key is
 * flagged with an "Accept the new key" button.
 *
 * @example
 * pane.append(safetyNumberView(client, banner, 'bob'));
 */
export function safetyNumberView(
  client: HypersendClient,
  banner: ErrorBanner,
  username: string,
): HTMLElement {
  const list = el('ul', { class: 'safety-numbers', 'aria-live': 'polite' });
  const show = el('button', { type: 'button', class: 'secondary' }, 'Show safety numbers');

  const deviceRow = async (device: ContactDevice): Promise<HTMLLIElement> => {
    const digits = await client.keys.safetyNumber(username, device.deviceId);
    const li = el(
      'li',
      { 'data-device': device.deviceId, 'data-blocked': device.blocked },
      el('span', { class: 'device-name' }, `Device “${device.name}”`),
      el('output', { class: 'safety-number' }, digits),
    );
    if (!device.blocked) return li;
    const accept = el(
      'button',
      { type: 'button', 'aria-label': `Accept the new key of ${device.name}` },
      'Accept the new key',
    );
    accept.addEventListener('click', () => {
      accept.disabled = true;
      client.keys.acceptKeyChange(device.userId, device.deviceId).then(render, (err: unknown) => {
        accept.disabled = false;
        banner.show(err, 'Could not accept the new key');
      });
    });
    li.append(
      el(
        'p',
        { class: 'key-changed', role: 'alert' },
        'This device’s key changed [key_changed]. Sending to it is blocked. Compare the number above ' +
          'with your contact before accepting: a changed key can also mean someone is intercepting.',
      ),
      accept,
    );
    return li;
  };

  async function render(): Promise<void> {
    const devices = await client.keys.devicesOf(username);
    const rows = await Promise.all(devices.map(deviceRow));
    replaceChildren(list, ...(rows.length > 0 ? rows : [el('li', { class: 'muted' }, 'No devices yet.')]));
    list.dataset.ready = 'true';
  }

  show.addEventListener('click', () => {
    show.disabled = true;
    render()
      .catch((err: unknown) => banner.show(err, 'Could not compute the safety numbers'))
      .finally(() => {
        show.disabled = false;
      });
  });
  return el(
    'section',
    { class: 'safety', 'aria-label': 'Safety numbers' },
    el('h3', {}, 'Safety numbers'),
    el('p', { class: 'muted' }, 'Compare these digits with your contact in person or on a call.'),
    show,
    list,
  );
}
