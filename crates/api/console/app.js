// The console's entry point: sign-in, the page router (one page per location hash) and the Activity page.

import { ApiError, call, session, signIn, signOut } from './api.js';
import { h, replace, field, when, prose, refusal } from './dom.js';
import { authorizationsPage, createPage } from './authorizations.js';
import { vpcsPage, dnsPage } from './network.js';
import { accountsPage } from './accounts.js';
import { iamPage } from './iam.js';

const PAGES = {
  authorizations: { title: 'Authorizations', render: authorizationsPage },
  'authorizations/new': { title: 'Create authorization', render: createPage, nav: 'authorizations' },
  vpcs: { title: 'VPCs and topology', render: vpcsPage },
  dns: { title: 'DNS lookup', render: dnsPage },
  iam: { title: 'IAM', render: iamPage },
  activity: { title: 'Activity', render: activityPage },
  accounts: { title: 'Accounts', render: accountsPage },
};

const main = document.getElementById('main');

function currentPage() {
  const [name, query = ''] = location.hash.replace(/^#\/?/, '').split('?');
  return { name: PAGES[name] ? name : 'authorizations', params: new URLSearchParams(query) };
}

// Renders the page the hash names, or the sign-in form when nobody is signed in.
async function route() {
  const who = session();
  document.getElementById('nav').hidden = !who;
  document.getElementById('who').hidden = !who;
  if (!who) {
    document.title = 'Sign in — hubspoke console';
    replace(main, signInForm());
    main.querySelector('input')?.focus();
    return;
  }
  // A user or service ID other than the administrator is named, so that it is clear whose access the pages show.
  const identity = who.role === 'identity' ? `${who.kind === 'ServiceId' ? 'Service ID' : 'User'} ${who.name || who.iamId}, ` : '';
  document.getElementById('who-account').textContent =
    who.account ? `${identity}Account ${who.account}` : 'Operator (no account)';
  // Accounts are the operator's to manage.
  document.getElementById('nav-accounts').hidden = Boolean(who.account);
  const { name, params } = currentPage();
  const page = PAGES[name];
  document.title = `${page.title} — hubspoke console`;
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.page === (page.nav || name)) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const container = h('div', { class: 'page', 'data-page': name, 'aria-busy': 'true' });
  replace(main, container);
  try {
    await page.render(container, who, params);
  } catch (error) {
    container.append(refusal(error, 'This page could not be loaded.'));
  } finally {
    container.setAttribute('aria-busy', 'false');
  }
}

function signInForm() {
  const input = h('input', { type: 'password', name: 'apikey', autocomplete: 'current-password', required: true,
    spellcheck: 'false' });
  const status = h('p', { class: 'field-error', role: 'alert', id: 'apikey-error', hidden: true });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'card sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Sign in to hubspoke'),
    h('p', {}, 'Use an API key: an account administrator\'s key (shown once when the operator created the account), a user\'s or a service ID\'s key, or the operator key.'),
    field('apikey', 'API key', input),
    h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.hidden = true;
    try {
      await signIn(input.value.trim());
      input.value = '';
      if (!location.hash || location.hash === '#') location.hash = '#/authorizations';
      await route();
      main.focus();
    } catch (error) {
      const slot = document.getElementById('apikey-error');
      slot.textContent = error instanceof ApiError
        ? `${error.message} (HTTP ${error.status}, ${error.errors[0].code})` : `Sign-in failed: ${error.message}`;
      slot.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// Activity: the account's recent events (its own, and those naming it as the other party), refusals highlighted
// with their reasons.
async function activityPage(container) {
  const onlyRefusals = h('input', { type: 'checkbox', id: 'activity-refusals' });
  const list = h('div', { class: 'table-wrap' });
  container.append(
    h('div', { class: 'page-head' },
      h('h1', {}, 'Activity'),
      h('p', { class: 'lead' }, 'What happened in this account and in the accounts it shares with, newest first. A refusal says which rule or which missing authorization refused it.')),
    h('div', { class: 'toolbar' },
      h('label', { class: 'check' }, onlyRefusals, ' Only refusals and waived checks')),
    list);
  const body = await call('GET', '/_hubspoke/events?limit=200');
  const events = body.events || [];
  const render = () => {
    const shown = events.filter((e) => !onlyRefusals.checked || e.outcome !== 'success');
    if (shown.length === 0) {
      replace(list, h('p', { class: 'empty' }, 'No events yet.'));
      return;
    }
    replace(list, h('table', { class: 'data', id: 'events' },
      h('caption', { class: 'visually-hidden' }, 'Recent events'),
      h('thead', {}, h('tr', {}, ['When', 'Outcome', 'Action', 'Target', 'Actor', 'Reason'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, shown.map((e) => h('tr', { class: `outcome-${e.outcome}`, 'data-action': e.action },
        h('td', { 'data-label': 'When' }, when(e.at)),
        h('td', { 'data-label': 'Outcome' }, h('span', { class: `badge ${e.outcome}` }, e.outcome)),
        h('td', { 'data-label': 'Action' }, h('code', {}, e.action)),
        h('td', { 'data-label': 'Target' }, `${e.target?.resource_type || ''} `, h('code', { class: 'id' }, e.target?.id || '')),
        h('td', { 'data-label': 'Actor' }, h('code', { class: 'id' }, e.actor)),
        h('td', { 'data-label': 'Reason', class: 'reason' }, e.reason ? prose(e.reason) : '—'))))));
  };
  onlyRefusals.addEventListener('change', render);
  render();
  const refused = events.filter((e) => e.outcome === 'refused').length;
  if (body.total_count > events.length) {
    container.append(h('p', { class: 'hint' }, `Showing the latest ${events.length} of ${body.total_count} events.`));
  }
  if (refused) {
    list.before(h('p', { class: 'notice warning' }, `${refused} refused ${refused === 1 ? 'request' : 'requests'} among these events.`));
  }
}

document.getElementById('sign-out').addEventListener('click', () => {
  signOut();
  location.hash = '';
  route();
});
window.addEventListener('hashchange', route);
// Choosing the page already shown loads it again, with fresh data (a hash that does not change fires no event).
document.getElementById('nav').addEventListener('click', (event) => {
  const link = event.target.closest('a');
  if (link && link.getAttribute('href') === location.hash) {
    event.preventDefault();
    route();
  }
});
window.addEventListener('hubspoke:signed-out', route);
route();
