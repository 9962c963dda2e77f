// Batches `delivered` receipts: one per conversation per 100 ms at most, however many messages
// arrive, so catching up on a thousand messages sends a handful of frames and not a thousand.
import type { Logger } from '../api/runtime.ts';
import type { SignalingClient } from '../signaling/signaling-client.ts';

const BATCH_MS = 100;

/**
 * Acknowledges received messages as delivered, cumulatively and in batches.
 *
 * @example
 * const receipts = new DeliveredReceipts(() => client.signaling, log);
 * receipts.note(conversationId, message.seq);
 * receipts.close();
 */
export class DeliveredReceipts {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly highest = new Map<string, number>();

  constructor(
    private readonly signaling: () => SignalingClient | undefined,
    private readonly log: Logger,
  ) {}

  /** `seq` of `conversation` was received; the receipt covering it goes out within 100 ms. */
  note(conversation: string, seq: number): void {
    this.highest.set(conversation, Math.max(seq, this.highest.get(conversation) ?? 0));
    if (this.timers.has(conversation)) return;
    const timer = setTimeout(() => {
      this.timers.delete(conversation);
      const upTo = this.highest.get(conversation);
      const signaling = this.signaling();
      if (upTo === undefined || signaling === undefined || signaling.state !== 'open') return;
      signaling
        .chatRequest({ type: 'chat.receipt', conversation, kind: 'delivered', seq: upTo })
        .catch((err: unknown) => this.log.debug({ err }, 'delivered receipt failed'));
    }, BATCH_MS);
    (timer as { unref?: () => void }).unref?.();
    this.timers.set(conversation, timer);
  }

  /** Drop pending receipts (their timers); nothing is sent after this. */
  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
