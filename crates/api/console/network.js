// The VPCs page (each VPC as hub, spoke or standalone, the topology picture, the connections and the endpoint
// gateways) and the DNS lookup page.

import { call, listAll, crnParts, vpcCrn, explainBinding } from './api.js';
import { h, replace, field, when, short, prose, refusal } from './dom.js';
import { drawTopology } from './topology.js';

// Only a refused `connect` is a refused attempt to bind; a refused `disconnect` is a spoke deleting its side of a
// binding without the right to (rule D4), which the binding's own health shows.
const BINDING_ACTIONS = ['is.vpc.dns-resolution-binding.connect'];
const DNS_ROLE = 'crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector';

// The spoke and hub VPCs a refusal names, with their accounts: the rule's message reads "the DNS-shared VPC `ID`
// (account `A`) is not authorized to `ACTION` the hub VPC `ID` (account `B`)". Each audience has its own copy of the
// event, whose `account_id` is the reader's, so the accounts are taken from the message.
function refusedPair(event) {
  const text = String(event.reason || '');
  const spoke = text.match(/DNS-shared VPC `([^`]+)` \(account `([^`]+)`\)/);
  const hub = text.match(/hub VPC `([^`]+)` \(account `([^`]+)`\)/);
  if (!spoke) return null;
  return { spokeId: spoke[1], spokeAccount: spoke[2], hubAccount: hub ? hub[2] : event.other_account_id };
}

