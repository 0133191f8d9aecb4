/**
 * Building DOM without HTML strings (the CSP forbids inline script and style, and building
 * elements keeps every server text as text, never markup).
 * @module common/dom
 */

/**
 * Create an element.
 * @param {string} tag tag name, e.g. "button"
 * @param {Object<string, *>} [attrs] `class`, `text`, `on<event>` handlers, boolean or string
 *   attributes; `null`, `undefined` and `false` values are skipped
 * @param {...(Node|string|number|null|undefined|false)} children nodes or text; null, undefined
 *   and false are skipped
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'text') element.textContent = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'value' || name === 'checked') element[name] = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return element;
}

/**
 * Replace everything inside `parent` with `children`.
 * @param {Element} parent
 * @param {...(Node|string)} children
 * @returns {Element} parent
 */
export function mount(parent, ...children) {
  parent.replaceChildren(...children.flat().filter(Boolean));
  return parent;
}

/**
 * Move keyboard and screen-reader focus to a screen's heading after a route change.
 * @param {Element} root the screen container
 */
export function focusHeading(root) {
  const heading = root.querySelector('h1, h2');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: false });
  }
}
