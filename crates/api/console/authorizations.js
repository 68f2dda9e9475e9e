// Manage > Access (IAM) > Authorizations: the account's authorization policies (list, filter, delete with
// confirmation) and the Create form, which follows the steps of IBM's DNS sharing guide and can name one specific VPC as the source.

import { ApiError, call, listAll } from './api.js';
import { h, replace, field, fieldError, when, confirmDialog, refusal } from './dom.js';

// Services an authorization may name, as IBM's console lists them. The roles of each pair come from the role catalog.
export const SERVICES = {
  is: 'VPC Infrastructure Services',
  'server-protect': 'Backup and Recovery (server-protect)',
  kms: 'Key Protect',
  'hs-crypto': 'Hyper Protect Crypto Services',
  'cloud-object-storage': 'Cloud Object Storage',
  'event-notifications': 'Event Notifications',
};
const SOURCE_SERVICES = ['is', 'server-protect'];
const TARGET_SERVICES = ['is', 'kms', 'hs-crypto', 'cloud-object-storage', 'event-notifications'];
// Resource types the form offers per service; IBM's console offers `vpc` for VPC Infrastructure Services.
const RESOURCE_TYPES = { is: ['vpc'] };

function serviceLabel(name) {
  return SERVICES[name] ? `${SERVICES[name]}` : name;
}

function attributesOf(list) {
  const out = {};
  for (const attribute of list?.[0]?.attributes || []) out[attribute.name] = attribute.value;
  return out;
}

// One side of a policy in words: account, service, resource type and instance.
function describeSide(attributes, ownAccount) {
  const instance = attributes.resource || attributes.serviceInstance || attributes.vpcId || null;
  return {
    account: attributes.accountId === ownAccount ? 'this account' : attributes.accountId,
    service: attributes.serviceName ? serviceLabel(attributes.serviceName) : `resource group ${attributes.resourceGroupId}`,
    type: attributes.resourceType || null,
    instance,
  };
}

function sideCell(side, label) {
  return h('td', { 'data-label': label },
    h('div', { class: 'strong' }, side.service),
    h('div', { class: 'muted' }, side.account === 'this account' ? 'This account' : h('span', {}, 'Account ', h('code', { class: 'id' }, side.account))),
    side.type ? h('div', { class: 'muted' }, `Resource type: ${side.type}`) : null);
}

function instanceCell(side, label) {
  return h('td', { 'data-label': label },
    side.instance ? h('span', {}, h('span', { class: 'badge specific' }, 'Specific'), ' ', h('code', { class: 'id' }, side.instance))
      : h('span', { class: 'badge all' }, 'All instances'));
}

