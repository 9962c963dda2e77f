/**
 * Turns ICE state changes into one verdict: the connection is lost once it has been
 * `disconnected` or `failed` for longer than `graceMs` without recovering. `disconnected` is
 * often transient (a Wi-Fi hiccup, an ICE restart in flight), hence the grace period instead of
 * failing on the first bad state.
 *
 * @example
 * const dog = new IceWatchdog(5000, (state) => session.fail(state));
 * pc.addEventListener('iceconnectionstatechange', () => dog.update(pc.iceConnectionState));
 */
export class IceWatchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private badState: string | undefined;

  constructor(
    private readonly graceMs: number,
    private readonly onLost: (state: string) => void,
  ) {}

  /** Feed the current `iceConnectionState`. */
  update(state: RTCIceConnectionState): void {
    if (state === 'connected' || state === 'completed' || state === 'closed') {
      this.stop();
      return;
    }
    if (state === 'disconnected' || state === 'failed') {
      this.badState = state;
      // Keep the first deadline: flapping between the two bad states must not extend it.
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.onLost(this.badState ?? state);
      }, this.graceMs);
    }
    // 'new' and 'checking' (an ICE restart in flight) leave a running deadline alone.
  }

  /** Cancel any pending verdict. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
