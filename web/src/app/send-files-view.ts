// Pick or drop files to send to the open contact. The drop zone is a convenience on top of a real,
// labelled file input, which is what keyboard and screen-reader users operate.
import type { HypersendClient } from '@hypersend/client/browser';
import type { ContactInfo } from '@hypersend/protocol';
import { el, uid } from './dom.ts';
import type { ErrorBanner } from './error-banner.ts';
import { formatBytes } from './format.ts';
import { sendFiles } from './transfer-adapter.ts';
import type { TransfersView } from './transfers-view.ts';

/**
 * The "Send files" box for `contact`. Once the offer reaches the contact's device, a file message
 * (names and size, end-to-end encrypted like a text) is posted to the conversation too.
 *
 * @example
 * pane.append(sendFilesView(client, banner, transfers, bob));
 */
export function sendFilesView(
  client: HypersendClient,
  banner: ErrorBanner,
  transfers: TransfersView,
  contact: ContactInfo,
): HTMLElement {
  const { username } = contact;
  const inputId = uid('files');
  const input = el('input', { id: inputId, type: 'file', multiple: true, name: 'files' });
  const chosen = el('p', { class: 'muted chosen', 'aria-live': 'polite' }, 'No files chosen.');
  const send = el('button', { type: 'submit', disabled: true }, `Send to ${username}`);
  let picked: File[] = [];
  const pick = (files: readonly File[]) => {
    picked = [...files];
    chosen.textContent =
      picked.length === 0
        ? 'No files chosen.'
        : picked.map((f) => `${f.name} (${formatBytes(f.size)})`).join(', ');
    send.disabled = picked.length === 0;
  };
  input.addEventListener('change', () => pick([...(input.files ?? [])]));

  const zone = el(
    'div',
    { class: 'drop-zone' },
    el('label', { for: inputId }, 'Choose files, or drop them here'),
    input,
    chosen,
  );
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    pick([...(event.dataTransfer?.files ?? [])]);
  });

  const form = el(
    'form',
    { class: 'send-files', 'aria-label': `Send files to ${username}` },
    el('h3', {}, 'Send files'),
    zone,
    send,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (picked.length === 0) return;
    banner.clear();
    try {
      const files = picked;
      const transfer = sendFiles(client, username, files);
      transfers.track(transfer, `to ${username}: ${files.map((f) => f.name).join(', ')}`);
      transfer.once('offered', ({ transferId }) => {
        const summary = {
          names: files.map((f) => f.name),
          size: files.reduce((sum, f) => sum + f.size, 0),
          files: files.length,
        };
        client.chat
          .create([contact.userId])
          .then((conv) => client.chat.sendFileOffer(conv.id, transferId, summary))
          .catch((err: unknown) => banner.show(err, 'Sent, but not noted in the conversation'));
      });
      input.value = '';
      pick([]);
    } catch (err) {
      banner.show(err, 'Could not send');
    }
  });
  return form;
}