// The Authorizations page.
export async function authorizationsPage(container, who, params) {
  const status = h('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const filter = h('input', { type: 'search', placeholder: 'Filter by service, account, instance or role' });
  const tableSlot = h('div', { class: 'table-wrap' });
  container.append(
    h('div', { class: 'page-head' },
      h('h1', {}, 'Authorizations'),
      h('p', { class: 'lead' }, 'Service-to-service authorizations of this account: which source service (in this or another account) may act on which of this account\'s resources, with which roles.'),
      h('a', { class: 'button primary', href: '#/authorizations/new' }, 'Create')),
    status,
    h('div', { class: 'toolbar' }, field('authorizations-filter', 'Filter', filter)),
    tableSlot);
  if (params.get('deleted')) status.textContent = `Authorization ${params.get('deleted')} was deleted.`;
  if (!who.account) {
    replace(tableSlot, h('p', { class: 'notice' }, 'The operator has no account of its own: sign in with an account administrator\'s API key to manage its authorizations.'));
    return;
  }
  const body = await call('GET', `/v1/policies?account_id=${encodeURIComponent(who.account)}&type=authorization`);
  const policies = (body.policies || []).filter((p) => p.type === 'authorization');
  const rows = policies.map((policy) => {
    const source = describeSide(attributesOf(policy.subjects), who.account);
    const target = describeSide(attributesOf(policy.resources), who.account);
    const roles = (policy.roles || []).map((r) => r.display_name || r.role_id);
    const remove = h('button', { type: 'button', class: 'danger small', 'aria-label': `Delete authorization ${policy.id}` }, 'Delete');
    remove.addEventListener('click', () => deletePolicy(policy, source, target, roles, status, container, who));
    const row = h('tr', { 'data-policy': policy.id },
      sideCell(source, 'Source'), instanceCell(source, 'Source instance'),
      sideCell(target, 'Target'), instanceCell(target, 'Target instance'),
      h('td', { 'data-label': 'Roles' }, roles.map((r) => h('span', { class: 'badge role' }, r))),
      h('td', { 'data-label': 'Created' }, when(policy.created_at), h('div', { class: 'muted' }, h('code', { class: 'id' }, policy.id))),
      h('td', { 'data-label': 'Actions' }, remove));
    row.dataset.text = [source.service, source.account, source.instance, source.type, target.service, target.instance,
      target.type, policy.id, ...roles].filter(Boolean).join(' ').toLowerCase();
    return row;
  });
  if (rows.length === 0) {
    replace(tableSlot, h('p', { class: 'empty' }, 'No authorizations yet. ', h('a', { href: '#/authorizations/new' }, 'Create one'), '.'));
    return;
  }
  const count = h('p', { class: 'hint', id: 'authorizations-count' });
  const table = h('table', { class: 'data', id: 'authorizations' },
    h('caption', { class: 'visually-hidden' }, 'Authorizations of this account'),
    h('thead', {}, h('tr', {}, ['Source', 'Source instance', 'Target', 'Target instance', 'Roles', 'Created', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows));
  const apply = () => {
    const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      row.hidden = !words.every((w) => row.dataset.text.includes(w));
      if (!row.hidden) shown += 1;
    }
    count.textContent = `${shown} of ${rows.length} authorizations shown.`;
  };
  filter.addEventListener('input', apply);
  replace(tableSlot, table, count);
  apply();
}

async function deletePolicy(policy, source, target, roles, status, container, who) {
  const confirmed = await confirmDialog({
    title: 'Delete authorization?',
    body: [
      h('p', {}, `${source.service}${source.instance ? ` instance ${source.instance}` : ''} (${source.account}) will lose ${roles.join(', ')} on ${target.service}${target.instance ? ` instance ${target.instance}` : ''}.`),
      h('p', {}, 'Bindings that exist stay, but new DNS resolution bindings that relied on it will be refused.'),
    ],
    confirm: 'Delete',
  });
  if (!confirmed) return;
  try {
    await call('DELETE', `/v1/policies/${encodeURIComponent(policy.id)}`);
    location.hash = `#/authorizations?deleted=${encodeURIComponent(policy.id)}`;
  } catch (error) {
    status.replaceChildren(refusal(error, 'The authorization was not deleted.'));
  }
}

function options(values, selected, label = (v) => v) {
  return values.map((v) => h('option', { value: v, selected: v === selected }, label(v)));
}

function radios(name, choices, selected) {
  return h('div', { class: 'radios', role: 'radiogroup' }, choices.map(([value, label]) =>
    h('label', { class: 'check' },
      h('input', { type: 'radio', name, value, checked: value === selected, id: `${name}-${value}` }), ` ${label}`)));
}

// Which field an API validation error belongs to. Policy Management's envelope has no `target`, so it is the side and
// attribute the message names (`the subject attribute \`resource\``, `the subject \`accountId\` value ...`), else the
// roles when the message is about a role, else none (the message then stays in the form's summary).
export function fieldOfError(error) {
  const byKey = {
    subject: { accountId: 'source-account-id', serviceName: 'source-service', resourceType: 'source-resource-type',
      resource: 'source-instance', serviceInstance: 'source-instance' },
    resource: { accountId: 'target-service', serviceName: 'target-service', resourceType: 'target-resource-type',
      resource: 'target-instance', serviceInstance: 'target-instance', vpcId: 'target-instance' },
  };
  const message = error.message || '';
  const named = message.match(/\b(subject|resource)\b(?: attribute)? `([A-Za-z]+)`/);
  if (named && byKey[named[1]][named[2]]) return byKey[named[1]][named[2]];
  const unsupported = message.match(/^`([A-Za-z]+)` is not a supported subject attribute/);
  if (unsupported) return byKey.subject[unsupported[1]] || 'source-service';
  if (/\broles?\b/.test(message)) return 'roles';
  if (/policy subject/.test(message)) return 'source-service';
  if (/policy resource/.test(message)) return 'target-service';
  return null;
}

// The `ibmcloud iam authorization-policy-create` command that creates the same policy (hubspoke's CLI takes the
// same arguments and flags).
export function cliCommand(form) {
  const quote = (text) => (/^[A-Za-z0-9._:/-]+$/.test(text) ? text : `"${text.replace(/(["\\$`])/g, '\\$1')}"`);
  const parts = ['ibmcloud iam authorization-policy-create', form.sourceService, form.targetService,
    quote(form.roleNames.join(','))];
  if (form.sourceAccount) parts.push('--source-service-account', form.sourceAccount);
  if (form.sourceType) parts.push('--source-resource-type', quote(form.sourceType));
  if (form.sourceInstance) parts.push(form.sourceType ? '--source-resource' : '--source-service-instance-id', quote(form.sourceInstance));
  if (form.targetType) parts.push('--target-resource-type', quote(form.targetType));
  if (form.targetInstance) parts.push(form.targetType ? '--target-resource' : '--target-service-instance-id', quote(form.targetInstance));
  return parts.join(' ');
}