// Everything the page shows, gathered from the API: VPCs, each VPC's bindings, gateways, refusals, and the server's
// explanation of each pair.
async function gather(who) {
  const [vpcs, gateways, events] = await Promise.all([
    listAll('/v1/vpcs', 'vpcs'),
    listAll('/v1/endpoint_gateways', 'endpoint_gateways'),
    call('GET', '/_hubspoke/events?limit=200').then((b) => b.events || []),
  ]);
  const bindings = new Map(await Promise.all(vpcs.map(async (vpc) =>
    [vpc.id, await listAll(`/v1/vpcs/${encodeURIComponent(vpc.id)}/dns_resolution_bindings`, 'dns_resolution_bindings')])));
  const ownAccount = (vpc) => crnParts(vpc.crn)?.account || who.account;
  const nodes = new Map();
  const nodeOf = (ref, own) => {
    const id = ref.id;
    if (!nodes.has(id)) {
      const account = ref.remote?.account?.id || crnParts(ref.crn)?.account || ref.account || who.account;
      nodes.set(id, { id, name: ref.name || id, account, own, role: 'standalone', crn: ref.crn || null });
    }
    const found = nodes.get(id);
    if (!found.crn && ref.crn) found.crn = ref.crn;
    return found;
  };
  for (const vpc of vpcs) {
    const n = nodeOf({ ...vpc, account: ownAccount(vpc) }, true);
    n.vpc = vpc;
  }
  // Each binding is one relationship seen from both VPCs, with one id: keep it once.
  const edges = new Map();
  for (const vpc of vpcs) {
    for (const binding of bindings.get(vpc.id) || []) {
      if (edges.has(binding.id)) continue;
      const other = nodeOf(binding.vpc, false);
      const self = nodes.get(vpc.id);
      const [hub, spoke] = vpc.dns?.enable_hub ? [self, other] : [other, self];
      hub.role = 'hub';
      if (spoke.role !== 'hub') spoke.role = 'spoke';
      edges.set(binding.id, { kind: 'binding', binding, hub, spoke, state: binding.lifecycle_state,
        health: binding.health_state, reasons: binding.health_reasons || [] });
    }
  }
  for (const vpc of vpcs) if (vpc.dns?.enable_hub) nodes.get(vpc.id).role = 'hub';
  // When each binding was created, to the millisecond as the activity log has it (the API's `created_at` has whole
  // seconds, too coarse to order a binding and a refusal of the same second).
  const created = new Map(events.filter((e) => e.outcome === 'success' && e.action === 'is.vpc.dns-resolution-binding.create')
    .map((e) => [e.target?.id, new Date(e.at)]));
  const createdAt = (binding) => created.get(binding.id) || new Date(new Date(binding.created_at).getTime() + 999);
  // Refused attempts of the binding actions, the latest per (spoke, hub) pair.
  const refusals = new Map();
  for (const event of events) {
    if (event.outcome !== 'refused' || !BINDING_ACTIONS.includes(event.action)) continue;
    const pair = refusedPair(event);
    const hubId = event.target?.id;
    if (!pair || !hubId) continue;
    const key = `${pair.spokeId} ${hubId}`;
    if (!refusals.has(key)) refusals.set(key, { event, ...pair, hubId });
  }
  for (const refusal of refusals.values()) {
    const hub = nodeOf({ id: refusal.hubId, account: refusal.hubAccount }, nodes.get(refusal.hubId)?.own || false);
    if (hub.role !== 'hub') hub.role = 'hub';
    const spoke = nodeOf({ id: refusal.spokeId, account: refusal.spokeAccount }, nodes.get(refusal.spokeId)?.own || false);
    const current = [...edges.values()].find((e) => e.kind === 'binding' && e.hub.id === hub.id && e.spoke.id === spoke.id);
    if (current && createdAt(current.binding) >= new Date(refusal.event.at)) continue;
    if (current) {
      current.lastRefusal = refusal.event;
      continue;
    }
    edges.set(`refused ${refusal.spokeId} ${refusal.hubId}`, { kind: 'refused', hub, spoke, event: refusal.event, state: when(refusal.event.at) });
  }
  // Delegation: a spoke whose resolver is delegated to a hub. On its binding's edge it is a mark; a spoke delegated to
  // a hub it is no longer bound to (the hub removed its side) is drawn with one edge of its own, with the VPC's health
  // (and, if it tried to bind again and was refused, that refusal), so the spoke appears once.
  for (const vpc of vpcs) {
    const target = vpc.dns?.resolver?.type === 'delegated' ? vpc.dns.resolver.vpc : null;
    if (!target) continue;
    const spoke = nodes.get(vpc.id);
    const hub = nodeOf(target, nodes.get(target.id)?.own || false);
    hub.role = 'hub';
    if (spoke.role !== 'hub') spoke.role = 'spoke';
    const [key, existing] = [...edges.entries()].find(([, e]) => e.spoke.id === spoke.id && e.hub.id === hub.id) || [];
    if (existing?.kind === 'binding') {
      existing.delegated = true;
      continue;
    }
    if (key) edges.delete(key);
    edges.set(`delegation ${vpc.id}`, { kind: 'delegation', hub, spoke, state: 'delegated', delegated: true,
      health: vpc.health_state, reasons: vpc.health_reasons || [], lastRefusal: existing?.event });
  }
  // What a binding between each pair would do now, and why, as the server explains it to this account: one of its
  // own VPCs is named by id, another account's by CRN (the activity log knows only its id and account).
  await Promise.all([...edges.values()].map(async (edge) => {
    const like = edge.hub.crn || edge.spoke.crn;
    const name = (node) => (node.own ? { id: node.id } : { crn: node.crn || vpcCrn(node.account, node.id, like) });
    try {
      edge.explanation = await explainBinding(name(edge.spoke), name(edge.hub));
    } catch (error) {
      edge.explanationError = error;
    }
  }));
  return { vpcs, gateways, events, bindings, nodes, edges: [...edges.values()] };
}

// Whether the IAM decision permits the spoke to connect to the hub now, as the server said.
function permitted(edge) {
  return edge.explanation?.decision?.permitted === true;
}

// The decision in one line, for the picture's tooltips.
function decisionLine(edge) {
  const decision = edge.explanation?.decision;
  if (!decision) return edge.explanationError ? `Could not ask the server: ${edge.explanationError.message}` : '';
  return decision.explanation || `${decision.action} is ${decision.permitted ? 'permitted' : 'denied'} (enforcement ${decision.enforcement})`;
}

