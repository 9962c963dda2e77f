import { MetricName } from '../metric-names.ts';
import type { Metrics } from '../metrics.ts';

/**
 * Counters of the WebSocket gateway, kept in plain maps and flushed into the shared registry
 * about once a second. `Metrics.inc` builds a label key (object, sort, join) on every call;
 * at tens of thousands of frames per second that would cost more than routing the frame.
 *
 * @example
 * const counters = new WsCounters(ctx.metrics);
 * counters.message('signal');
 * counters.flush(); // also done by the gateway's interval and at shutdown
 */
export class WsCounters {
  private readonly messages = new Map<string, number>();
  /** `signal` frames, by far the most frequent type, counted without a map lookup. */
  private signalMessages = 0;
  private readonly errors = new Map<string, number>();
  private signals = 0;
  private dropped = 0;

  constructor(private readonly metrics: Metrics) {}

  message(type: string): void {
    if (type === 'signal') this.signalMessages += 1;
    else this.messages.set(type, (this.messages.get(type) ?? 0) + 1);
  }

  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  signalRouted(): void {
    this.signals += 1;
  }

  droppedFrame(): void {
    this.dropped += 1;
  }

  /** Rare events go straight to the registry. */
  authFailure(reason: string): void {
    this.metrics.inc(MetricName.wsAuthFailures, { reason });
  }

  serverClose(reason: string): void {
    this.metrics.inc(MetricName.wsServerCloses, { reason });
  }

  connections(n: number): void {
    this.metrics.set(MetricName.wsConnections, n);
  }

  /** Move the batched counts into the registry. */
  flush(): void {
    if (this.signalMessages > 0)
      this.metrics.inc(MetricName.wsMessages, { type: 'signal' }, this.signalMessages);
    this.signalMessages = 0;
    for (const [type, n] of this.messages) this.metrics.inc(MetricName.wsMessages, { type }, n);
    for (const [code, n] of this.errors) this.metrics.inc(MetricName.wsErrors, { code }, n);
    this.messages.clear();
    this.errors.clear();
    if (this.signals > 0) this.metrics.inc(MetricName.wsSignalsRouted, {}, this.signals);
    if (this.dropped > 0) this.metrics.inc(MetricName.wsDropped, {}, this.dropped);
    this.signals = 0;
    this.dropped = 0;
  }
}