// The `POST /v1/policies` body of the form, in the attribute order IBM's guide uses.
export function policyBody(form, ownAccount) {
  const attribute = (name, value) => ({ name, value });
  const subject = [attribute('accountId', form.sourceAccount ?? ownAccount), attribute('serviceName', form.sourceService)];
  if (form.sourceType) subject.push(attribute('resourceType', form.sourceType));
  if (form.sourceInstance) subject.push(attribute(form.sourceType ? 'resource' : 'serviceInstance', form.sourceInstance));
  const resource = [attribute('accountId', ownAccount), attribute('serviceName', form.targetService)];
  if (form.targetType) resource.push(attribute('resourceType', form.targetType));
  if (form.targetInstance) resource.push(attribute(form.targetType ? 'resource' : 'serviceInstance', form.targetInstance));
  return {
    type: 'authorization',
    subjects: [{ attributes: subject }],
    roles: form.roleIds.map((role_id) => ({ role_id })),
    resources: [{ attributes: resource }],
  };
}

// The Create authorization page. `params` may prefill it (source_account, source_vpc, target_vpc, role), which is how the
// topology's "create the missing authorization" link arrives here.
export async function createPage(container, who, params) {
  if (!who.account) {
    container.append(h('h1', {}, 'Create authorization'), h('p', { class: 'notice' }, 'Sign in as an account administrator to create authorizations.'));
    return;
  }
  const vpcs = await listAll('/v1/vpcs', 'vpcs');
  const vpcList = h('datalist', { id: 'own-vpcs' }, vpcs.map((v) => h('option', { value: v.id }, v.name)));
  const prefillAccount = params.get('source_account');
  const otherAccount = prefillAccount && prefillAccount !== who.account;

  const sourceAccountId = h('input', { type: 'text', inputmode: 'text', autocomplete: 'off', spellcheck: 'false',
    placeholder: '32 hexadecimal characters', value: otherAccount ? prefillAccount : '' });
  const sourceService = h('select', {}, options(SOURCE_SERVICES, 'is', (v) => `${serviceLabel(v)} (${v})`));
  const sourceType = h('select', {});
  const sourceInstance = h('input', { type: 'text', list: 'own-vpcs', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'All instances', value: params.get('source_vpc') || '' });
  const targetService = h('select', {}, options(TARGET_SERVICES, 'is', (v) => `${serviceLabel(v)} (${v})`));
  const targetType = h('select', {});
  const targetInstance = h('select', {});
  const rolesBox = h('fieldset', { class: 'roles', id: 'roles', 'aria-describedby': 'roles-error' },
    h('legend', { class: 'visually-hidden' }, 'Roles to grant'), h('p', { class: 'hint' }, 'Loading the role catalog…'));
  const summary = h('div', { class: 'form-errors', role: 'alert', hidden: true, id: 'form-errors' });
  const result = h('section', { class: 'result', id: 'result', hidden: true, 'aria-labelledby': 'result-title' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Authorize');

  const sourceAccountGroup = radios('source-account', [['this', 'This account'], ['other', 'Another account']], otherAccount ? 'other' : 'this');
  const sourceScope = radios('source-scope', [['all', 'All resources'], ['attributes', 'Resources based on selected attributes']],
    params.get('source_vpc') ? 'attributes' : 'all');
  const targetScope = radios('target-scope', [['all', 'All resources'], ['attributes', 'Resources based on selected attributes']],
    params.get('target_vpc') ? 'attributes' : 'all');
  const accountField = field('source-account-id', 'Source account id', sourceAccountId, 'The account of the source service; the spoke\'s account for DNS sharing.');
  const sourceAttributes = h('div', { class: 'attributes' },
    field('source-resource-type', 'Resource type', sourceType),
    field('source-instance', 'Source service instance', sourceInstance,
      'Empty for all instances, or one VPC\'s id. IBM\'s console cannot name a specific VPC here (IBM documents this as a known limitation); hubspoke can.'));
  const targetAttributes = h('div', { class: 'attributes' },
    field('target-resource-type', 'Resource type', targetType),
    field('target-instance', 'Target service instance', targetInstance, 'A resource of this account: for DNS sharing, the hub VPC.'));

  const form = h('form', { class: 'card create', novalidate: true, 'aria-labelledby': 'create-title' },
    summary,
    h('fieldset', { class: 'step' }, h('legend', {}, '1. Source'),
      h('fieldset', { class: 'inline' }, h('legend', {}, 'Source account'), sourceAccountGroup,
        h('p', { class: 'field-error', id: 'source-account-error', role: 'alert', hidden: true })),
      accountField,
      field('source-service', 'Source service', sourceService),
      h('fieldset', { class: 'inline' }, h('legend', {}, 'Scope'), sourceScope),
      sourceAttributes),
    h('fieldset', { class: 'step' }, h('legend', {}, '2. Target'),
      field('target-service', 'Target service', targetService),
      h('fieldset', { class: 'inline' }, h('legend', {}, 'Scope'), targetScope),
      targetAttributes),
    h('fieldset', { class: 'step' }, h('legend', {}, '3. Roles'),
      h('p', { class: 'hint' }, 'Offered from the role catalog for this source and target service.'), rolesBox,
      h('p', { class: 'field-error', id: 'roles-error', role: 'alert', hidden: true })),
    h('div', { class: 'actions' }, h('a', { class: 'button secondary', href: '#/authorizations' }, 'Cancel'), submit),
    vpcList);

  container.append(
    h('div', { class: 'page-head' },
      h('h1', { id: 'create-title' }, 'Create authorization'),
      h('p', { class: 'lead' }, 'Grant a source service access to a target service of this account. For DNS sharing: source VPC Infrastructure Services in the spoke\'s account, resource type VPC, the spoke VPC; target the hub VPC; role DNS Binding Connector.')),
    form, result);

  const checked = (name) => form.querySelector(`input[name="${name}"]:checked`)?.value;
  const typeOptions = (select, service, wanted) => {
    const types = RESOURCE_TYPES[service] || [];
    replace(select, h('option', { value: '' }, 'All resource types'), options(types, wanted));
  };
  const sync = () => {
    accountField.hidden = checked('source-account') !== 'other';
    sourceAttributes.hidden = checked('source-scope') !== 'attributes';
    targetAttributes.hidden = checked('target-scope') !== 'attributes';
    // Own VPCs are suggested only when the source is this account: another account's VPCs are not visible here.
    if (checked('source-account') === 'other') sourceInstance.removeAttribute('list');
    else sourceInstance.setAttribute('list', 'own-vpcs');
  };
  typeOptions(sourceType, 'is', params.get('source_vpc') ? 'vpc' : '');
  typeOptions(targetType, 'is', params.get('target_vpc') ? 'vpc' : '');
  replace(targetInstance, h('option', { value: '' }, 'All instances'),
    vpcs.map((v) => h('option', { value: v.id, selected: v.id === params.get('target_vpc') },
      `${v.name} (${v.dns?.enable_hub ? 'hub, ' : ''}${v.id})`)));

  let catalog = [];
  const loadRoles = async () => {
    const path = `/v2/roles?service_name=${encodeURIComponent(targetService.value)}&source_service_name=${encodeURIComponent(sourceService.value)}&policy_type=authorization`;
    try {
      const body = await call('GET', path);
      catalog = [...(body.service_roles || []), ...(body.system_roles || [])];
    } catch (error) {
      catalog = [];
      fieldError('roles', error.message);
    }
    const previous = new Set([...rolesBox.querySelectorAll('input:checked')].map((i) => i.value));
    replace(rolesBox, h('legend', { class: 'visually-hidden' }, 'Roles to grant'),
      catalog.length === 0 ? h('p', { class: 'hint' }, 'No role may be granted between these two services.') : null,
      // The label is the role's name alone; its description is attached as the checkbox's description.
      catalog.map((role, index) => h('div', { class: 'role-choice' },
        // A role the link that opened the form names (the missing authorization of a refused binding) starts ticked.
        h('input', { type: 'checkbox', name: 'role', value: role.crn, id: `role-${index}`,
          checked: previous.has(role.crn) || role.crn === params.get('role'),
          'aria-describedby': `role-${index}-description` }),
        h('div', {}, h('label', { for: `role-${index}` }, role.display_name),
          h('p', { class: 'muted', id: `role-${index}-description` }, role.description)))));
  };
  sourceService.addEventListener('change', () => { typeOptions(sourceType, sourceService.value, ''); loadRoles(); });
  targetService.addEventListener('change', () => { typeOptions(targetType, targetService.value, ''); loadRoles(); });
  form.addEventListener('change', sync);
  sync();
  await loadRoles();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const id of ['source-account', 'source-account-id', 'source-service', 'source-resource-type', 'source-instance',
      'target-service', 'target-resource-type', 'target-instance', 'roles']) fieldError(id, '');
    summary.hidden = true;
    const chosen = [...rolesBox.querySelectorAll('input[name="role"]:checked')].map((i) => catalog.find((r) => r.crn === i.value));
    const sourceAttributesOn = checked('source-scope') === 'attributes';
    const targetAttributesOn = checked('target-scope') === 'attributes';
    const values = {
      sourceAccount: checked('source-account') === 'other' ? sourceAccountId.value.trim() : null,
      sourceService: sourceService.value,
      sourceType: sourceAttributesOn ? sourceType.value : '',
      sourceInstance: sourceAttributesOn ? sourceInstance.value.trim() : '',
      targetService: targetService.value,
      targetType: targetAttributesOn ? targetType.value : '',
      targetInstance: targetAttributesOn ? targetInstance.value : '',
      roleIds: chosen.map((r) => r.crn),
      roleNames: chosen.map((r) => r.display_name),
    };
    submit.disabled = true;
    try {
      const created = await call('POST', '/v1/policies', policyBody(values, who.account));
      showResult(result, created, values);
      form.hidden = true;
      result.focus();
    } catch (error) {
      const errors = error instanceof ApiError ? error.errors : [{ message: error.message }];
      const unplaced = [];
      for (const e of errors) {
        const target = fieldOfError(e);
        if (target && document.getElementById(`${target}-error`)) fieldError(target, e.message);
        else unplaced.push(e);
      }
      // The summary says why, as the server did (status, code, message, details); messages placed next to their
      // fields are not repeated in it.
      replace(summary, unplaced.length
        ? refusal({ status: error.status, errors: unplaced, trace: error.trace }, 'The authorization was not created.')
        : [h('p', { class: 'strong' }, 'The authorization was not created',
          error.status ? ` (HTTP ${error.status})` : '', '.'), h('p', {}, 'Correct the fields marked below.')]);
      summary.hidden = false;
      const firstInvalid = form.querySelector('[aria-invalid="true"]');
      (firstInvalid || summary).focus?.();
    } finally {
      submit.disabled = false;
    }
  });
}

function showResult(result, created, values) {
  result.tabIndex = -1;
  replace(result,
    h('h2', { id: 'result-title' }, 'Authorization created'),
    h('p', { class: 'notice success', role: 'status' }, `Authorization ${created.id} grants ${values.roleNames.join(', ')}.`),
    h('h3', {}, 'Equivalent CLI command'),
    h('pre', { class: 'code', id: 'result-cli' }, cliCommand(values)),
    h('p', { class: 'hint' }, 'hubspoke\'s own CLI takes the same arguments: replace ', h('code', {}, 'ibmcloud'), ' with ',
      h('code', {}, 'hubspoke'), '.'),
    h('h3', {}, 'The policy, as the API returned it'),
    h('pre', { class: 'code', id: 'result-json' }, JSON.stringify(created, null, 2)),
    h('div', { class: 'actions' },
      h('a', { class: 'button secondary', href: '#/authorizations' }, 'Back to authorizations'),
      h('a', { class: 'button primary', href: '#/vpcs' }, 'See the topology')));
  result.hidden = false;
}
