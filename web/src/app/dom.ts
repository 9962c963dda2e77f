// The only way the app builds DOM: text goes in as text nodes, attributes through setAttribute, and
// event handler attributes are refused. Nothing anywhere assigns HTML strings (the page's CSP also
// requires Trusted Types, so `innerHTML = string` would throw).

/** What `el` accepts as a child: strings and numbers become text nodes; nullish and false are skipped. */
export type Child = Node | string | number | null | undefined | false;

/** Attributes by name; `true` sets an empty attribute, `false`/`undefined` leaves it out. */
export type Attrs = Record<string, string | number | boolean | undefined>;

/**
 * Create an element with attributes and children.
 *
 * @example
 * el('label', { for: 'username' }, 'Username'); // <label for="username">Username</label>
 * el('li', {}, peerSuppliedName); // always text, whatever the string holds
 * @throws Error for an `on*` attribute: handlers are attached with addEventListener.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (/^on/i.test(name)) throw new Error(`el: event handler attribute ${name} refused`);
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, ...children);
  return node;
}

/**
 * Append children as {@link el} does.
 *
 * @example
 * append(list, el('li', {}, 'one'), 'two');
 */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replace all children of `parent`.
 *
 * @example
 * replaceChildren(main, loginView());
 */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/**
 * The element with `id`, typed; a missing element is a bug in index.html, so it throws.
 *
 * @example
 * const main = byId('main', HTMLElement);
 */
export function byId<T extends HTMLElement>(id: string, type: abstract new () => T): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`index.html has no #${id} of the expected type`);
  return found;
}

let nextId = 0;

/**
 * A page-unique id for pairing a `<label for>` with its control.
 *
 * @example
 * const id = uid('username'); el('label', { for: id }, 'Username'); el('input', { id });
 */
export function uid(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}
