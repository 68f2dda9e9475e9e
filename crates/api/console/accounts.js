// The operator's Accounts page: every account, and a form that creates one and shows its administrator's API key
// once (the server keeps only its digest).

import { call } from './api.js';
import { h, replace, field, when, refusal } from './dom.js';

export async function accountsPage(container, who) {
  container.append(h('div', { class: 'page-head' },
    h('h1', {}, 'Accounts'),
    h('p', { class: 'lead' }, 'The accounts of this server. Creating one gives its administrator an API key, shown here once.')));
  if (who.account) {
    container.append(h('p', { class: 'notice' }, 'Only the operator manages accounts; sign in with the operator key.'));
    return;
  }
  const name = h('input', { type: 'text', required: true, maxlength: 100, autocomplete: 'off' });
  const id = h('input', { type: 'text', pattern: '[0-9a-f]{32}', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'random when empty' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Create account');
  const result = h('div', { id: 'account-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card', id: 'account-form', 'aria-labelledby': 'account-form-title' },
    h('h2', { id: 'account-form-title' }, 'Create an account'),
    field('account-name', 'Name', name),
    field('account-id', 'Account id (optional)', id, '32 lowercase hexadecimal digits, to reproduce documents that name a real account id.'),
    h('div', { class: 'actions' }, button));
  const list = h('div', { class: 'table-wrap', id: 'accounts-list' });
  container.append(form, result, h('section', { 'aria-labelledby': 'accounts-heading' },
    h('h2', { id: 'accounts-heading' }, 'All accounts'), list));
  const load = async () => {
    const body = await call('GET', '/_hubspoke/accounts');
    const accounts = body.accounts || [];
    replace(list, accounts.length === 0 ? h('p', { class: 'empty' }, 'No accounts yet.')
      : h('table', { class: 'data', id: 'accounts' },
        h('thead', {}, h('tr', {}, ['Name', 'Account id', 'Created'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, accounts.map((a) => h('tr', { 'data-account': a.id },
          h('td', { 'data-label': 'Name' }, h('span', { class: 'strong' }, a.name)),
          h('td', { 'data-label': 'Account id' }, h('code', { class: 'id' }, a.id)),
          h('td', { 'data-label': 'Created' }, when(a.created_at)))))));
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      const body = { name: name.value.trim() };
      if (id.value.trim()) body.id = id.value.trim();
      const created = await call('POST', '/_hubspoke/accounts', body);
      replace(result, h('div', { class: 'notice success', role: 'status' },
        h('p', {}, `Account ${created.name} (`, h('code', {}, created.id), ') was created. Its administrator\'s API key, shown only now:'),
        h('p', {}, h('code', { id: 'account-apikey', class: 'secret' }, created.apikey))));
      name.value = '';
      id.value = '';
      await load();
    } catch (error) {
      replace(result, refusal(error, 'The account was not created.'));
    } finally {
      button.disabled = false;
    }
  });
  await load();
}
