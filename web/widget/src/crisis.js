// "Get help now": the crisis lines, shown from the config the page was rendered
// with (bot/safety/crisis_lines.yml), so they appear at once, even offline.
import { safeLink } from "./markdown.js";

const ALIASES = { UK: "GB" };

// Same rule as bot.safety.resources.region_from_locale: "en-GB" -> "GB", "en" -> null.
export function regionFromLocale(locale, regions) {
  if (typeof locale !== "string") return null;
  const parts = locale.trim().split(".")[0].split("@")[0].split(/[-_]/).filter(Boolean);
  for (let i = parts.length - 1; i >= 1; i -= 1) {
    if (/^[A-Za-z]{2}$/.test(parts[i])) {
      const code = ALIASES[parts[i].toUpperCase()] || parts[i].toUpperCase();
      return regions && regions[code] ? code : null;
    }
  }
  return null;
}

export function pickRegion(crisis, locales) {
  const regions = (crisis && crisis.regions) || {};
  for (const locale of locales) {
    const code = regionFromLocale(locale, regions);
    if (code) return code;
  }
  return crisis && crisis.fallback && regions[crisis.fallback] ? crisis.fallback : Object.keys(regions)[0];
}

export function renderLines(list, region, doc = document) {
  list.textContent = "";
  const lines = (region && region.lines) || [];
  for (const line of lines) {
    const li = doc.createElement("li");
    const name = doc.createElement("strong");
    name.textContent = line.name;
    li.appendChild(name);
    li.appendChild(doc.createTextNode(": "));
    const a = safeLink(line.href, doc);
    if (a) {
      a.textContent = line.text;
      li.appendChild(a);
    } else {
      li.appendChild(doc.createTextNode(line.text));
    }
    if (line.hours) li.appendChild(doc.createTextNode(` (${line.hours})`));
    if (line.emergency) li.appendChild(doc.createTextNode(" if you are in immediate danger"));
    list.appendChild(li);
  }
}

// The slim crisis bar under the conversation: only lines a tap can dial or text
// (tel:/sms:), in the order crisis_lines.yml gives them, the emergency line
// included. Each link's visible text is its whole accessible name ("Call
// Samaritans 116 123"), so what people see is what a screen reader or voice
// control calls it.
export function barLinks(region, youth = false) {
  const links = [];
  // for a young person, the region's lines for young people come first
  const lines = [...((youth && region && region.youth_lines) || []), ...((region && region.lines) || [])];
  for (const line of lines) {
    const href = typeof line.href === "string" ? line.href : "";
    const verb = /^tel:/i.test(href) ? "Call" : (/^sms:/i.test(href) ? "Text" : null);
    if (!verb) continue;
    const name = String(line.name || "");
    // The config says what to do in words (resources.line_action: "call 116 123",
    // "text SHOUT to 85258"); the number as people write it is the end of that.
    const said = /^(?:call|text)\s+(?:\S+\s+to\s+)?(.+)$/i.exec(String(line.text || ""));
    const number = said ? said[1].trim() : href.replace(/^(?:tel|sms):/i, "").split("?")[0];
    // "988 Suicide & Crisis Lifeline" already says its number; don't say it twice.
    const label = number && !name.includes(number) ? `${verb} ${name} ${number}` : `${verb} ${name}`;
    links.push({ href, label, emergency: Boolean(line.emergency) });
  }
  return links;
}

export function renderBar(list, region, doc = document, youth = false) {
  list.textContent = "";
  for (const link of barLinks(region, youth)) {
    const a = safeLink(link.href, doc);
    if (!a) continue;
    a.textContent = link.label;
    if (link.emergency) a.className = "unknot-crisis-bar-emergency";
    const li = doc.createElement("li");
    li.appendChild(a);
    list.appendChild(li);
  }
  return list.children.length;
}
