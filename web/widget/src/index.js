// Unknot's chat widget. Embed with one script tag and a JSON config block:
//
//   <script type="application/json" id="unknot-widget-config">{"serverUrl": "...", ...}</script>
//   <script src="https://unknot.example/static/build/widget.js" defer></script>
//
// (or call window.UnknotWidget.init({...}) from your own script). No inline
// script is needed, so pages with a strict Content-Security-Policy can host it.
import "./widget.css";
import { Connection } from "./connection.js";
import { pickRegion, renderBar, renderLines } from "./crisis.js";
import { renderMarkdown } from "./markdown.js";

const CONFIG_ID = "unknot-widget-config";
const DEFAULTS = {
  serverUrl: "",
  socketPath: "/socket.io",
  userMessageEvent: "user_uttered",
  title: "Unknot",
  subtitle: "Automated support for stress-related back pain. Not a clinician.",
  launcherLabel: "Chat with Unknot",
  initPayload: "/greet",
  locale: "",
  colors: {},
  crisis: { fallback: "INTL", regions: {} },
};
const DEFAULT_COLORS = { primary: "#1d4f91", primaryText: "#ffffff", background: "#ffffff", text: "#1a1a1a" };

// ---------------------------------------------------------------- helpers
function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) node.appendChild(child);
  return node;
}

