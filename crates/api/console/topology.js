// The hub-and-spoke picture: one star per hub (the hub above, its spokes below), an edge per DNS resolution binding
// labelled with its state, its health and whether an authorization grants it now (red when faulted or failed, amber
// when degraded or not authorized), a mark when the spoke's resolver is delegated to the hub, dashed edges for a
// delegation without a binding, and dashed red edges for refused attempts (amber once a binding would be allowed).
// The layout is computed for the width available, so the text stays at its real size on a phone and on a desktop.

import { s, short } from './dom.js';

const BOX_W = 196;
const BOX_H = 62;
const CELL_W = 212;
const ROW_H = 176;
const MARGIN = 12;

// graph: { hubs: [{ node, edges: [{ spoke: node, kind: 'binding'|'delegation'|'refused', state, health, delegated,
//          granted, allowedNow, label, detail }] }],
//          standalone: [node] }; node: { id, name, account, own, role }.
export function drawTopology(graph, width) {
  const usable = Math.max(BOX_W + 2 * MARGIN, width);
  const columns = Math.max(1, Math.floor((usable - 2 * MARGIN) / CELL_W));
  const parts = [];
  let y = MARGIN;
  for (const star of graph.hubs) {
    const spokes = star.edges;
    const rows = Math.max(1, Math.ceil(spokes.length / columns));
    const hubX = usable / 2;
    const hubBottom = y + BOX_H;
    parts.push(s('text', { x: MARGIN, y: y + 14, class: 'star-title' }, `DNS hub ${star.node.name}`));
    const edgeLayer = s('g', { class: 'edges' });
    const nodeLayer = s('g', { class: 'nodes' });
    nodeLayer.append(node(star.node, hubX - BOX_W / 2, y + 20, 'hub'));
    spokes.forEach((edge, index) => {
      const row = Math.floor(index / columns);
      const inRow = Math.min(columns, spokes.length - row * columns);
      const column = index % columns;
      const x = usable / 2 + (column - (inRow - 1) / 2) * CELL_W;
      const top = hubBottom + 20 + 96 + row * ROW_H;
      edgeLayer.append(edgeShape(edge, { x: hubX, y: hubBottom + 20 }, { x, y: top }));
      nodeLayer.append(node(edge.spoke, x - BOX_W / 2, top, edge.kind === 'refused' ? 'refused' : 'spoke'));
    });
    if (spokes.length === 0) {
      parts.push(s('text', { x: hubX, y: hubBottom + 50, class: 'none', 'text-anchor': 'middle' }, 'No spoke is bound to this hub yet.'));
    }
    parts.push(s('g', { class: 'star', 'data-hub': star.node.id }, edgeLayer, nodeLayer));
    y = spokes.length === 0 ? hubBottom + 80 : hubBottom + 20 + 96 + rows * ROW_H - ROW_H + BOX_H + 30;
  }
  if (graph.standalone.length) {
    parts.push(s('text', { x: MARGIN, y: y + 14, class: 'star-title' }, 'Standalone VPCs'));
    y += 24;
    graph.standalone.forEach((vpc, index) => {
      const row = Math.floor(index / columns);
      const column = index % columns;
      parts.push(node(vpc, MARGIN + column * CELL_W, y + row * (BOX_H + 16), 'standalone'));
    });
    y += Math.ceil(graph.standalone.length / columns) * (BOX_H + 16);
  }
  const height = Math.max(y + MARGIN, 80);
  return s('svg', { xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${usable} ${height}`, width: usable, height,
    role: 'img', 'aria-labelledby': 'topology-title topology-desc', class: 'topology', id: 'topology' },
  s('title', { id: 'topology-title' }, 'Hub-and-spoke topology'),
  s('desc', { id: 'topology-desc' }, describe(graph)),
  parts);
}

function describe(graph) {
  const lines = graph.hubs.map((star) => `Hub ${star.node.name}: ${star.edges.length === 0 ? 'no spokes' : star.edges.map((e) => `${e.spoke.name} ${e.label}`).join('; ')}.`);
  if (graph.standalone.length) lines.push(`Standalone: ${graph.standalone.map((v) => v.name).join(', ')}.`);
  return lines.join(' ') || 'No VPCs.';
}

// A VPC's box. The texts are cut to what fits the box; the full name, id and account are in its tooltip.
function node(vpc, x, y, kind) {
  const owner = vpc.own ? 'this account' : `account ${short(vpc.account, 10)}`;
  const role = kind === 'refused' ? 'refused' : kind;
  return s('g', { class: `node ${kind}`, 'data-vpc': vpc.id, transform: `translate(${x} ${y})` },
    s('rect', { width: BOX_W, height: BOX_H, rx: 8 }),
    s('text', { x: 12, y: 21, class: 'name' }, short(vpc.name || vpc.id, 20)),
    s('text', { x: 12, y: 38, class: 'meta' }, `${role} · ${owner}`),
    s('text', { x: 12, y: 53, class: 'meta id' }, short(vpc.id, 24)),
    s('title', {}, `${vpc.name || ''} ${vpc.id} (${role}, ${vpc.own ? 'this account' : `account ${vpc.account}`})`));
}

// How an edge is drawn: a refused attempt red (amber once allowed), a binding or delegation red when faulted or
// failed, amber when degraded or not authorized, green when healthy and authorized.
function edgeClass(edge) {
  if (edge.kind === 'refused') return edge.allowedNow ? 'refused-allowed' : 'refused';
  if (edge.health === 'faulted' || edge.state === 'failed') return 'faulted';
  if (edge.kind === 'delegation' || edge.health === 'degraded') return 'degraded';
  return edge.granted ? 'granted' : 'ungranted';
}

function edgeShape(edge, from, to) {
  const kind = edgeClass(edge);
  const labelY = to.y - 44;
  const lines = edge.kind === 'refused'
    ? ['refused', edge.allowedNow ? 'allowed now' : edge.state]
    : [`${edge.kind === 'delegation' ? 'no binding' : edge.state} · ${edge.health || '?'}`,
      edge.kind === 'delegation' ? 'resolver delegated' : edge.granted ? 'authorized' : 'not authorized'];
  const mark = edge.delegated && edge.kind === 'binding'
    ? s('text', { x: to.x, y: labelY + 30, 'text-anchor': 'middle', class: 'label sub delegated' }, 'resolver delegated')
    : null;
  return s('g', { class: `edge ${kind}${edge.kind === 'delegation' ? ' delegation' : ''}`, 'data-spoke': edge.spoke.id,
    'data-state': edge.state, 'data-health': edge.health || '', 'data-delegated': String(Boolean(edge.delegated)),
    'data-granted': String(Boolean(edge.granted)), 'data-allowed-now': String(Boolean(edge.allowedNow)), 'data-kind': edge.kind },
  s('line', { x1: from.x, y1: from.y, x2: to.x, y2: to.y }),
  s('rect', { x: to.x - 84, y: labelY - 15, width: 168, height: mark ? 50 : 36, rx: 6, class: 'label-bg' }),
  s('text', { x: to.x, y: labelY, 'text-anchor': 'middle', class: 'label' }, lines[0]),
  s('text', { x: to.x, y: labelY + 15, 'text-anchor': 'middle', class: 'label sub' }, lines[1]),
  mark,
  s('title', {}, edge.detail || edge.label));
}
