// The widget's connection to Rasa's socket.io channel (bot/channels/socketio.py).
//
// - The server issues the conversation id with a signed token; the token is kept
//   in localStorage and shown again on every (re)connect to resume the conversation.
// - Outgoing messages go through a queue: each is sent only while the session is
//   confirmed, one at a time, and leaves the queue only when the server has
//   acknowledged it. Messages typed offline wait and go out after reconnecting;
//   the UI is told about every state ("sending", "waiting", "sent", "failed").
import { io } from "socket.io-client";

const ACK_TIMEOUT_MS = 10000;

function storage() {
  try {
    const probe = "__unknot_probe__";
    window.localStorage.setItem(probe, "1");
    window.localStorage.removeItem(probe);
    return window.localStorage;
  } catch (e) {
    const memory = {};
    return {
      getItem: (k) => (k in memory ? memory[k] : null),
      setItem: (k, v) => { memory[k] = String(v); },
      removeItem: (k) => { delete memory[k]; },
    };
  }
}

export function newClientId() {
  const bytes = new Uint8Array(12);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Connection {
  constructor(options) {
    this.options = options;
    this.store = storage();
    this.storageKey = `unknot-widget:${options.serverUrl}${options.socketPath}`;
    this.queue = [];
    this.inFlight = null;
    this.ready = false;
    this.sessionId = null;
    this.confirmedOnce = false;
    this.socket = null;
  }

  saved() {
    try {
      return JSON.parse(this.store.getItem(this.storageKey) || "null") || {};
    } catch (e) {
      return {};
    }
  }

  start() {
    if (this.socket) return;
    const o = this.options;
    this.socket = io(o.serverUrl, {
      path: o.socketPath,
      transports: ["websocket", "polling"],
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
    });
    const s = this.socket;
    s.on("connect", () => {
      o.onStatus("connecting");
      s.emit("session_request", { token: this.saved().token || null });
    });
    s.on("session_confirm", (data) => this.onSessionConfirm(data));
    s.on("bot_uttered", (message) => o.onMessage(message));
    s.on("bot_typing", (data) => o.onTyping(Boolean(data && data.typing)));
    // after every turn: is the conversation still in the crisis conversation?
    s.on("crisis_state", (data) => {
      if (o.onCrisisState) o.onCrisisState(Boolean(data && data.active), Boolean(data && data.youth));
    });
    s.on("disconnect", () => {
      this.ready = false;
      o.onTyping(false);
      o.onStatus("offline");
      for (const item of this.queue) o.onDelivery(item, "waiting");
    });
    s.on("connect_error", () => {
      this.ready = false;
      o.onStatus("offline");
    });
  }

  async onSessionConfirm(data) {
    if (!data || typeof data.session_id !== "string" || typeof data.token !== "string") return;
    const o = this.options;
    const previous = this.sessionId;
    this.sessionId = data.session_id;
    this.store.setItem(this.storageKey, JSON.stringify({ sessionId: data.session_id, token: data.token }));
    let history = null;
    if (data.resumed && !this.confirmedOnce) {
      try {
        const answer = await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck("history_request", {});
        history = answer && answer.ok ? answer.messages || [] : [];
      } catch (e) {
        history = [];
      }
    }
    const firstTime = !this.confirmedOnce;
    this.confirmedOnce = true;
    o.onSession({
      sessionId: data.session_id,
      resumed: Boolean(data.resumed),
      firstTime,
      changed: previous !== null && previous !== data.session_id,
      history,
    });
    this.ready = true;
    o.onStatus("online");
    this.flush();
  }

  // Queue a message; `hidden` ones (the opening payload) are not shown as the user's.
  send(text, extra = {}) {
    const item = { clientId: newClientId(), text, hidden: Boolean(extra.hidden), title: extra.title || text };
    this.queue.push(item);
    this.options.onDelivery(item, this.ready ? "sending" : "waiting");
    this.flush();
    return item;
  }

  pending() {
    return this.queue.filter((item) => !item.hidden).length;
  }

  flush() {
    if (!this.ready || this.inFlight || !this.queue.length) return;
    const item = this.queue[0];
    this.inFlight = item;
    const payload = {
      message: item.text,
      client_id: item.clientId,
      metadata: { locale: this.options.locale },
    };
    this.socket.timeout(ACK_TIMEOUT_MS).emit(this.options.userMessageEvent, payload, (err, ack) => {
      this.inFlight = null;
      if (err) {
        // No acknowledgement (connection dropped or slow): keep it and retry with the
        // same client id, so the server ignores a copy that did arrive.
        if (this.ready) setTimeout(() => this.flush(), 1000);
        return;
      }
      if (ack && ack.ok) {
        this.queue.shift();
        this.options.onDelivery(item, "sent");
      } else if (ack && ack.error === "no_session") {
        this.ready = false;
        this.socket.emit("session_request", { token: this.saved().token || null });
        return;
      } else {
        this.queue.shift();
        this.options.onDelivery(item, "failed");
      }
      this.flush();
    });
  }
}
