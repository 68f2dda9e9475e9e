// The IAM page: an account's users, service IDs and access groups (with their members on demand), each listed page by
// page as its own API pages, and its access policies: granting one to a user, a service ID or an access group, listing
// a subject's policies and deleting one.

import { ApiError, call, listPage, listEvery, localPath } from './api.js';
import { h, replace, field, fieldError, when, confirmDialog, refusal } from './dom.js';

// How each list pages: where its items are, the path of its next page and its total, when it gives one. User
// Management links `next_url`, IAM Identity a `next` path, Access Groups `next.href`, and Policy Management
// `next.start` (with `next.href` when it gives one).
const USERS = { member: 'resources', next: (b) => localPath(b.next_url), total: (b) => b.total_results };
const SERVICE_IDS = { member: 'serviceids', next: (b) => localPath(b.next) };
const GROUPS = { member: 'groups', next: (b) => localPath(b.next?.href), total: (b) => b.total_count };
const MEMBERS = { member: 'members', next: (b) => localPath(b.next?.href), total: (b) => b.total_count };
const POLICIES = {
  member: 'policies',
  next: (b, path) => {
    if (b.next?.href) return localPath(b.next.href);
    if (!b.next?.start) return null;
    const url = new URL(path, location.origin);
    url.searchParams.set('start', b.next.start);
    return url.pathname + url.search;
  },
};

// The services an access policy may name here: those whose roles and actions hubspoke's catalog knows.
export const ACCESS_SERVICES = [
  ['is', 'VPC Infrastructure Services'],
  ['dns-svcs', 'DNS Services'],
  ['iam-identity', 'IAM Identity Service'],
  ['iam-groups', 'IAM Access Groups Service'],
  ['iam-access-management', 'IAM Access Management Service'],
  ['user-management', 'User Management'],
];

const SUBJECT_KINDS = [['user', 'User'], ['serviceid', 'Service ID'], ['group', 'Access group']];

function serviceLabel(name) {
  return ACCESS_SERVICES.find(([value]) => value === name)?.[1] || name;
}

function userLabel(user) {
  const name = [user.firstname, user.lastname].filter(Boolean).join(' ');
  return name ? `${name} <${user.email}>` : user.email || user.iam_id;
}

// A page size from the location (`#/iam?page_size=2` shows the paging with few items), 20 otherwise.
function pageSize(params) {
  const size = Number.parseInt(params.get('page_size') || '20', 10);
  return Number.isInteger(size) && size >= 1 && size <= 100 ? size : 20;
}

function withQuery(path, query) {
  return `${path}${path.includes('?') ? '&' : '?'}${new URLSearchParams(query)}`;
}

// A table filled one page at a time: the first page on `load()`, each next one by **Show more**, as long as the API
// gives a next page. A refused page shows why, in place of the rows.
function pagedTable({ id, caption, shape, path, columns, row, empty }) {
  const body = h('tbody');
  const count = h('p', { class: 'hint', id: `${id}-count`, 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'secondary small', id: `${id}-more`, hidden: true }, 'Show more');
  const wrap = h('div', { class: 'table-wrap', id: `${id}-list` });
  const table = h('table', { class: 'data', id },
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map((t) => h('th', { scope: 'col' }, t)))),
    body);
  let next = null;
  let shown = 0;
  const fetchPage = async () => {
    more.disabled = true;
    try {
      const page = await listPage(next, shape);
      const rows = page.items.map(row);
      body.append(...rows);
      shown += page.items.length;
      next = page.next;
      if (shown === 0 && !next) {
        replace(wrap, h('p', { class: 'empty' }, empty));
        return;
      }
      if (table.parentNode !== wrap) replace(wrap, table, h('div', { class: 'pager' }, count, more));
      count.textContent = page.total !== null ? `${shown} of ${page.total} shown.` : `${shown} shown${next ? ', more to come' : ''}.`;
      more.hidden = !next;
      return rows[0] || null;
    } catch (error) {
      replace(wrap, refusal(error, `The ${caption.toLowerCase()} could not be listed.`));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', async () => {
    const first = await fetchPage();
    // Focus stays in the list: reading goes on at the first new row (the button may be gone with the last page).
    if (first) {
      first.tabIndex = -1;
      first.focus();
    }
  });
  const load = async (first = path) => {
    body.replaceChildren();
    shown = 0;
    next = first;
    replace(wrap, h('p', { class: 'hint' }, 'Loading…'));
    await fetchPage();
  };
  return { element: wrap, load };
}