// The reasons a binding or VPC gives for its health, one line each.
function reasonsText(edge) {
  return (edge.reasons || []).map((r) => `${r.code}: ${r.message}`).join('\n');
}

function graphOf(data) {
  const hubs = [...data.nodes.values()].filter((n) => n.role === 'hub').map((hub) => ({
    node: hub,
    edges: data.edges.filter((e) => e.hub.id === hub.id).map((e) => ({
      spoke: e.spoke,
      kind: e.kind,
      state: e.state,
      health: e.health || '',
      delegated: Boolean(e.delegated),
      granted: e.kind === 'refused' ? false : permitted(e),
      // A refused attempt that a binding made now would no longer meet: the grant came after it.
      allowedNow: e.kind === 'refused' && e.explanation?.allowed === true,
      label: e.kind === 'refused' ? `refused at ${e.state}` : `${e.state}, ${e.health || 'health unknown'}, ${permitted(e) ? 'authorized' : 'not authorized'}${e.delegated ? ', resolver delegated' : ''}`,
      detail: [e.kind === 'refused' ? e.event.reason : decisionLine(e), reasonsText(e)].filter(Boolean).join('\n'),
    })),
  }));
  const connected = new Set(data.edges.flatMap((e) => [e.hub.id, e.spoke.id]));
  const standalone = [...data.nodes.values()].filter((n) => n.role === 'standalone' && n.own && !connected.has(n.id));
  return { hubs, standalone };
}

function roleBadge(role) {
  return h('span', { class: `badge ${role}` }, role);
}

export async function vpcsPage(container, who) {
  container.append(h('div', { class: 'page-head' },
    h('h1', {}, 'VPCs'),
    h('p', { class: 'lead' }, 'Each VPC of this account as a DNS hub, a DNS-shared spoke or standalone; the bindings between them, whether an authorization grants each one now, and refused attempts.')));
  const data = await gather(who);
  const graph = graphOf(data);

  const picture = h('div', { class: 'topology-wrap', id: 'topology-wrap' });
  const draw = () => replace(picture, drawTopology(graph, picture.clientWidth || 360));
  container.append(
    h('section', { 'aria-labelledby': 'topology-heading' },
      h('h2', { id: 'topology-heading' }, 'Topology'),
      h('ul', { class: 'legend', 'aria-label': 'Legend' },
        h('li', {}, h('span', { class: 'swatch granted' }), 'binding, healthy and authorized'),
        h('li', {}, h('span', { class: 'swatch ungranted' }), 'binding, no authorization grants it now'),
        h('li', {}, h('span', { class: 'swatch faulted' }), 'binding faulted or failed, or a degraded delegation'),
        h('li', {}, h('span', { class: 'swatch delegation' }), 'resolver delegated to the hub'),
        h('li', {}, h('span', { class: 'swatch refused' }), 'refused attempt'),
        h('li', {}, h('span', { class: 'swatch refused-allowed' }), 'refused attempt, allowed now')),
      picture),
    connections(data, who),
    vpcTable(data),
    gatewayTable(data));
  draw();
  let pending = null;
  const observer = new ResizeObserver(() => {
    clearTimeout(pending);
    pending = setTimeout(() => { if (picture.isConnected) draw(); else observer.disconnect(); }, 100);
  });
  observer.observe(picture);
}

