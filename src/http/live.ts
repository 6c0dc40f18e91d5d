/**
 * WebSocket /api/live: clients subscribe to topics and receive JSON messages, each carrying the
 * feed offset it reflects.
 *
 *   → {"subscribe": "imports"}                        import progress
 *   → {"subscribe": "feed"}                           {"type": "feed", "offset"} for every stored batch
 *   → {"subscribe": "violations"}                     every violation change
 *   → {"subscribe": "violations", "rotation": "R1"}   changes of one rotation
 *   → {"unsubscribe": "violations", "rotation": "R1"}
 *   → {"subscribe": "window", "window": {"by": "rotation", "from": …, "start": 0, …}, "offset": 812, "id": "w3"}
 *                                                     changes inside one window of the planner
 *                                                     (one per connection; window-live.ts)
 *   ← {"type": "subscribed", "topic": "violations/R1"}
 *   ← {"type": "import", "offset": 0, "status": {...}}
 *   ← {"type": "violations", "offset": 1234, "rotationId": "R1", ...}
 *   ← {"type": "window", "id": "w3", "offset": 1240, "rows": [...], ...}
 *   ← {"type": "error", "detail": "..."} for a message the server does not understand
 *
 * Limits (README, Limits): a message over MAX_MESSAGE_BYTES closes the connection with 1009
 * (message too big), one over MAX_FRAME_BYTES is dropped with the connection by uWS before it is
 * read (no close frame: the client sees 1006); a subscription past MAX_SUBSCRIPTIONS on one
 * connection is refused with an error message (the connection and its other subscriptions stay).
 *
 * Backpressure is uWS's: past `maxBackpressure` buffered bytes a publish skips the socket and the
 * socket is closed, so a slow client is dropped (it reconnects and re-reads the state over HTTP)
 * and never grows the server's memory.
 */
import type uws from '@trufflesuite/uws-js-unofficial';

export const MAX_BACKPRESSURE = 1 << 20;
/** The largest message a client may send; a subscription is a few hundred bytes. Over it: close 1009. */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/** uWS's maxPayloadLength: it cuts the connection off without a close frame, hence a margin above
 * MAX_MESSAGE_BYTES within which the client is told why (1009). */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Topics (and the window channel) one connection may subscribe at once; the next gets an error message. */
export const MAX_SUBSCRIPTIONS = 64;

export type LiveTopic = 'imports' | 'feed' | 'violations' | `violations/${string}`;

/** One connection, as a channel sees it. */
export interface LiveClient {
  readonly id: number;
  /** Sends a JSON message; false (and nothing sent) once the connection is closed. */
  send(message: object): boolean;
}

/**
 * A topic whose subscriptions carry parameters and whose messages differ per connection (a
 * planner's window), which uWS's shared topics cannot express. `subscribe` gets the whole
 * message and throws an Error whose message goes back to the client as an error.
 */
export interface LiveChannel {
  subscribe(client: LiveClient, message: Record<string, unknown>): void;
  unsubscribe(client: LiveClient): void;
  /** The server is stopping: no more messages. */
  close(): void;
}

type Socket = uws.WebSocket<Record<string, never>>;

function topicOf(message: Record<string, unknown>, key: 'subscribe' | 'unsubscribe'): LiveTopic | string {
  const what = message[key];
  if (what === 'imports') return 'imports';
  if (what === 'feed') return 'feed';
  if (what === 'violations')
    return typeof message.rotation === 'string' && message.rotation.length > 0 ? `violations/${message.rotation}` : 'violations';
  return `unknown topic ${JSON.stringify(what)}; topics are "imports", "feed", "violations" (optionally with "rotation") and "window" (with "window")`;
}

const TOO_MANY = `at most ${MAX_SUBSCRIPTIONS} subscriptions per connection; unsubscribe one first, or open another connection`;

/** Whether a connection holds MAX_SUBSCRIPTIONS subscriptions already (uWS topics and channels). */
function full(ws: Socket, channels: ReadonlySet<string> | undefined): boolean {
  return ws.getTopics().length + (channels?.size ?? 0) >= MAX_SUBSCRIPTIONS;
}

