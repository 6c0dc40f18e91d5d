// The WebSocket to /api/live: subscribes to imports and violations, and to the window the chart
// shows; says whether it is connected, and reconnects by itself with a capped backoff. Once the
// server has acknowledged the violations subscription it calls `onSubscribed`: from then on no
// change can slip past the page (it is either in a read started after the ack or announced on the
// socket), so that is when the page re-reads what it missed while away.

export class LiveSocket {
  /** @param {(msg:any)=>void} onMessage @param {()=>void} onSubscribed @param {(up:boolean)=>void} onState */
  constructor(onMessage, onSubscribed, onState) {
    this.onMessage = onMessage;
    this.onSubscribed = onSubscribed;
    this.onState = onState;
    this.delay = 250;
    this.connected = false;
    /** The window subscription to (re)send: see subscribeWindow. */
    this.window = null;
    this.connect();
  }

  connect() {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`);
    this.ws = ws;
    ws.onopen = () => {
      this.delay = 250;
      ws.send(JSON.stringify({ subscribe: 'imports' }));
      ws.send(JSON.stringify({ subscribe: 'violations' }));
      if (this.window) ws.send(JSON.stringify(this.window));
    };
    ws.onmessage = (e) => {
      try {
        const msg = JSON.parse(e.data);
        if (msg.type === 'subscribed' && msg.topic === 'violations') {
          this.connected = true;
          this.onState(true);
          this.onSubscribed();
        } else this.onMessage(msg);
      } catch (error) {
        console.error('live message', error);
      }
    };
    ws.onclose = () => {
      this.onState(false);
      this.connected = false;
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(5_000, this.delay * 2);
    };
  }

  /**
   * Follows one window (the parameters of GET /api/window) from `offset`, the offset of the answer
   * the page holds: the server sends only the rows that change inside it, tagged with `id`.
   */
  subscribeWindow(id, window, offset) {
    this.window = { subscribe: 'window', id, window, offset };
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(this.window));
  }
}