// A create form folded in a native disclosure (keyboard-operable), with a result slot where the API's answer or
// refusal appears.
function createForm({ id, summary, fields, submitLabel, refused, onSubmit }) {
  const result = h('div', { id: `${id}-result`, 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary' }, submitLabel);
  const form = h('form', { class: 'card', id }, fields, h('div', { class: 'actions' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      replace(result, await onSubmit());
      form.reset();
    } catch (error) {
      replace(result, refusal(error, refused));
    } finally {
      button.disabled = false;
    }
  });
  return h('details', { class: 'create', id: `${id}-details` }, h('summary', {}, summary), form, result);
}

export async function iamPage(container, who, params) {
  container.append(h('div', { class: 'page-head' },
    h('h1', {}, 'IAM'),
    h('p', { class: 'lead' }, 'Who belongs to this account and what they may do: its users, service IDs and access groups, and the access policies that grant them roles on services.')));
  if (!who.account) {
    container.append(h('p', { class: 'notice' }, 'The operator has no account of its own: sign in with an account\'s API key to see its identities and access.'));
    return;
  }
  const account = encodeURIComponent(who.account);
  const size = pageSize(params);

  // Users.
  const users = pagedTable({
    id: 'users', caption: 'Users', shape: USERS, path: `/v2/accounts/${account}/users?limit=${size}`,
    columns: ['Name', 'E-mail', 'IAM id', 'State', 'Added'],
    empty: 'No users.',
    row: (u) => h('tr', { 'data-iam-id': u.iam_id },
      h('td', { 'data-label': 'Name' }, h('span', { class: 'strong' }, [u.firstname, u.lastname].filter(Boolean).join(' ') || '—')),
      h('td', { 'data-label': 'E-mail' }, u.email),
      h('td', { 'data-label': 'IAM id' }, h('code', { class: 'id' }, u.iam_id)),
      h('td', { 'data-label': 'State' }, h('span', { class: 'badge' }, u.state)),
      h('td', { 'data-label': 'Added' }, when(u.added_on))),
  });
  const email = h('input', { type: 'email', required: true, autocomplete: 'off', spellcheck: 'false' });
  const invite = createForm({
    id: 'invite-user', summary: 'Invite a user', submitLabel: 'Invite', refused: 'The user was not invited.',
    fields: [field('invite-email', 'E-mail address', email, 'The user joins at once; hubspoke sends no mail.')],
    onSubmit: async () => {
      const answer = await call('POST', `/v2/accounts/${account}/users`, { users: [{ email: email.value.trim(), account_role: 'Member' }] });
      const invited = answer.resources?.[0] || {};
      await Promise.all([users.load(), grant.refreshSubjects()]);
      return h('p', { class: 'notice success', role: 'status' }, `${invited.email} joined as `, h('code', {}, invited.id), '.');
    },
  });

  // Service IDs, each with a button that creates an API key (shown once).
  const keyResult = h('div', { id: 'serviceid-key-result', 'aria-live': 'polite' });
  const createKey = async (serviceId, button) => {
    button.disabled = true;
    try {
      const key = await call('POST', '/v1/apikeys', { name: `${serviceId.name}-key`, iam_id: serviceId.iam_id, account_id: who.account });
      replace(keyResult, h('div', { class: 'notice success', role: 'status' },
        h('p', {}, `API key ${key.name} (`, h('code', {}, key.id), `) was created for ${serviceId.name}. Its secret, shown only now:`),
        h('p', {}, h('code', { id: 'serviceid-apikey', class: 'secret' }, key.apikey)),
        h('p', { class: 'hint' }, 'It signs in to this console, and to the API at /identity/token, as the service ID.')));
    } catch (error) {
      replace(keyResult, refusal(error, `No API key was created for ${serviceId.name}.`));
    } finally {
      button.disabled = false;
    }
  };
  const serviceIds = pagedTable({
    id: 'serviceids', caption: 'Service IDs', shape: SERVICE_IDS,
    path: `/v1/serviceids/?account_id=${account}&pagesize=${size}`,
    columns: ['Name', 'IAM id', 'Created', 'Actions'],
    empty: 'No service IDs yet.',
    row: (s) => {
      const button = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Create an API key for ${s.name}` }, 'Create API key');
      button.addEventListener('click', () => createKey(s, button));
      return h('tr', { 'data-iam-id': s.iam_id },
        h('td', { 'data-label': 'Name' }, h('span', { class: 'strong' }, s.name), s.locked ? [' ', h('span', { class: 'badge' }, 'locked')] : null,
          s.description ? h('div', { class: 'muted' }, s.description) : null),
        h('td', { 'data-label': 'IAM id' }, h('code', { class: 'id' }, s.iam_id)),
        h('td', { 'data-label': 'Created' }, when(s.created_at)),
        h('td', { 'data-label': 'Actions' }, button));
    },
  });
  const serviceName = h('input', { type: 'text', required: true, autocomplete: 'off', maxlength: 1000 });
  const serviceDescription = h('input', { type: 'text', autocomplete: 'off' });
  const createServiceId = createForm({
    id: 'create-serviceid', summary: 'Create a service ID', submitLabel: 'Create service ID', refused: 'The service ID was not created.',
    fields: [field('serviceid-name', 'Name', serviceName), field('serviceid-description', 'Description (optional)', serviceDescription)],
    onSubmit: async () => {
      const body = { name: serviceName.value.trim(), account_id: who.account };
      if (serviceDescription.value.trim()) body.description = serviceDescription.value.trim();
      const created = await call('POST', '/v1/serviceids/', body);
      await Promise.all([serviceIds.load(), grant.refreshSubjects()]);
      return h('p', { class: 'notice success', role: 'status' }, `Service ID ${created.name} (`, h('code', {}, created.iam_id), ') was created.');
    },
  });

  // Access groups, with one group's members in a panel below on demand.
  const membersPanel = h('section', { class: 'card members', id: 'group-members', hidden: true, 'aria-labelledby': 'group-members-title', tabindex: '-1' });
  const groups = pagedTable({
    id: 'groups', caption: 'Access groups', shape: GROUPS, path: `/v2/groups?account_id=${account}&limit=${size}`,
    columns: ['Name', 'Id', 'Created', 'Members'],
    empty: 'No access groups.',
    row: (g) => {
      const button = h('button', { type: 'button', class: 'secondary small', 'aria-controls': 'group-members',
        'aria-label': `Members of ${g.name}` }, 'Members');
      button.addEventListener('click', () => showMembers(g));
      return h('tr', { 'data-group': g.id },
        h('td', { 'data-label': 'Name' }, h('span', { class: 'strong' }, g.name), g.description ? h('div', { class: 'muted' }, g.description) : null),
        h('td', { 'data-label': 'Id' }, h('code', { class: 'id' }, g.id)),
        h('td', { 'data-label': 'Created' }, when(g.created_at)),
        h('td', { 'data-label': 'Members' }, button));
    },
  });
  const groupName = h('input', { type: 'text', required: true, autocomplete: 'off', maxlength: 100 });
  const groupDescription = h('input', { type: 'text', autocomplete: 'off', maxlength: 250 });
  const createGroup = createForm({
    id: 'create-group', summary: 'Create an access group', submitLabel: 'Create access group', refused: 'The access group was not created.',
    fields: [field('group-name', 'Name', groupName), field('group-description', 'Description (optional)', groupDescription)],
    onSubmit: async () => {
      const body = { name: groupName.value.trim() };
      if (groupDescription.value.trim()) body.description = groupDescription.value.trim();
      const created = await call('POST', `/v2/groups?account_id=${account}`, body);
      await Promise.all([groups.load(), grant.refreshSubjects()]);
      return h('p', { class: 'notice success', role: 'status' }, `Access group ${created.name} (`, h('code', {}, created.id), ') was created.');
    },
  });

  const showMembers = async (group) => {
    const path = `/v2/groups/${encodeURIComponent(group.id)}/members`;
    const members = pagedTable({
      id: 'members', caption: `Members of ${group.name}`, shape: MEMBERS, path: `${path}?limit=${size}`,
      columns: ['IAM id', 'Type', 'Added', 'Actions'],
      empty: group.id === 'AccessGroupId-PublicAccess'
        ? 'Every identity of the account belongs to this group; it lists no members.'
        : 'No members yet.',
      row: (m) => {
        const remove = h('button', { type: 'button', class: 'danger small', 'aria-label': `Remove ${m.iam_id} from ${group.name}` }, 'Remove');
        remove.addEventListener('click', async () => {
          const confirmed = await confirmDialog({ title: 'Remove member?', body: h('p', {}, `${m.iam_id} leaves ${group.name} and loses the access the group's policies give.`), confirm: 'Remove' });
          if (!confirmed) return;
          try {
            await call('DELETE', `${path}/${encodeURIComponent(m.iam_id)}`);
            replace(memberResult, h('p', { class: 'notice success', role: 'status' }, `${m.iam_id} was removed.`));
            await members.load();
          } catch (error) {
            replace(memberResult, refusal(error, `${m.iam_id} was not removed.`));
          }
        });
        return h('tr', { 'data-iam-id': m.iam_id },
          h('td', { 'data-label': 'IAM id' }, h('code', { class: 'id' }, m.iam_id)),
          h('td', { 'data-label': 'Type' }, m.type),
          h('td', { 'data-label': 'Added' }, when(m.created_at)),
          h('td', { 'data-label': 'Actions' }, remove));
      },
    });
    const candidates = h('select', { required: true }, h('option', { value: '' }, 'Choose a user or service ID'),
      h('optgroup', { label: 'Users' }, grant.choices.user.map(([value, label]) => h('option', { value, 'data-type': 'user' }, label))),
      h('optgroup', { label: 'Service IDs' }, grant.choices.serviceid.map(([value, label]) => h('option', { value, 'data-type': 'service' }, label))));
    const memberResult = h('div', { id: 'member-result', 'aria-live': 'polite' });
    const add = h('button', { type: 'submit', class: 'primary' }, 'Add member');
    const form = h('form', { class: 'add-member', id: 'add-member' }, field('member-candidate', 'User or service ID', candidates),
      h('div', { class: 'actions' }, add));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const option = candidates.selectedOptions[0];
      add.disabled = true;
      try {
        // Adding members answers 207 with one status per member: a refused member is a refusal of its own.
        const answer = await call('PUT', `${path}`, { members: [{ iam_id: candidates.value, type: option.dataset.type }] });
        const item = answer.members?.[0];
        if (item && item.status_code >= 300) {
          throw new ApiError(item.status_code, { errors: item.errors, trace: item.trace });
        }
        replace(memberResult, h('p', { class: 'notice success', role: 'status' }, `${candidates.value} was added to ${group.name}.`));
        await members.load();
      } catch (error) {
        replace(memberResult, refusal(error, `The member was not added to ${group.name}.`));
      } finally {
        add.disabled = false;
      }
    });
    replace(membersPanel,
      h('h3', { id: 'group-members-title' }, `Members of ${group.name}`),
      members.element,
      group.id === 'AccessGroupId-PublicAccess' ? null : form,
      memberResult);
    membersPanel.hidden = false;
    membersPanel.dataset.group = group.id;
    membersPanel.focus();
    await members.load();
  };

  const grant = accessPolicies(who, account, size);

  const section = (id, title, lead, ...content) => h('section', { 'aria-labelledby': `${id}-heading`, id: `${id}-section` },
    h('h2', { id: `${id}-heading` }, title), lead ? h('p', { class: 'hint' }, lead) : null, content);
  container.append(
    section('users', 'Users', null, invite, users.element),
    section('serviceids', 'Service IDs', 'Identities for applications; each signs in with its own API keys.', createServiceId, keyResult, serviceIds.element),
    section('groups', 'Access groups', 'Users and service IDs gathered to be granted access together.', createGroup, groups.element, membersPanel),
    section('access', 'Access policies', 'Grant a user, a service ID or an access group roles on a service, in the whole account or one resource group; then see and delete the subject\'s policies.', grant.element));
  await Promise.all([users.load(), serviceIds.load(), groups.load(), grant.load()]);
}

