// Building the page from data without ever parsing data as HTML: every text goes through textContent, so a name or
// a reason from the API can never become markup.

const SVG = 'http://www.w3.org/2000/svg';

// An element: h('button', { class: 'primary', onclick: f }, 'Delete'). Attributes named on* become listeners; an
// attribute set to null, undefined or false is left out; children may be strings, nodes, arrays or null.
export function h(tag, attributes = {}, ...children) {
  return build(document.createElement(tag), attributes, children);
}

// The same for SVG elements.
export function s(tag, attributes = {}, ...children) {
  return build(document.createElementNS(SVG, tag), attributes, children);
}

function build(element, attributes, children) {
  // A labelled table cell keeps its content in one box, so that on a narrow screen, where each row becomes a card
  // with the label beside the value, the content stays in the value's column.
  if (element.tagName === 'TD' && attributes['data-label']) {
    children = [build(document.createElement('div'), { class: 'cell' }, children)];
  }
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replaces everything inside an element.
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

// A labelled form field: the label, the control, a hint and the slot where an error for this field appears.
export function field(id, label, control, hint) {
  control.id = id;
  const described = [];
  if (hint) described.push(`${id}-hint`);
  described.push(`${id}-error`);
  control.setAttribute('aria-describedby', described.join(' '));
  return h('div', { class: 'field', 'data-field': id },
    h('label', { for: id }, label),
    control,
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true }));
}

// Shows (or, with no message, clears) the error of one field.
export function fieldError(id, message) {
  const slot = document.getElementById(`${id}-error`);
  const control = document.getElementById(id);
  if (!slot) return;
  slot.textContent = message || '';
  slot.hidden = !message;
  if (control) {
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  }
}

// A server message as text, with its `quoted` parts (ids, attributes, actions) set in code.
export function prose(text) {
  return String(text || '').split('`').map((part, index) => (index % 2 === 1 ? h('code', {}, part) : part));
}

// A short, readable date and time in the browser's locale.
export function when(text) {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? String(text || '') : date.toLocaleString();
}

// A long id shortened for display; the full id stays in the title.
export function short(id, keep = 18) {
  const text = String(id || '');
  return text.length > keep ? `${text.slice(0, keep - 1)}…` : text;
}

// A modal confirmation dialog that is usable from the keyboard: focus moves into it, Escape cancels, and focus
// returns to what opened it. Resolves to true when confirmed.
export function confirmDialog({ title, body, confirm, danger = true }) {
  const dialog = document.getElementById('dialog');
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const cancelButton = h('button', { type: 'button', class: 'secondary', value: 'cancel' }, 'Cancel');
    const confirmButton = h('button', { type: 'submit', class: danger ? 'danger' : 'primary', value: 'confirm' },
      confirm);
    replace(dialog,
      h('form', { method: 'dialog', class: 'dialog-form' },
        h('h2', { id: 'dialog-title' }, title),
        h('div', { class: 'dialog-body' }, body),
        h('div', { class: 'actions' }, cancelButton, confirmButton)));
    dialog.setAttribute('aria-labelledby', 'dialog-title');
    cancelButton.addEventListener('click', () => dialog.close('cancel'));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      if (opener && opener.isConnected) opener.focus();
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    cancelButton.focus();
  });
}

// Why a request was refused, as the server said it: the lead (what could not be done), the HTTP status, and for each
// error of IBM's envelope its code (and IAM Identity's message code), its message, the field it is about and its
// details (text, or the structured details such as a conflicting policy), then the trace to quote to an operator.
// Anything that is not an API error (a network failure, a script error) shows its message alone.
export function refusal(error, lead) {
  const status = Number.isInteger(error?.status) ? error.status : null;
  const errors = Array.isArray(error?.errors) ? error.errors : [{ message: String(error?.message || error) }];
  return h('div', { class: 'notice error refusal', role: 'alert', 'data-status': status },
    h('p', { class: 'strong refusal-lead' }, lead,
      status ? h('span', { class: 'refusal-status' }, ` (HTTP ${status}${statusText(status)})`) : null),
    h('ul', { class: 'refusal-errors' }, errors.map((e) => h('li', { 'data-code': e.code || null },
      e.code ? h('span', { class: 'refusal-code' }, h('code', {}, e.code),
        e.messageCode ? [' ', h('code', {}, e.messageCode)] : null, ': ') : null,
      h('span', { class: 'refusal-message' }, prose(e.message)),
      e.target ? h('span', { class: 'muted' }, ' (field ', h('code', {}, e.target), ')') : null,
      details(e.details)))),
    error?.trace ? h('p', { class: 'muted refusal-trace' }, 'Trace ', h('code', { class: 'id' }, error.trace)) : null);
}

function statusText(status) {
  const names = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict',
    412: 'Precondition Failed', 429: 'Too Many Requests' };
  return names[status] ? ` ${names[status]}` : '';
}

function details(value) {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'string') return h('p', { class: 'refusal-details' }, prose(value));
  return h('pre', { class: 'code refusal-details' }, JSON.stringify(value, null, 2));
}
