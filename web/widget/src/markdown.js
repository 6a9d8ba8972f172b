// A tiny markdown renderer that builds DOM nodes: paragraphs, line breaks,
// "- " / "1. " lists, **bold**, *italic* and [links](url). Text only ever
// reaches the page through text nodes, so HTML in a message is shown as text.
// Links are kept only for http(s), tel and sms; anything else stays plain text.

const SAFE_URL = /^(https?:\/\/[^\s]+|tel:\+?[0-9][0-9\-]*|sms:\+?[0-9][0-9\-]*(\?&?body=[A-Za-z0-9%+]*)?)$/i;

export function safeUrl(url) {
  return typeof url === "string" && SAFE_URL.test(url.trim()) ? url.trim() : null;
}

const INLINE = [
  { type: "link", re: /\[([^\]\n]+)\]\(([^)\s]+)\)/ },
  { type: "strong", re: /\*\*(?=\S)([\s\S]*?\S)\*\*/ },
  { type: "strong", re: /__(?=\S)([\s\S]*?\S)__/ },
  { type: "em", re: /\*(?=[^\s*])([^*\n]*?[^\s*])\*/ },
  { type: "em", re: /(?<![A-Za-z0-9])_(?=[^\s_])([^_\n]*?[^\s_])_(?![A-Za-z0-9])/ },
];

// An <a> for an allowed URL (web links open in a new tab), or null.
export function safeLink(url, doc) {
  const href = safeUrl(url);
  if (!href) return null;
  const a = doc.createElement("a");
  a.href = href;
  if (/^https?:/i.test(href)) {
    a.target = "_blank";
    a.rel = "noopener noreferrer";
  }
  return a;
}

export function renderInline(text, doc) {
  const frag = doc.createDocumentFragment();
  let rest = text;
  while (rest) {
    let best = null;
    for (const rule of INLINE) {
      const m = rule.re.exec(rest);
      if (m && (best === null || m.index < best.m.index)) best = { rule, m };
    }
    if (!best) {
      frag.appendChild(doc.createTextNode(rest));
      break;
    }
    const { rule, m } = best;
    if (m.index > 0) frag.appendChild(doc.createTextNode(rest.slice(0, m.index)));
    if (rule.type === "link") {
      const a = safeLink(m[2], doc);
      if (a) {
        a.appendChild(renderInline(m[1], doc));
        frag.appendChild(a);
      } else {
        frag.appendChild(doc.createTextNode(m[1]));
      }
    } else {
      const el = doc.createElement(rule.type);
      el.appendChild(renderInline(m[1], doc));
      frag.appendChild(el);
    }
    rest = rest.slice(m.index + m[0].length);
  }
  return frag;
}

const BULLET = /^\s*[-*\u2022]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,3}[.)]\s+(.*)$/;

export function renderMarkdown(text, doc = document) {
  const frag = doc.createDocumentFragment();
  const blocks = String(text == null ? "" : text).replace(/\r\n?/g, "\n").split(/\n{2,}/);
  for (const block of blocks) {
    const lines = block.split("\n");
    let para = null;
    let list = null;
    let listType = null;
    for (const line of lines) {
      const bullet = BULLET.exec(line);
      const numbered = bullet ? null : NUMBERED.exec(line);
      const item = bullet || numbered;
      if (item) {
        const type = bullet ? "ul" : "ol";
        if (!list || listType !== type) {
          list = doc.createElement(type);
          listType = type;
          frag.appendChild(list);
        }
        para = null;
        const li = doc.createElement("li");
        li.appendChild(renderInline(item[1], doc));
        list.appendChild(li);
        continue;
      }
      list = null;
      if (!line.trim()) continue;
      if (para) {
        para.appendChild(doc.createElement("br"));
      } else {
        para = doc.createElement("p");
        frag.appendChild(para);
      }
      para.appendChild(renderInline(line, doc));
    }
  }
  return frag;
}
