// The seam between the app and the browser SDK's transfer implementation (File/Blob sources, OPFS /
// picked-folder / capped-memory sinks): everything platform-specific about sending and receiving
// files is here, so the views stay the same when the SDK's browser pieces change.
import {
  acceptInto,
  discardPartial,
  type HypersendClient,
  type IncomingTransfer,
  type PartialReceiveInfo,
  partialReceiveOf,
  readReceivedFile,
  sendFiles as sdkSendFiles,
  sweepStalePartials,
  type Transfer,
} from '@hypersend/client/browser';

/** A received file the user can save: its name and an object URL of its bytes. */
export interface AcceptedFile {
  name: string;
  url: string;
}

/** An accepted offer: the running transfer and, once it is done, the files to save. */
export interface AcceptedOffer {
  transfer: Transfer;
  /** After `done`: every received file as an object URL (revoked when the page goes away). */
  files(): Promise<AcceptedFile[]>;
}

/**
 * Accept `offer` into the browser's origin-private storage (OPFS; memory with a cap where there
 * is none), one folder per transfer so equal names from different transfers never collide.
 *
 * @example
 * const { transfer, files } = acceptOffer(offer);
 * transfer.on('done', async () => show(await files()));
 */
export function acceptOffer(offer: IncomingTransfer, resuming?: PartialReceiveInfo): AcceptedOffer {
  // A resumption goes back where the page before the reload put it (the same folder anyway).
  const folder = resuming?.dir ?? `received/${offer.transferId}`;
  const transfer = acceptInto(offer, folder);
  return {
    transfer,
    files: async () => {
      const out: AcceptedFile[] = [];
      for (const { path } of offer.files) {
        const file = await readReceivedFile(folder, path);
        out.push({ name: path.split('/').pop() ?? path, url: URL.createObjectURL(file) });
      }
      return out;
    },
  };
}

/**
 * If `offer` continues a receive this browser started before a reload or crash: how far it got.
 *
 * @example
 * const resuming = await resumptionOf(offer); // { fraction: 0.43, ... } → "Resuming at 43%"
 */
export function resumptionOf(offer: IncomingTransfer): Promise<PartialReceiveInfo | undefined> {
  return partialReceiveOf(offer).catch(() => undefined);
}

/**
 * Free what an unfinished earlier receive of `offer` left in browser storage (declined, or the
 * sender withdrew the offer). Nothing to free is fine.
 */
export function discardPartialOf(offer: IncomingTransfer): Promise<void> {
  return discardPartial(offer.transferId).catch(() => undefined);
}

/** Delete partial receives nobody resumed for a week (the SDK's bound); run once at startup. */
export function sweepOldPartials(): Promise<void> {
  return sweepStalePartials().then(
    () => undefined,
    () => undefined,
  );
}

/**
 * Send `files` (from a file picker or a drop) to `username`; read in slices, never whole.
 *
 * @example
 * transfers.track(sendFiles(client, 'bob', [...input.files]), 'to bob');
 */
export function sendFiles(client: HypersendClient, username: string, files: readonly File[]): Transfer {
  return sdkSendFiles(client, username, files);
}