function connections(data, who) {
  const rows = data.edges.map((edge) => {
    const refused = edge.kind === 'refused';
    const status = refused ? h('span', { class: 'badge refused' }, 'refused')
      : h('span', { class: `badge ${permitted(edge) ? 'granted' : 'ungranted'}` }, permitted(edge) ? 'authorized' : 'not authorized');
    const grant = !permitted(edge) && edge.hub.own
      ? h('a', { href: `#/authorizations/new?source_account=${encodeURIComponent(edge.spoke.account)}&source_vpc=${encodeURIComponent(edge.spoke.id)}&target_vpc=${encodeURIComponent(edge.hub.id)}&role=${encodeURIComponent(DNS_ROLE)}` }, 'Create the missing authorization')
      : null;
    const health = edge.kind === 'refused' ? null : h('div', { class: 'health' },
      h('span', { class: `badge health-${edge.health || 'unknown'}` }, edge.health || 'health unknown'),
      edge.delegated ? [' ', h('span', { class: 'badge delegated' }, 'resolver delegated')] : null,
      (edge.reasons || []).length ? h('ul', { class: 'reasons' }, edge.reasons.map((r) => h('li', {}, h('code', {}, r.code), ': ', prose(r.message)))) : null);
    return h('tr', { class: refused ? 'outcome-refused' : '', 'data-spoke': edge.spoke.id, 'data-kind': edge.kind },
      h('td', { 'data-label': 'Spoke' }, edge.spoke.name, h('div', { class: 'muted' }, h('code', { class: 'id' }, edge.spoke.id)),
        h('div', { class: 'muted' }, edge.spoke.account === who.account ? 'this account' : `account ${edge.spoke.account}`)),
      h('td', { 'data-label': 'Hub' }, edge.hub.name, h('div', { class: 'muted' }, h('code', { class: 'id' }, edge.hub.id))),
      h('td', { 'data-label': 'Binding' }, refused ? `none (attempt at ${edge.state})`
        : edge.kind === 'delegation' ? h('span', {}, 'none: the resolver is delegated without a binding')
          : h('span', {}, edge.binding.name, ' · ', h('span', { class: 'badge' }, edge.state)), health),
      h('td', { 'data-label': 'Authorization' }, status),
      h('td', { 'data-label': 'Why', class: 'reason' },
        refused ? h('p', {}, h('span', { class: 'strong' }, 'The attempt was refused: '), prose(edge.event.reason)) : null,
        edge.lastRefusal ? h('p', { class: 'notice warning' }, `Last attempt refused at ${when(edge.lastRefusal.at)}: `, prose(edge.lastRefusal.reason)) : null,
        explained(edge),
        grant ? h('div', {}, grant) : null));
  });
  return h('section', { 'aria-labelledby': 'connections-heading' },
    h('h2', { id: 'connections-heading' }, 'Connections'),
    rows.length === 0 ? h('p', { class: 'empty' }, 'No DNS resolution binding and no refused attempt.')
      : h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'connections' },
        h('thead', {}, h('tr', {}, ['Spoke', 'Hub', 'Binding', 'Authorization', 'Why'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows))));
}

// The server's explanation of a binding between the edge's two VPCs. For a refused attempt: whether a binding made
// now would be refused, and by which rules in order (a create answers with the first). For every edge: the IAM
// decision, with the policies that granted it or the nearest ones when this account is the hub's; the spoke's
// administrator is told that those are the hub's to see.
function explained(edge) {
  if (!edge.explanation) return edge.explanationError ? refusal(edge.explanationError, 'Could not ask the server.') : null;
  const { allowed, refusals, decision, perspective } = edge.explanation;
  const now = edge.kind === 'refused' ? [
    h('p', { class: 'strong verdict' }, `A binding made now would be ${allowed ? 'allowed' : 'refused'}.`),
    refusals.length ? h('ol', { class: 'explanation refusals' }, refusals.map((refusal) => h('li', { 'data-rule': refusal.rule || '' },
      refusal.rule ? h('span', { class: 'badge refused' }, `rule ${refusal.rule}`) : null, ' ', h('code', {}, refusal.code), ': ',
      prose(refusal.message)))) : null,
  ] : null;
  const grantedBy = decision.granted_by || [];
  return h('div', { class: 'binding-explanation', 'data-allowed': String(allowed), 'data-perspective': perspective },
    now,
    h('p', { class: 'decision', 'data-permitted': String(decision.permitted) },
      'IAM: ', h('code', {}, decision.action), decision.permitted ? ' is permitted' : ' is denied',
      ` (enforcement ${decision.enforcement}).`),
    grantedBy.length ? h('p', { class: 'granted-by' }, 'Granted by ', grantedBy.map((id, index) => [index ? ', ' : '', h('code', {}, id)]), '.') : null,
    // A permitting explanation only repeats the granting policies; a denying one names the nearest policies.
    decision.explanation && !decision.permitted ? h('p', { class: 'engine' }, prose(decision.explanation)) : null,
    perspective === 'spoke' ? h('p', { class: 'hint' }, 'Which policies decided it is for the hub account\'s administrator to see.') : null);
}

