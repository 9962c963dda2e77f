import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../webrtc/typed-emitter.ts';
import { type GoodbyeSession, goodbyeOnPageHide } from './page-goodbye.ts';

/** A session that counts its `close` calls and emits `close` on the first, like PeerSession. */
class FakeSession extends TypedEmitter<{ close: () => void }> implements GoodbyeSession {
  closes = 0;
  close(): void {
    if (this.closes++ === 0) this.emit('close');
  }
}

describe('goodbyeOnPageHide', () => {
  it('closes the sessions still open when the page is hidden, each once, with one listener', () => {
    const page = new EventTarget();
    let listeners = 0;
    const add = page.addEventListener.bind(page);
    const counted = {
      addEventListener: (...args: Parameters<EventTarget['addEventListener']>) => {
        listeners++;
        add(...args);
      },
    };
    const track = goodbyeOnPageHide(counted);
    const [open, closedEarly, another] = [new FakeSession(), new FakeSession(), new FakeSession()];
    track(open);
    track(closedEarly);
    track(another);
    closedEarly.close();

    page.dispatchEvent(new Event('pagehide'));
    expect([open.closes, closedEarly.closes, another.closes]).toEqual([1, 1, 1]);
    expect(listeners).toBe(1);

    // Closed sessions left the set: a second pagehide (back from bfcache, hidden again) closes nothing twice.
    const later = new FakeSession();
    track(later);
    page.dispatchEvent(new Event('pagehide'));
    expect([open.closes, another.closes, later.closes]).toEqual([1, 1, 1]);
  });

  it("does nothing where there is no page (Node's globalThis has no addEventListener)", () => {
    const track = goodbyeOnPageHide();
    const s = new FakeSession();
    track(s);
    expect(s.closes).toBe(0);
  });
});
