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
