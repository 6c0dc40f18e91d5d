// The WebSocket to /api/live: subscribes to imports and violations, shows whether it is
// connected, and reconnects by itself with a capped backoff. On every (re)connect it calls
// `onOpen`, because messages sent while it was away are lost and the page must re-read the feed.

export class LiveSocket {
  /** @param {(msg:any)=>void} onMessage @param {()=>void} onOpen @param {(up:boolean)=>void} onState */
  constructor(onMessage, onOpen, onState) {
    this.onMessage = onMessage;
    this.onOpen = onOpen;
    this.onState = onState;
    this.delay = 250;
    this.connected = false;
    this.connect();
  }

  connect() {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`);
    this.ws = ws;
    ws.onopen = () => {
      this.delay = 250;
      this.connected = true;
      ws.send(JSON.stringify({ subscribe: 'violations' }));
      ws.send(JSON.stringify({ subscribe: 'imports' }));
      this.onState(true);
      this.onOpen();
    };
    ws.onmessage = (e) => {
      try {
        this.onMessage(JSON.parse(e.data));
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
}
