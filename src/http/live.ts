/**
 * WebSocket /api/live: clients subscribe to topics and receive JSON messages, each carrying the
 * feed offset it reflects.
 *
 *   → {"subscribe": "imports"}                        import progress
 *   → {"subscribe": "feed"}                           {"type": "feed", "offset"} for every stored batch
 *   → {"subscribe": "violations"}                     every violation change
 *   → {"subscribe": "violations", "rotation": "R1"}   changes of one rotation
 *   → {"unsubscribe": "violations", "rotation": "R1"}
 *   ← {"type": "subscribed", "topic": "violations/R1"}
 *   ← {"type": "import", "offset": 0, "status": {...}}
 *   ← {"type": "violations", "offset": 1234, "rotationId": "R1", ...}
 *   ← {"type": "error", "detail": "..."} for a message the server does not understand
 *
 * Backpressure is uWS's: past `maxBackpressure` buffered bytes a publish skips the socket and the
 * socket is closed, so a slow client is dropped (it reconnects and re-reads the state over HTTP)
 * and never grows the server's memory.
 */
import type uws from '@trufflesuite/uws-js-unofficial';

export const MAX_BACKPRESSURE = 1 << 20;

export type LiveTopic = 'imports' | 'feed' | 'violations' | `violations/${string}`;

function topicOf(message: Record<string, unknown>, key: 'subscribe' | 'unsubscribe'): LiveTopic | string {
  const what = message[key];
  if (what === 'imports') return 'imports';
  if (what === 'feed') return 'feed';
  if (what === 'violations') return typeof message.rotation === 'string' && message.rotation.length > 0 ? `violations/${message.rotation}` : 'violations';
  return `unknown topic ${JSON.stringify(what)}; topics are "imports", "feed" and "violations" (optionally with "rotation")`;
}

export class Live {
  private readonly sockets = new Set<uws.WebSocket<Record<string, never>>>();

  constructor(private readonly app: uws.TemplatedApp) {
    app.ws<Record<string, never>>('/api/live', {
      open: (ws) => void this.sockets.add(ws),
      close: (ws) => void this.sockets.delete(ws),
      maxPayloadLength: 16 * 1024,
      maxBackpressure: MAX_BACKPRESSURE,
      closeOnBackpressureLimit: 1,
      idleTimeout: 120,
      sendPingsAutomatically: true,
      message: (ws, data) => {
        let message: Record<string, unknown>;
        try {
          const parsed: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
          message = parsed as Record<string, unknown>;
        } catch {
          ws.send(JSON.stringify({ type: 'error', detail: 'messages must be JSON objects like {"subscribe": "violations"}' }));
          return;
        }
        const key = 'subscribe' in message ? 'subscribe' : 'unsubscribe' in message ? 'unsubscribe' : undefined;
        if (key === undefined) {
          ws.send(JSON.stringify({ type: 'error', detail: 'expected "subscribe" or "unsubscribe"' }));
          return;
        }
        const topic = topicOf(message, key);
        if (topic.startsWith('unknown topic')) {
          ws.send(JSON.stringify({ type: 'error', detail: topic }));
          return;
        }
        if (key === 'subscribe') ws.subscribe(topic);
        else ws.unsubscribe(topic);
        ws.send(JSON.stringify({ type: key === 'subscribe' ? 'subscribed' : 'unsubscribed', topic }));
      },
    });
  }

  /** Closes every connection (graceful shutdown: clients see 1001 and reconnect elsewhere). */
  closeAll(): void {
    for (const ws of [...this.sockets]) ws.end(1001, 'server shutting down');
    this.sockets.clear();
  }

  /** Sends `message` to the subscribers of `topic`; JSON-encoded once for all of them. */
  publish(topic: LiveTopic, message: { readonly type: string; readonly offset: number; readonly [k: string]: unknown }): void {
    this.app.publish(topic, JSON.stringify(message));
  }
}