export class Live {
  private readonly sockets = new Set<Socket>();
  private readonly channels = new Map<string, LiveChannel>();
  private readonly clients = new Map<Socket, LiveClient & { closed: boolean; channels: Set<string> }>();
  private nextClient = 1;

  constructor(private readonly app: uws.TemplatedApp) {
    app.ws<Record<string, never>>('/api/live', {
      open: (ws) => {
        this.sockets.add(ws);
        const client = {
          id: this.nextClient++,
          closed: false,
          // The channels (window) it subscribed to; its topics are uWS's (getTopics).
          channels: new Set<string>(),
          send: (message: object) => {
            if (client.closed) return false;
            ws.send(JSON.stringify(message));
            return true;
          },
        };
        this.clients.set(ws, client);
      },
      close: (ws) => {
        this.sockets.delete(ws);
        const client = this.clients.get(ws);
        this.clients.delete(ws);
        if (client === undefined) return;
        client.closed = true;
        for (const channel of this.channels.values()) channel.unsubscribe(client);
      },
      maxPayloadLength: MAX_FRAME_BYTES,
      maxBackpressure: MAX_BACKPRESSURE,
      closeOnBackpressureLimit: 1,
      idleTimeout: 120,
      sendPingsAutomatically: true,
      message: (ws, data) => {
        if (data.byteLength > MAX_MESSAGE_BYTES) return void ws.end(1009, `message too big: the limit is ${MAX_MESSAGE_BYTES} bytes`);
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
        const channel = typeof message[key] === 'string' ? this.channels.get(message[key]) : undefined;
        const client = this.clients.get(ws);
        if (channel !== undefined && client !== undefined) {
          const topic = message[key] as string;
          try {
            // A channel checks the subscription at once and sends anything for it only later
            // (asynchronously), so the acknowledgement still comes first.
            if (key === 'subscribe') {
              // A channel holds one subscription per connection: a second one replaces the first.
              if (!client.channels.has(topic) && full(ws, client.channels)) throw new Error(TOO_MANY);
              channel.subscribe(client, message);
              client.channels.add(topic);
              ws.send(JSON.stringify({ type: 'subscribed', topic, ...(message.id === undefined ? {} : { id: message.id }) }));
            } else {
              channel.unsubscribe(client);
              client.channels.delete(topic);
              ws.send(JSON.stringify({ type: 'unsubscribed', topic }));
            }
          } catch (error) {
            ws.send(JSON.stringify({ type: 'error', topic, detail: error instanceof Error ? error.message : String(error) }));
          }
          return;
        }
        const topic = topicOf(message, key);
        if (topic.startsWith('unknown topic')) {
          ws.send(JSON.stringify({ type: 'error', detail: topic }));
          return;
        }
        if (key === 'subscribe' && !ws.isSubscribed(topic) && full(ws, client?.channels)) {
          ws.send(JSON.stringify({ type: 'error', topic, detail: TOO_MANY }));
          return;
        }
        if (key === 'subscribe') ws.subscribe(topic);
        else ws.unsubscribe(topic);
        ws.send(JSON.stringify({ type: key === 'subscribe' ? 'subscribed' : 'unsubscribed', topic }));
      },
    });
  }

  /** Adds a parameterised topic (see LiveChannel). */
  channel(topic: string, channel: LiveChannel): void {
    this.channels.set(topic, channel);
  }

  /** Closes every connection (graceful shutdown: clients see 1001 and reconnect elsewhere). */
  closeAll(): void {
    for (const channel of this.channels.values()) channel.close();
    for (const client of this.clients.values()) client.closed = true;
    for (const ws of [...this.sockets]) ws.end(1001, 'server shutting down');
    this.sockets.clear();
  }

  /** Sends `message` to the subscribers of `topic`; JSON-encoded once for all of them. */
  publish(topic: LiveTopic, message: { readonly type: string; readonly offset: number; readonly [k: string]: unknown }): void {
    this.app.publish(topic, JSON.stringify(message));
  }
}