function luminance(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
  if (!m) return null;
  const channels = [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a, b) {
  const la = luminance(a);
  const lb = luminance(b);
  if (la === null || lb === null) return 0;
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

// Keep configured colours only when text on them stays readable (WCAG AA, 4.5:1).
function readableColors(configured) {
  const c = { ...DEFAULT_COLORS };
  for (const key of Object.keys(c)) {
    if (typeof configured[key] === "string" && /^#[0-9a-f]{6}$/i.test(configured[key])) c[key] = configured[key];
  }
  if (contrast(c.primary, c.primaryText) < 4.5) {
    c.primaryText = contrast(c.primary, "#ffffff") >= contrast(c.primary, "#000000") ? "#ffffff" : "#000000";
  }
  if (contrast(c.background, c.text) < 4.5) {
    c.background = DEFAULT_COLORS.background;
    c.text = DEFAULT_COLORS.text;
  }
  if (contrast(c.primary, c.background) < 3) c.primary = DEFAULT_COLORS.primary;
  if (contrast(c.primary, c.primaryText) < 4.5) c.primaryText = DEFAULT_COLORS.primaryText;
  return c;
}

function browserLocales(configured) {
  if (configured) return [configured];
  const list = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]);
  return list.filter(Boolean);
}

// ---------------------------------------------------------------- widget
class Widget {
  constructor(config) {
    this.config = { ...DEFAULTS, ...config, colors: { ...(config.colors || {}) } };
    if (!this.config.serverUrl) throw new Error("Unknot widget: serverUrl is required");
    this.locales = browserLocales(this.config.locale);
    this.locale = this.locales[0] || "en";
    this.timeFormat = new Intl.DateTimeFormat(this.locale, { hour: "2-digit", minute: "2-digit" });
    this.deliveryNodes = new Map();
    this.stateKey = `unknot-widget-open:${this.config.serverUrl}`;
    this.hasMessages = false;
    this.greeted = false;
    // The first bot message of the reply now arriving (see landReply), or null
    // before the next reply's first message.
    this.replyStart = null;
    this.build();
    this.connection = new Connection({
      serverUrl: this.config.serverUrl,
      socketPath: this.config.socketPath,
      userMessageEvent: this.config.userMessageEvent,
      locale: this.locale,
      onStatus: (status) => this.showStatus(status),
      onSession: (session) => this.onSession(session),
      onMessage: (message) => this.addBotMessage(message, new Date()),
      onTyping: (typing) => this.showTyping(typing),
      onCrisisState: (active, youth) => this.onCrisisState(active, youth),
      onDelivery: (item, state) => this.showDelivery(item, state),
    });
    // The crisis bar's flag sits next to the session token, in the same storage
    // (localStorage, or memory when that is blocked), under a key of its own:
    // "unknot-widget:..." keys are the session's. It names the conversation it
    // belongs to, so a reload brings the bar back at once (even offline) and a new
    // conversation starts without it.
    this.crisisBarKey = `unknot-crisis-bar:${this.config.serverUrl}${this.config.socketPath}`;
    const barState = this.savedCrisisBar();
    if (barState && barState.sessionId === this.connection.saved().sessionId && !barState.hidden) {
      this.showCrisisBar(true);
    }
    window.addEventListener("beforeunload", (event) => {
      if (this.connection.pending() > 0) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    let wasOpen = false;
    try {
      wasOpen = window.sessionStorage.getItem(this.stateKey) === "open";
    } catch (e) { /* storage blocked: start closed */ }
    // No connection until the widget is opened; a widget that was open before a
    // reload opens again (and resumes its conversation).
    if (wasOpen) this.open({ focus: false });
  }

  build() {
    const c = this.config;
    const colors = readableColors(c.colors);
    this.root = el("div", { className: "unknot-widget", "data-unknot-widget": true });
    for (const [key, value] of Object.entries(colors)) {
      this.root.style.setProperty(`--unknot-${key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`, value);
    }

    // Closed state: the launcher, and "Get help now" right beside it.
    this.launcherHelp = el("button", { type: "button", className: "unknot-help unknot-help--launcher", text: "Get help now" });
    this.launcher = el("button", {
      type: "button", className: "unknot-launcher", "aria-expanded": "false", "aria-controls": "unknot-panel",
      text: c.launcherLabel,
    });
    this.launcherBar = el("div", { className: "unknot-launcher-bar" }, [this.launcherHelp, this.launcher]);

    // Header
    this.helpButton = el("button", {
      type: "button", className: "unknot-help", "aria-expanded": "false", "aria-controls": "unknot-crisis",
      text: "Get help now",
    });
    this.closeButton = el("button", { type: "button", className: "unknot-close", "aria-label": "Close chat", text: "\u00d7" });
    const header = el("div", { className: "unknot-header" }, [
      el("div", { className: "unknot-titles" }, [
        el("h2", { id: "unknot-title", className: "unknot-title", text: c.title }),
        el("p", { className: "unknot-subtitle", text: c.subtitle }),
      ]),
      this.helpButton,
      this.closeButton,
    ]);

    // Crisis lines panel (no round trip: from the config)
    const regions = (c.crisis && c.crisis.regions) || {};
    this.region = pickRegion(c.crisis, this.locales);
    this.crisisHeading = el("h3", { id: "unknot-crisis-title", tabindex: "-1", text: "Get help now" });
    this.crisisList = el("ul", { className: "unknot-crisis-lines" });
    this.regionSelect = el("select", { id: "unknot-region" });
    for (const [code, region] of Object.entries(regions)) {
      const option = el("option", { value: code, text: region.name });
      if (code === this.region) option.selected = true;
      this.regionSelect.appendChild(option);
    }
    this.crisisBack = el("button", { type: "button", className: "unknot-secondary", text: "Back to the chat" });
    this.crisis = el("section", {
      id: "unknot-crisis", className: "unknot-crisis", "aria-labelledby": "unknot-crisis-title", hidden: true,
    }, [
      this.crisisHeading,
      el("p", { text: "If you might hurt yourself or you are in danger, please contact one of these now. You don't have to go through this alone." }),
      this.crisisList,
      el("p", { className: "unknot-region" }, [
        el("label", { for: "unknot-region", text: "Lines for " }),
        this.regionSelect,
      ]),
      this.crisisBack,
    ]);
    renderLines(this.crisisList, regions[this.region], document);

    // Conversation
    this.status = el("p", { className: "unknot-status", role: "status" });
    this.log = el("ol", {
      className: "unknot-log", role: "log", "aria-live": "polite", "aria-label": "Conversation with Unknot",
      tabindex: "0",
    });
    this.typing = el("p", { className: "unknot-typing", hidden: true }, [
      el("span", { className: "unknot-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
      el("span", { text: `${c.title} is typing\u2026` }),
    ]);
    this.input = el("textarea", {
      id: "unknot-input", className: "unknot-input", rows: "2", maxlength: "2000", autocomplete: "off",
      placeholder: "Type your message",
    });
    // The slim crisis bar: shown once a bot message has carried a tel:/sms: link,
    // outside the scrolling log so it stays in view while the conversation moves.
    this.crisisBarList = el("ul", { className: "unknot-crisis-bar-links" });
    this.crisisBarHide = el("button", {
      type: "button", className: "unknot-crisis-bar-hide", "aria-label": "Hide crisis lines", text: "Hide",
    });
    this.crisisBar = el("section", {
      className: "unknot-crisis-bar", "aria-label": "Crisis lines", hidden: true,
    }, [this.crisisBarList, this.crisisBarHide]);
    renderBar(this.crisisBarList, regions[this.region], document);
    this.sendButton = el("button", { type: "submit", className: "unknot-send", text: "Send" });
    this.form = el("form", { className: "unknot-form" }, [
      el("label", { for: "unknot-input", className: "unknot-visually-hidden", text: `Message to ${c.title}` }),
      this.input,
      this.sendButton,
    ]);

    this.panel = el("section", {
      id: "unknot-panel", className: "unknot-panel", "aria-labelledby": "unknot-title", hidden: true,
    }, [header, this.crisis, this.status, this.log, this.typing, this.crisisBar, this.form]);

    this.root.appendChild(this.panel);
    this.root.appendChild(this.launcherBar);
    document.body.appendChild(this.root);

    // Events
    this.launcher.addEventListener("click", () => this.open());
    this.launcherHelp.addEventListener("click", () => { this.open({ focus: false }); this.showCrisis(true); });
    this.closeButton.addEventListener("click", () => this.close());
    this.helpButton.addEventListener("click", () => this.showCrisis(this.crisis.hidden));
    this.crisisBack.addEventListener("click", () => this.showCrisis(false));
    this.regionSelect.addEventListener("change", () => {
      this.region = this.regionSelect.value;
      renderLines(this.crisisList, regions[this.region], document);
      // someone who picked their region in "Get help now" gets its lines in the bar too
      renderBar(this.crisisBarList, regions[this.region], document, Boolean(this.youth));
      this.markCrisisBarOverflow();
    });
    // The fade that says "more lines this way" goes once the row is scrolled to its end.
    this.crisisBarList.addEventListener("scroll", () => this.markCrisisBarOverflow(), { passive: true });
    window.addEventListener("resize", () => this.markCrisisBarOverflow());
    this.crisisBarHide.addEventListener("click", () => {
      this.showCrisisBar(false);
      // the focused button has gone: carry on where people type
      this.input.focus();
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      // Enter sends, Shift+Enter makes a new line.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.panel.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      if (!this.crisis.hidden) this.showCrisis(false);
      else this.close();
    });
  }

  // ------------------------------------------------------------ open / close
  open({ focus = true } = {}) {
    this.panel.hidden = false;
    this.launcherBar.hidden = true;
    this.launcher.setAttribute("aria-expanded", "true");
    try { window.sessionStorage.setItem(this.stateKey, "open"); } catch (e) { /* ignore */ }
    this.connection.start();
    this.maybeGreet();
    this.markCrisisBarOverflow();  // a bar restored while closed had no width to measure
    if (focus) this.input.focus();
  }

  close() {
    this.panel.hidden = true;
    this.launcherBar.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    try { window.sessionStorage.removeItem(this.stateKey); } catch (e) { /* ignore */ }
    this.launcher.focus();
  }

  showCrisis(show) {
    this.crisis.hidden = !show;
    this.helpButton.setAttribute("aria-expanded", String(show));
    if (show) this.crisisHeading.focus();
    else this.helpButton.focus();
  }

  // ------------------------------------------------------------ session
  onSession(session) {
    if (session.changed) {
      this.addNotice("A new conversation has started (the earlier one could not be resumed).");
      this.hasMessages = false;
      this.greeted = false;
      this.replyStart = null;  // its welcome is a reply of its own
    }
    // The bar belongs to one conversation: drop it when this is another one.
    const barState = this.savedCrisisBar();
    if (barState && barState.sessionId !== session.sessionId) {
      this.forgetCrisisBar();
      this.showCrisisBar(false, { save: false });
    }
    if (session.firstTime && session.history && session.history.length) {
      this.log.setAttribute("aria-busy", "true");
      const items = session.history;
      items.forEach((m, i) => {
        const when = m.time ? new Date(m.time) : null;
        if (m.from === "user") this.addUserMessage(m.text, when);
        else {
          this.addBotMessage({ text: m.text, quick_replies: i === items.length - 1 ? m.quick_replies : null }, when,
            { replay: true });
        }
      });
      this.log.removeAttribute("aria-busy");
      // history after a reload opens at its end, as it always has
      this.replyStart = null;
      this.scrollToEnd();
    }
    this.maybeGreet();
  }

  maybeGreet() {
    // A new conversation starts with the bot's welcome, only once the widget is open.
    if (this.panel.hidden || this.greeted || this.hasMessages || !this.connection.sessionId) return;
    this.greeted = true;
    if (this.config.initPayload) this.connection.send(this.config.initPayload, { hidden: true });
  }

  // ------------------------------------------------------------ messages
  submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.send(text, text);
  }

  send(message, shownAs) {
    this.clearQuickReplies();
    // Whatever the bot says next is the reply to this message.
    this.replyStart = null;
    const item = this.connection.send(message, { title: shownAs });
    const node = this.addUserMessage(shownAs, new Date());
    this.attachDelivery(item, node);
  }

  stamp(when) {
    const date = when instanceof Date && !Number.isNaN(when.getTime()) ? when : new Date();
    return el("time", { className: "unknot-time", datetime: date.toISOString(), text: this.timeFormat.format(date) });
  }

  addUserMessage(text, when) {
    this.hasMessages = true;
    const li = el("li", { className: "unknot-msg unknot-msg--user" }, [
      el("span", { className: "unknot-visually-hidden", text: "You said: " }),
      el("div", { className: "unknot-bubble", text }),
      this.stamp(when),
    ]);
    this.log.appendChild(li);
    this.scrollToEnd();
    return li;
  }

  addBotMessage(message, when, { replay = false } = {}) {
    if (!message || typeof message !== "object") return;
    this.hasMessages = true;
    const bubble = el("div", { className: "unknot-bubble" });
    if (typeof message.text === "string" && message.text) bubble.appendChild(renderMarkdown(message.text, document));
    const li = el("li", { className: "unknot-msg unknot-msg--bot" }, [
      el("span", { className: "unknot-visually-hidden", text: `${this.config.title} said: ` }),
      bubble,
      this.stamp(when),
    ]);
    const replies = Array.isArray(message.quick_replies) ? message.quick_replies
      : (Array.isArray(message.buttons) ? message.buttons : []);
    if (replies.length) {
      this.clearQuickReplies();
      const group = el("div", { className: "unknot-replies", role: "group", "aria-label": "Suggested replies" });
      for (const reply of replies) {
        if (!reply || typeof reply.title !== "string" || typeof reply.payload !== "string") continue;
        const button = el("button", { type: "button", className: "unknot-reply", text: reply.title });
        button.addEventListener("click", () => {
          this.send(reply.payload, reply.title);
          this.input.focus();
        });
        group.appendChild(button);
      }
      li.appendChild(group);
    }
    this.log.appendChild(li);
    if (replay) return;  // onSession scrolls once the whole history is in
    // A crisis reply carries tap-to-call/text links; from then on the lines stay
    // in the bar for this conversation (shown again by a later crisis reply even
    // if hidden in between). The bar goes in before the scroll below, because it
    // takes height from the log.
    if (bubble.querySelector('a[href^="tel:" i], a[href^="sms:" i]')) this.showCrisisBar(true);
    if (!this.replyStart) this.replyStart = li;
    this.landReply();
  }

  addNotice(text) {
    this.log.appendChild(el("li", { className: "unknot-msg unknot-msg--notice", text }));
    this.scrollToEnd();
  }

  clearQuickReplies() {
    for (const group of this.log.querySelectorAll(".unknot-replies")) group.remove();
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  // Land on the start of the reply. A reply of several messages (the crisis reply,
  // the welcome, the coping tips) can be taller than the log, and on a phone
  // scrolling to the end would push its first message (the one with the crisis
  // numbers) off the top. So scroll to the end only as far as the reply's first
  // message reaching the top of the log; the rest is read by scrolling down.
  landReply() {
    const log = this.log;
    const start = this.replyStart;
    if (!start || !start.isConnected) {
      this.scrollToEnd();
      return;
    }
    const padding = parseFloat(window.getComputedStyle(log).paddingTop) || 0;
    const startTop = start.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop - padding;
    const end = log.scrollHeight - log.clientHeight;
    log.scrollTop = Math.max(0, Math.min(startTop, end));
  }

  // ------------------------------------------------------------ states
  attachDelivery(item, node) {
    const label = el("span", { className: "unknot-delivery" });
    node.appendChild(label);
    this.deliveryNodes.set(item.clientId, label);
    this.showDelivery(item, this.connection.ready ? "sending" : "waiting");
  }

  showDelivery(item, state) {
    const label = this.deliveryNodes.get(item.clientId);
    if (!label) return;
    const texts = {
      sending: "Sending\u2026",
      waiting: "Not sent yet: no connection. It will be sent when the connection is back.",
      sent: "",
      failed: "Not sent: the message could not be delivered. Please try again.",
    };
    label.textContent = texts[state] || "";
    label.dataset.state = state;
    if (state === "sent") this.deliveryNodes.delete(item.clientId);
    if (state === "waiting" || state === "failed") this.status.textContent = label.textContent;
  }

  // ------------------------------------------------------------ crisis bar
  savedCrisisBar() {
    try {
      return JSON.parse(this.connection.store.getItem(this.crisisBarKey) || "null");
    } catch (e) {
      return null;
    }
  }

  forgetCrisisBar() {
    try { this.connection.store.removeItem(this.crisisBarKey); } catch (e) { /* ignore */ }
  }

  showCrisisBar(show, { save = true } = {}) {
    // A region without a tap-to-call/text line (only web pages) has nothing for the bar.
    const visible = show && this.crisisBarList.children.length > 0;
    // Keep the reader's place: the bar takes its height from the bottom of the
    // log, so a log scrolled to its end would otherwise hide its last lines.
    const atEnd = this.log.scrollHeight - this.log.clientHeight - this.log.scrollTop < 2;
    this.crisisBar.hidden = !visible;
    if (atEnd) this.scrollToEnd();
    this.markCrisisBarOverflow();
    // before the session is confirmed (a reload while offline) the bar is the stored conversation's
    const sessionId = this.connection && (this.connection.sessionId || this.connection.saved().sessionId);
    if (!save || !sessionId) return;
    try {
      this.connection.store.setItem(this.crisisBarKey, JSON.stringify({ sessionId, hidden: !show }));
    } catch (e) { /* ignore: the bar just won't survive a reload */ }
  }

  // The server says after each turn whether the crisis conversation goes on. When it has
  // ended (the person said they are safe and went on), the bar goes, and a later crisis
  // reply brings it back.
  onCrisisState(active, youth) {
    if (youth && !this.youth) {
      this.youth = true;  // said they are under 18: the lines for young people lead the bar
      const regions = (this.config.crisis && this.config.crisis.regions) || {};
      renderBar(this.crisisBarList, regions[this.region], document, true);
      this.markCrisisBarOverflow();
    }
    if (active || this.crisisBar.hidden && !this.savedCrisisBar()) return;
    this.showCrisisBar(false, { save: false });
    this.forgetCrisisBar();
  }

  markCrisisBarOverflow() {
    const row = this.crisisBarList;
    row.toggleAttribute("data-more", !this.crisisBar.hidden && row.scrollLeft + row.clientWidth < row.scrollWidth - 1);
  }

  showTyping(typing) {
    this.typing.hidden = !typing;
    if (typing) this.scrollToEnd();
  }

  showStatus(status) {
    this.root.dataset.connection = status;
    if (status === "online") {
      this.status.textContent = "";
    } else if (status === "offline") {
      this.status.textContent = "Connection lost. Reconnecting\u2026 Messages you type will be sent when it is back.";
    } else if (!this.status.textContent) {
      this.status.textContent = "Connecting\u2026";
    }
  }
}

// ---------------------------------------------------------------- start
function readConfig() {
  const block = document.getElementById(CONFIG_ID);
  if (!block) return null;
  try {
    return JSON.parse(block.textContent);
  } catch (e) {
    console.error("Unknot widget: the config block is not valid JSON", e);
    return null;
  }
}

let instance = null;
export function init(config) {
  if (instance) return instance;
  instance = new Widget(config || {});
  return instance;
}

window.UnknotWidget = { init };

function autoStart() {
  const config = readConfig();
  if (config) init(config);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autoStart);
else autoStart();