function resolverText(vpc) {
  const resolver = vpc.dns?.resolver || {};
  const servers = (resolver.servers || []).map((s) => s.address).join(', ');
  const delegate = resolver.vpc ? ` to ${resolver.vpc.name || resolver.vpc.id}` : '';
  return `${resolver.type || 'system'}${delegate}${servers ? ` (${servers})` : ''}`;
}

function vpcTable(data) {
  const rows = data.vpcs.map((vpc) => {
    const node = data.nodes.get(vpc.id);
    const count = vpc.dns?.resolution_binding_count ?? (data.bindings.get(vpc.id) || []).length;
    return h('tr', { 'data-vpc': vpc.id },
      h('td', { 'data-label': 'Name' }, h('span', { class: 'strong' }, vpc.name), h('div', { class: 'muted' }, h('code', { class: 'id' }, vpc.id))),
      h('td', { 'data-label': 'Role' }, roleBadge(node.role)),
      h('td', { 'data-label': 'DNS resolver' }, resolverText(vpc)),
      h('td', { 'data-label': 'Bindings' }, String(count)),
      h('td', { 'data-label': 'Health' }, vpc.health_state || '—'),
      h('td', { 'data-label': 'Created' }, when(vpc.created_at)));
  });
  return h('section', { 'aria-labelledby': 'vpcs-heading' },
    h('h2', { id: 'vpcs-heading' }, 'VPCs of this account'),
    rows.length === 0 ? h('p', { class: 'empty' }, 'This account has no VPC.')
      : h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'vpcs' },
        h('thead', {}, h('tr', {}, ['Name', 'Role', 'DNS resolver', 'Bindings', 'Health', 'Created'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows))));
}

function gatewayTable(data) {
  const rows = data.gateways.map((gateway) => h('tr', { 'data-gateway': gateway.id },
    h('td', { 'data-label': 'Name' }, h('span', { class: 'strong' }, gateway.name), h('div', { class: 'muted' }, h('code', { class: 'id' }, gateway.id))),
    h('td', { 'data-label': 'VPC' }, gateway.vpc?.name || gateway.vpc?.id),
    h('td', { 'data-label': 'Service endpoint' }, (gateway.service_endpoints || [gateway.service_endpoint]).filter(Boolean).map((n) => h('div', {}, h('code', {}, n)))),
    h('td', { 'data-label': 'Binding mode' }, h('span', { class: `badge mode-${gateway.dns_resolution_binding_mode}` }, gateway.dns_resolution_binding_mode || '—')),
    h('td', { 'data-label': 'IPs' }, (gateway.ips || []).length ? gateway.ips.map((ip) => h('div', {}, h('code', {}, ip.address))) : 'none'),
    h('td', { 'data-label': 'State' }, gateway.lifecycle_state)));
  return h('section', { 'aria-labelledby': 'gateways-heading' },
    h('h2', { id: 'gateways-heading' }, 'Endpoint gateways'),
    rows.length === 0 ? h('p', { class: 'empty' }, 'No endpoint gateway.')
      : h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'gateways' },
        h('thead', {}, h('tr', {}, ['Name', 'VPC', 'Service endpoint', 'Binding mode', 'IPs', 'State'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows))));
}