// The access policies part: the grant form and the chosen subject's policies.
function accessPolicies(who, account, size) {
  const choices = { user: [], serviceid: [], group: [] };
  const kinds = h('div', { class: 'radios', role: 'radiogroup', 'aria-labelledby': 'grant-kind-legend' },
    SUBJECT_KINDS.map(([value, label], index) => h('label', { class: 'check' },
      h('input', { type: 'radio', name: 'grant-kind', value, id: `grant-kind-${value}`, checked: index === 0 }), ` ${label}`)));
  const subject = h('select', { required: true });
  const service = h('select', {}, ACCESS_SERVICES.map(([value, label]) => h('option', { value }, `${label} (${value})`)));
  const resourceGroup = h('select', {}, h('option', { value: '' }, 'All resource groups'));
  const rolesBox = h('div', { class: 'role-sets', id: 'grant-roles' }, h('p', { class: 'hint' }, 'Loading the roles…'));
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Grant access');
  const result = h('div', { id: 'grant-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card', id: 'grant-form', 'aria-labelledby': 'grant-title' },
    h('h3', { id: 'grant-title' }, 'Grant access'),
    h('fieldset', { class: 'inline' }, h('legend', { id: 'grant-kind-legend' }, 'Subject type'), kinds),
    field('grant-subject', 'Subject', subject),
    field('grant-service', 'Service', service),
    field('grant-resource-group', 'Resource group', resourceGroup, 'All resource groups, or only the resources of one.'),
    h('fieldset', { class: 'inline', 'aria-describedby': 'grant-roles-error' }, h('legend', {}, 'Roles'),
      h('p', { class: 'hint' }, 'Platform, service and this account\'s custom roles of the chosen service.'), rolesBox,
      h('p', { class: 'field-error', id: 'grant-roles-error', role: 'alert', hidden: true })),
    h('div', { class: 'actions' }, submit));
  const policiesTitle = h('h3', { id: 'subject-policies-title' }, 'Access policies');
  const policiesSlot = h('div', { id: 'subject-policies' });
  const element = h('div', {}, form, result, h('section', { 'aria-labelledby': 'subject-policies-title' }, policiesTitle, policiesSlot));

  const kind = () => form.querySelector('input[name="grant-kind"]:checked').value;
  const subjectLabel = () => subject.selectedOptions[0]?.textContent || subject.value;
  let groupNames = new Map();
  const roleNames = new Map();

  const fillSubjects = () => {
    const previous = subject.value;
    const list = choices[kind()];
    const noun = SUBJECT_KINDS.find(([value]) => value === kind())[1].toLowerCase();
    replace(subject, list.length === 0 ? h('option', { value: '' }, `No ${noun} to choose`)
      : list.map(([value, label]) => h('option', { value, selected: value === previous }, label)));
  };

  const refreshSubjects = async () => {
    // A list this identity may not read leaves its choices empty; the list above says why.
    const settle = (promise) => promise.catch(() => []);
    const [users, serviceIds, groups] = await Promise.all([
      settle(listEvery(`/v2/accounts/${account}/users?limit=100`, USERS)),
      settle(listEvery(`/v1/serviceids/?account_id=${account}&pagesize=100`, SERVICE_IDS)),
      settle(listEvery(`/v2/groups?account_id=${account}&limit=100`, GROUPS)),
    ]);
    choices.user = users.map((u) => [u.iam_id, userLabel(u)]);
    choices.serviceid = serviceIds.map((s) => [s.iam_id, `${s.name} (${s.iam_id})`]);
    choices.group = groups.map((g) => [g.id, g.name]);
    fillSubjects();
  };

  const loadRoles = async () => {
    fieldError('grant-roles', '');
    let catalog;
    try {
      catalog = await call('GET', `/v2/roles?service_name=${encodeURIComponent(service.value)}&account_id=${account}`);
    } catch (error) {
      replace(rolesBox, refusal(error, 'The roles of this service could not be read.'));
      return;
    }
    const sets = [['Platform roles', catalog.system_roles], ['Service roles', catalog.service_roles], ['Custom roles', catalog.custom_roles]];
    let index = 0;
    replace(rolesBox, sets.filter(([, roles]) => roles?.length).map(([title, roles]) => h('fieldset', { class: 'roles' },
      h('legend', {}, title),
      roles.map((role) => {
        roleNames.set(role.crn, role.display_name);
        index += 1;
        return h('div', { class: 'role-choice' },
          h('input', { type: 'checkbox', name: 'grant-role', value: role.crn, id: `grant-role-${index}`,
            'aria-describedby': `grant-role-${index}-description` }),
          h('div', {}, h('label', { for: `grant-role-${index}` }, role.display_name),
            h('p', { class: 'muted', id: `grant-role-${index}-description` }, role.description || role.name || role.crn)));
      }))));
  };

  const roleName = (role) => role.display_name || roleNames.get(role.role_id)
    || (String(role.role_id).match(/customRole:(.+)$/)?.[1] ? `${role.role_id.match(/customRole:(.+)$/)[1]} (custom)` : role.role_id);

  const loadPolicies = async () => {
    if (!subject.value) {
      policiesTitle.textContent = 'Access policies';
      replace(policiesSlot, h('p', { class: 'empty' }, 'Choose a subject to see its access policies.'));
      return;
    }
    policiesTitle.textContent = `Access policies of ${subjectLabel()}`;
    const by = kind() === 'group' ? 'access_group_id' : 'iam_id';
    const list = pagedTable({
      id: 'policies', caption: `Access policies of ${subjectLabel()}`, shape: POLICIES,
      path: withQuery('/v1/policies', { account_id: who.account, type: 'access', [by]: subject.value, limit: size }),
      columns: ['Service', 'Resources', 'Roles', 'Created', 'Actions'],
      empty: 'No access policies for this subject.',
      row: (policy) => {
        const attributes = policy.resources?.[0]?.attributes || [];
        const value = (name) => attributes.find((a) => a.name === name)?.value;
        const others = attributes.filter((a) => !['accountId', 'serviceName'].includes(a.name));
        const roles = (policy.roles || []).map(roleName);
        const remove = h('button', { type: 'button', class: 'danger small', 'aria-label': `Delete access policy ${policy.id}` }, 'Delete');
        remove.addEventListener('click', () => deletePolicy(policy, roles, value('serviceName')));
        return h('tr', { 'data-policy': policy.id },
          h('td', { 'data-label': 'Service' }, h('span', { class: 'strong' }, value('serviceName') ? serviceLabel(value('serviceName')) : 'All services')),
          h('td', { 'data-label': 'Resources' }, others.length === 0 ? 'All resources in the account'
            : others.map((a) => h('div', {}, a.name === 'resourceGroupId' ? `Resource group ${groupNames.get(a.value) || a.value}` : `${a.name} ${a.operator || 'stringEquals'} `,
              a.name === 'resourceGroupId' ? null : h('code', { class: 'id' }, a.value)))),
          h('td', { 'data-label': 'Roles' }, roles.map((r) => h('span', { class: 'badge role' }, r))),
          h('td', { 'data-label': 'Created' }, when(policy.created_at), h('div', { class: 'muted' }, h('code', { class: 'id' }, policy.id))),
          h('td', { 'data-label': 'Actions' }, remove));
      },
    });
    replace(policiesSlot, list.element);
    await list.load();
  };

  const deletePolicy = async (policy, roles, serviceName) => {
    const confirmed = await confirmDialog({
      title: 'Delete access policy?',
      body: h('p', {}, `${subjectLabel()} will lose ${roles.join(', ') || 'its roles'}${serviceName ? ` on ${serviceLabel(serviceName)}` : ''}.`),
      confirm: 'Delete',
    });
    if (!confirmed) return;
    try {
      await call('DELETE', `/v1/policies/${encodeURIComponent(policy.id)}`);
      const done = h('p', { class: 'notice success', role: 'status', tabindex: '-1' }, `Access policy ${policy.id} was deleted.`);
      replace(result, done);
      await loadPolicies();
      // The row that held the Delete button is gone: focus goes to what happened.
      done.focus();
    } catch (error) {
      replace(result, refusal(error, 'The access policy was not deleted.'));
    }
  };

  form.addEventListener('change', (event) => {
    if (event.target.name === 'grant-kind') fillSubjects();
    if (event.target.name === 'grant-kind' || event.target === subject) loadPolicies();
  });
  service.addEventListener('change', loadRoles);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fieldError('grant-subject', '');
    fieldError('grant-roles', '');
    const roles = [...rolesBox.querySelectorAll('input[name="grant-role"]:checked')].map((i) => i.value);
    if (!subject.value) {
      fieldError('grant-subject', 'Choose the user, service ID or access group to grant access to.');
      subject.focus();
      return;
    }
    if (roles.length === 0) {
      fieldError('grant-roles', 'Choose at least one role.');
      rolesBox.querySelector('input')?.focus();
      return;
    }
    const resource = [{ name: 'accountId', value: who.account }, { name: 'serviceName', value: service.value }];
    if (resourceGroup.value) resource.push({ name: 'resourceGroupId', value: resourceGroup.value });
    const body = {
      type: 'access',
      subjects: [{ attributes: [{ name: kind() === 'group' ? 'access_group_id' : 'iam_id', value: subject.value }] }],
      roles: roles.map((role_id) => ({ role_id })),
      resources: [{ attributes: resource }],
    };
    submit.disabled = true;
    try {
      const created = await call('POST', '/v1/policies', body);
      replace(result, h('p', { class: 'notice success', role: 'status', id: 'grant-created', 'data-policy': created.id },
        `Access policy `, h('code', {}, created.id), ` grants ${created.roles.map(roleName).join(', ')} on ${serviceLabel(service.value)}`,
        resourceGroup.value ? ` in resource group ${groupNames.get(resourceGroup.value) || resourceGroup.value}` : '', ` to ${subjectLabel()}.`));
      for (const box of rolesBox.querySelectorAll('input:checked')) box.checked = false;
      await loadPolicies();
    } catch (error) {
      replace(result, refusal(error, 'The access policy was not created.'));
      result.querySelector('.refusal')?.setAttribute('tabindex', '-1');
      result.querySelector('.refusal')?.focus();
    } finally {
      submit.disabled = false;
    }
  });

  const load = async () => {
    const [resourceGroups] = await Promise.all([
      call('GET', `/v2/resource_groups?account_id=${account}`).then((b) => b.resources || []).catch(() => []),
      refreshSubjects(),
      loadRoles(),
    ]);
    groupNames = new Map(resourceGroups.map((g) => [g.id, g.name]));
    replace(resourceGroup, h('option', { value: '' }, 'All resource groups'),
      resourceGroups.map((g) => h('option', { value: g.id }, g.default ? `${g.name} (default)` : g.name)));
    await loadPolicies();
  };

  return { element, load, refreshSubjects, choices };
}
