// Files in flight, both directions: incoming offers to accept or decline, and one progress row per
// transfer with bytes, rate, ETA and the path the bytes take. File names and sender names come from
// peers and are set as text only.
import type {
  HypersendClient,
  IncomingTransfer,
  PartialReceiveInfo,
  Transfer,
} from '@hypersend/client/browser';
import { el } from './dom.ts';
import type { ErrorBanner } from './error-banner.ts';
import { describePath, formatBytes, formatEta, formatRate } from './format.ts';
import { type AcceptedFile, acceptOffer, discardPartialOf, resumptionOf } from './transfer-adapter.ts';

/** The transfers panel. */
export interface TransfersView {
  element: HTMLElement;
  /** Show a transfer this device started (sender side). */
  track(transfer: Transfer, label: string): void;
  close(): void;
}

/**
 * Build the panel and subscribe to the client's offers.
 *
 * @example
 * const transfers = transfersView(client, banner);
 * transfers.track(client.send('bob', files), 'to bob: report.pdf');
 */
export function transfersView(client: HypersendClient, banner: ErrorBanner): TransfersView {
  const offers = el('ul', { class: 'offers', 'aria-label': 'Incoming files', 'aria-live': 'polite' });
  const rows = el('ul', { class: 'transfers', 'aria-label': 'Transfers' });
  const noOffers = el('p', { class: 'muted' }, 'No incoming files.');
  const element = el(
    'section',
    { class: 'card transfers-panel', 'aria-labelledby': 'transfers-title' },
    el('h2', { id: 'transfers-title' }, 'Files'),
    el('h3', {}, 'Incoming'),
    offers,
    noOffers,
    el('h3', {}, 'Transfers'),
    rows,
  );
  const syncEmpty = () => {
    noOffers.hidden = offers.children.length > 0;
  };

  const track = (transfer: Transfer, label: string, received?: () => Promise<AcceptedFile[]>): void => {
    const bar = el('progress', { max: 1, value: 0, 'aria-label': `Progress of ${label}` });
    const figures = el('span', { class: 'figures' }, 'waiting for the recipient…');
    const state = el('span', { class: 'transfer-state', 'data-state': 'active' }, 'active');
    const cancel = el('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const li = el(
      'li',
      { class: 'transfer', 'data-role': transfer.role },
      el('span', { class: 'transfer-label' }, label),
      bar,
      figures,
      state,
      cancel,
    );
    rows.prepend(li);
    cancel.addEventListener('click', () => void transfer.cancel());
    const setState = (name: string, text: string) => {
      state.dataset.state = name;
      li.dataset.state = name;
      state.textContent = text;
      cancel.remove();
    };
    transfer.on('accepted', () => {
      figures.textContent = 'accepted, connecting…';
    });
    // The path is known before the first progress report: a relay upload to an offline
    // recipient says so at once instead of "waiting for the recipient".
    transfer.on('connected', ({ path }) => {
      li.dataset.path = path ?? '';
      figures.textContent = `connected, ${describePath(path)}`;
    });
    transfer.on('progress', (p) => {
      if (p.total !== undefined && p.total > 0) bar.value = p.bytes / p.total;
      li.dataset.path = p.path ?? '';
      figures.textContent = [
        p.total === undefined ? formatBytes(p.bytes) : `${formatBytes(p.bytes)} of ${formatBytes(p.total)}`,
        formatRate(p.rate),
        `ETA ${formatEta(p.etaSeconds)}`,
        describePath(p.path),
      ].join(' · ');
    });
    transfer.on('done', (r) => {
      bar.value = 1;
      setState('done', `done (${formatBytes(r.bytes)})`);
      received?.().then(
        (files) => {
          for (const file of files) li.append(saveLink(file));
        },
        (err: unknown) => banner.show(err, 'Received, but the file cannot be read back'),
      );
    });
    transfer.on('error', (err) => {
      setState('failed', `failed [${err.code}]`);
      li.dataset.code = err.code;
    });
  };

  const showOffer = (offer: IncomingTransfer) => {
    const names = offer.files.map((f) => `${f.path} (${f.size === undefined ? '?' : formatBytes(f.size)})`);
    const who = offer.sender.username;
    const accept = el('button', { type: 'button', 'aria-label': `Accept files from ${who}` }, 'Accept');
    const decline = el(
      'button',
      { type: 'button', class: 'secondary', 'aria-label': `Decline files from ${who}` },
      'Decline',
    );
    const li = el(
      'li',
      { class: 'offer', 'data-sender': who, 'data-via': offer.via },
      el('span', { class: 'offer-from' }, `From ${who} (device ${offer.sender.deviceName}):`),
      el('ul', { class: 'offer-files' }, ...names.map((n) => el('li', { class: 'file-name' }, n))),
      // Sent while this device was offline: it waits, encrypted, on the relay until accepted.
      offer.via === 'relay' &&
        el('p', { class: 'offer-via muted' }, 'Stored on the relay (sent while you were offline).'),
      el('div', { class: 'actions' }, accept, decline),
    );
    const settle = () => {
      li.remove();
      syncEmpty();
    };
    // A re-offer of a transfer this browser was receiving before a reload: say so, and accepting
    // continues where it stopped (same folder, nothing to pick).
    let resuming: PartialReceiveInfo | undefined;
    void resumptionOf(offer).then((info) => {
      if (info === undefined || !li.isConnected) return;
      resuming = info;
      li.dataset.resuming = String(info.bytes);
      const percent = Math.floor(info.fraction * 100);
      li.insertBefore(
        el(
          'p',
          { class: 'offer-resume' },
          `Resuming at ${percent}% (${formatBytes(info.bytes)} of ${formatBytes(info.total)} already here).`,
        ),
        li.querySelector('.actions'),
      );
      accept.textContent = 'Resume';
      accept.setAttribute('aria-label', `Resume files from ${who} at ${percent}%`);
    });
    offer.on('cancelled', (err) => {
      settle();
      // The sender cancelled for good: free what an earlier page stored. A timed-out or
      // interrupted offer may come again (a restarted CLI re-offers the same transfer): keep it;
      // the SDK's 7-day sweep bounds how long.
      if (err.details?.reason === 'user') void discardPartialOf(offer);
    });
    accept.addEventListener('click', () => {
      settle();
      try {
        const accepted = acceptOffer(offer, resuming);
        track(accepted.transfer, `from ${who}: ${offer.files.map((f) => f.path).join(', ')}`, accepted.files);
      } catch (err) {
        banner.show(err, 'Could not accept the files');
      }
    });
    decline.addEventListener('click', () => {
      settle();
      offer.decline().catch((err: unknown) => banner.show(err, 'Could not decline'));
      void discardPartialOf(offer);
    });
    // Announced through the list's live region; focus stays where the user is typing.
    offers.append(li);
    syncEmpty();
  };

  const off = client.on('offer', showOffer);
  syncEmpty();
  return { element, track: (t, label) => track(t, label), close: off };
}

/** A link to save a received file: the browser's own download, from a blob URL. */
function saveLink(file: AcceptedFile): HTMLElement {
  const link = el('a', { href: file.url, download: file.name, class: 'save-link' }, `Save ${file.name}`);
  return el('span', { class: 'saved' }, ' ', link);
}
