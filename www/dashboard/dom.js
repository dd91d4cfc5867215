// Builds elements with their text set as text, never parsed as HTML: what the dashboard shows
// includes visitor messages and settings, which are hostile input.

/**
 * A new `tag` element. `props`: `class`, `text`, any attribute (skipped when null, undefined or
 * false; `true` sets it empty). `children`: nodes, or strings added as text nodes.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

/** The element with id `id`; the page is static, so a missing one is a bug worth failing on. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`dashboard: no #${id} in the page`);
  return node;
}