// DNS lookup: a name as the chosen VPC's resolver answers it, and the explanation of why.
export async function dnsPage(container, who, params) {
  const [vpcs, gateways] = await Promise.all([listAll('/v1/vpcs', 'vpcs'), listAll('/v1/endpoint_gateways', 'endpoint_gateways')]);
  // The VPC asked for, else a hub (whose view is the widest), else the first.
  const chosen = params.get('vpc') || vpcs.find((v) => v.dns?.enable_hub)?.id || vpcs[0]?.id;
  const vpc = h('select', { required: true }, vpcs.map((v) => h('option', { value: v.id, selected: v.id === chosen }, `${v.name} (${v.id})`)));
  const names = [...new Set(gateways.flatMap((g) => g.service_endpoints || [g.service_endpoint]).filter(Boolean))];
  const name = h('input', { type: 'text', required: true, list: 'known-names', autocomplete: 'off', spellcheck: 'false',
    placeholder: 's3.direct.us-south.cloud-object-storage.appdomain.cloud', value: params.get('name') || names[0] || '' });
  const output = h('section', { class: 'result', id: 'lookup-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card lookup', 'aria-labelledby': 'dns-title' },
    field('lookup-vpc', 'As seen from VPC', vpc),
    field('lookup-name', 'Name', name, 'An endpoint gateway\'s service name; the names of this account\'s gateways are suggested.'),
    h('datalist', { id: 'known-names' }, names.map((n) => h('option', { value: n }))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Resolve')));
  container.append(h('div', { class: 'page-head' },
    h('h1', { id: 'dns-title' }, 'DNS lookup'),
    h('p', { class: 'lead' }, 'The answer a VPC\'s resolver gives for a name, and why: its own gateways, a bound spoke\'s, or the hub\'s view through delegation.')),
  vpcs.length === 0 ? h('p', { class: 'notice' }, 'This account has no VPC to resolve from.') : form, output);
  const resolve = async () => {
    replace(output, h('p', { class: 'hint' }, 'Resolving…'));
    try {
      const answer = await call('GET', `/_hubspoke/vpcs/${encodeURIComponent(vpc.value)}/dns_lookup?name=${encodeURIComponent(name.value.trim())}`);
      const endpoint = await call('GET', `/_hubspoke/vpcs/${encodeURIComponent(vpc.value)}/dns_endpoint`).catch(() => null);
      replace(output,
        h('h2', {}, answer.answers.length ? `${answer.name}: ${answer.answers.map((a) => a.address).join(', ')}` : `${answer.name}: no address`),
        h('p', {}, answer.answers.length ? h('span', { class: 'badge granted' }, 'answered') : h('span', { class: 'badge refused' }, 'no answer'),
          ' ', `Resolver: ${answer.source.kind === 'own' ? 'the VPC\'s own' : `${answer.source.kind} to hub ${answer.source.hub}`}`),
        h('h3', {}, 'Why'),
        h('ol', { class: 'explanation', id: 'lookup-explanation' }, answer.explanation.map((line) => h('li', {}, prose(line)))),
        answer.answers.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
          h('thead', {}, h('tr', {}, ['Address', 'Endpoint gateway', 'Mode', 'In VPC', 'Via'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, answer.answers.map((a) => h('tr', {},
            h('td', { 'data-label': 'Address' }, h('code', {}, a.address)),
            h('td', { 'data-label': 'Endpoint gateway' }, a.endpoint_gateway.name),
            h('td', { 'data-label': 'Mode' }, a.endpoint_gateway.mode),
            // Names first: the VPC's name when it is one of this account's, its id otherwise.
            h('td', { 'data-label': 'In VPC' }, vpcs.find((v) => v.id === a.vpc)?.name || h('code', { class: 'id' }, short(a.vpc, 30))),
            h('td', { 'data-label': 'Via' }, a.via.kind === 'binding' ? `binding ${a.via.binding}` : 'own gateway')))))) : null,
        endpoint ? h('p', { class: 'hint' }, 'Ask this VPC\'s DNS endpoint directly: ',
          h('code', {}, `dig @${endpoint.address} -p ${endpoint.port} ${answer.name}`)) : null);
    } catch (error) {
      replace(output, refusal(error, 'The name could not be resolved.'));
    }
  };
  form.addEventListener('submit', (event) => { event.preventDefault(); resolve(); });
  if (vpcs.length && name.value) await resolve();
}
