// A tiny element builder and the registry that re-translates text when the locale changes.
import { onLocaleChange } from "../i18n/i18n";

type Attrs = Record<string, string | number | boolean | null | undefined>;
type Child = Node | string | null | undefined | false;

/** Creates `<tag>` with attributes (`class`, `data-*`, `aria-*`, properties like `type`) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Attrs = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = String(value);
    else if (name === "testid") el.dataset.testid = String(value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Element, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** An inline SVG icon from markup this page owns (see icons.ts). */
export function icon(svg: string, className = "icon"): HTMLSpanElement {
  const span = document.createElement("span");
  span.className = className;
  span.setAttribute("aria-hidden", "true");
  span.innerHTML = svg;
  return span;
}

const shownIcons = new WeakMap<Element, string>();

/**
 * Shows `svg` as the only child of `slot`, leaving the node alone when it already does. Views
 * re-render every 500 ms; a press that began on an icon replaced in between loses its click
 * (WebKit drops the click when the node pressed leaves the document before the release).
 */
export function setIcon(slot: Element, svg: string, className = "icon"): void {
  if (shownIcons.get(slot) === svg && slot.childElementCount === 1) return;
  slot.replaceChildren(icon(svg, className));
  shownIcons.set(slot, svg);
}

/**
 * Makes `text` the text of `el`, leaving its text node alone when it already says it: assigning
 * `textContent` replaces the node even with the same words, and a button whose label is replaced
 * by the 500 ms re-render under a press can lose the click (see {@link setIcon}).
 */
export function setText(el: Node, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Makes `nodes` the children of `parent`, touching nothing when they already are (see {@link setIcon}). */
export function setChildren(parent: Element, nodes: Node[]): void {
  const same = parent.childNodes.length === nodes.length && nodes.every((n, i) => parent.childNodes[i] === n);
  if (!same) parent.replaceChildren(...nodes);
}

type Binding = { el: Element; text: () => string; attr: string | null };
const bindings: Binding[] = [];
let subscribed = false;

/**
 * Sets `el`'s text (or attribute `attr`) from `text()` now and again after every locale change.
 * Bindings of elements that left the document are dropped at the next change.
 */
export function localize<E extends Element>(el: E, text: () => string, attr: string | null = null): E {
  apply({ el, text, attr });
  bindings.push({ el, text, attr });
  if (!subscribed) {
    subscribed = true;
    onLocaleChange(refreshAll);
  }
  if (bindings.length > pruneAt && !pruneQueued) {
    // Lists re-render often (presence); drop bindings of replaced rows. A microtask later, because
    // the elements of the render that is running now are attached only at its end.
    pruneQueued = true;
    queueMicrotask(prune);
  }
  return el;
}

let pruneAt = 512;
let pruneQueued = false;

function prune(): void {
  pruneQueued = false;
  for (let i = bindings.length - 1; i >= 0; i--) {
    if (!bindings[i].el.isConnected) bindings.splice(i, 1);
  }
  pruneAt = Math.max(512, bindings.length * 2);
}

function refreshAll(): void {
  for (let i = bindings.length - 1; i >= 0; i--) {
    if (!bindings[i].el.isConnected) bindings.splice(i, 1);
    else apply(bindings[i]);
  }
}

function apply({ el, text, attr }: Binding): void {
  if (attr) el.setAttribute(attr, text());
  else setText(el, text());
}

/** Shows or hides without removing (the GUI tests look elements up by test id). */
export function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible;
}
