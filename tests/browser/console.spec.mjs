// End-to-end test of hubspoke's web console in Debian's headless Chromium, driven by playwright-core.
//
// Run by the Rust integration test `console` (tests/integration/console.rs), which starts a real server, creates the
// hub and spoke accounts with the seed's VPCs and gateway, and passes them in the environment. The hub's
// administrator signs in, creates the authorization for the specific spoke VPC through the form, sees the spoke's
// binding succeed and the topology draw the edge, deletes the authorization with confirmation and sees the next
// binding refused, in the picture and in Activity. On the IAM page the administrator invites a user, creates a service
// ID with an API key and an access group, grants the group an access policy, sees a duplicate refused with its reason,
// and deletes the policy; the service ID's key signs in and sees why it is refused. Every page is checked and
// photographed at 1280 and 420 px.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} is set (run this through the Rust test \`console\`)`);
  return value;
};
const URL_BASE = env('HUBSPOKE_URL');
const HUB = { apikey: env('HUB_APIKEY'), account: env('HUB_ACCOUNT'), vpc: env('HUB_VPC'), crn: env('HUB_VPC_CRN') };
const SPOKE = { apikey: env('SPOKE_APIKEY'), account: env('SPOKE_ACCOUNT'), vpc: env('SPOKE_VPC') };
const HUBSPOKE_BIN = env('HUBSPOKE_BIN');
const OPERATOR_APIKEY = env('OPERATOR_APIKEY');
const SCREENSHOTS = process.env.SCREENSHOTS || 'console-screenshots';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const VERSION = 'version=2026-10-06&generation=2';
const COS_NAME = 's3.direct.us-south.cloud-object-storage.appdomain.cloud';
const WAIT = { timeout: 15_000 };
const origin = new URL(URL_BASE).origin;

// Each run's screenshots replace the last run's, so that none is stale.
rmSync(SCREENSHOTS, { recursive: true, force: true });
mkdirSync(SCREENSHOTS, { recursive: true });
// The whole run is bounded: a browser that hangs fails the test instead of stalling CI.
setTimeout(() => {
  console.error('console: the browser test took more than three minutes');
  process.exit(2);
}, 180_000).unref();
const step = (text) => console.log(`- ${text}`);

// The API, from the test itself: what the spoke's administrator does outside the hub's console.
async function api(apikey, method, path, body) {
  const form = new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey });
  const token = (await (await fetch(`${URL_BASE}/identity/token`, { method: 'POST', body: form })).json()).access_token;
  const response = await fetch(`${URL_BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

// playwright gives the browser a fresh, empty profile directory of its own (and removes it on close). Without the
// background-networking flags Chromium tries to reach Google's hosts, which a closed network refuses.
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  timeout: 60_000,
});

// Every request the pages make, and every script error or CSP violation they report.
const foreign = [];
const problems = [];
function watch(page) {
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith('data:') && new URL(url).origin !== origin) foreign.push(url);
  });
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    // A refused API call (the validation step's 400) is logged by Chromium as a failed load; that is expected.
    if (message.type() === 'error' && !text.startsWith('Failed to load resource')) problems.push(`console: ${text}`);
  });
}

// Opens a page afresh: going to the URL the tab already shows would only be a same-document hash change.
async function open(page, hash) {
  const url = `${URL_BASE}/console${hash}`;
  if (page.url() === url) await page.reload();
  else await page.goto(url);
  await page.locator('.page[aria-busy="false"]').waitFor(WAIT);
}

async function shot(page, name) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

// A page in a context of its own, signed in with `apikey` (an administrator's, a user's or a service ID's).
async function signedInPage(apikey) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  watch(page);
  await signIn(page, apikey);
  return page;
}

async function signIn(page, apikey) {
  await page.goto(`${URL_BASE}/console`);
  const key = page.getByLabel('API key');
  await key.waitFor(WAIT);
  // The form is usable from the keyboard: focus starts in the field and Enter submits.
  assert.equal(await key.evaluate((el) => el === document.activeElement), true, 'focus starts in the API key field');
  await page.keyboard.type(apikey);
  await page.keyboard.press('Enter');
  await page.locator('.page[aria-busy="false"]').waitFor(WAIT);
}

const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
watch(page);
try {
  step('the sign-in page refuses a wrong key next to the field, then the hub administrator signs in');
  await page.goto(`${URL_BASE}/console`);
  await page.getByLabel('API key').fill('not-a-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#apikey-error').waitFor({ state: 'visible', ...WAIT });
  await shot(page, 'sign-in-1280');
  await signIn(page, HUB.apikey);
  await page.locator('#who-account', { hasText: HUB.account }).waitFor(WAIT);
  const stored = await page.evaluate(() => ({ session: Object.keys(sessionStorage), cookies: document.cookie }));
  assert.deepEqual(stored, { session: ['hubspoke.console.token'], cookies: '' }, 'the token is in sessionStorage only');

  step('the authorization list starts empty');
  await page.getByText('No authorizations yet').waitFor(WAIT);

  step('the Create form: the role catalog offers DNS Binding Connector');
  await page.getByRole('link', { name: 'Create', exact: true }).click();
  await page.locator('.page[data-page="authorizations/new"][aria-busy="false"]').waitFor(WAIT);
  await page.getByRole('radio', { name: 'Another account' }).check();
  await page.getByLabel('Source account id').fill('not-an-account');
  await page.getByLabel('Source service', { exact: true }).selectOption('is');
  await page.locator('#source-scope-attributes').check();
  await page.locator('#source-resource-type').selectOption('vpc');
  await page.getByLabel('Source service instance').fill(SPOKE.vpc);
  await page.getByLabel('Target service', { exact: true }).selectOption('is');
  await page.locator('#target-scope-attributes').check();
  await page.locator('#target-resource-type').selectOption('vpc');
  await page.getByLabel('Target service instance').selectOption(HUB.vpc);
  await page.getByRole('checkbox', { name: 'DNS Binding Connector', exact: true }).check();

  step('a validation error from the API appears next to the source account field');
  await page.getByRole('button', { name: 'Authorize' }).click();
  const accountError = page.locator('#source-account-id-error');
  await accountError.waitFor({ state: 'visible', ...WAIT });
  assert.match(await accountError.innerText(), /not an account id/);
  assert.equal(await page.getByLabel('Source account id').getAttribute('aria-invalid'), 'true');
  await shot(page, 'create-validation-1280');

  step('the authorization for the specific spoke VPC is created; its JSON and CLI command are shown');
  await page.getByLabel('Source account id').fill(SPOKE.account);
  await page.getByRole('button', { name: 'Authorize' }).click();
  await page.locator('#result').waitFor({ state: 'visible', ...WAIT });
  const cli = await page.locator('#result-cli').innerText();
  assert.equal(cli, `ibmcloud iam authorization-policy-create is is "DNS Binding Connector" --source-service-account ${SPOKE.account} --source-resource-type vpc --source-resource ${SPOKE.vpc} --target-resource-type vpc --target-resource ${HUB.vpc}`);
  const created = JSON.parse(await page.locator('#result-json').innerText());
  assert.deepEqual(created.subjects[0].attributes.find((a) => a.name === 'resource'), { name: 'resource', value: SPOKE.vpc });
  assert.equal(created.roles[0].display_name, 'DNS Binding Connector');
  await shot(page, 'create-result-1280');

  step('the spoke binds to the hub (through the API, as the spoke administrator): it succeeds');
  const bound = await api(SPOKE.apikey, 'POST', `/v1/vpcs/${SPOKE.vpc}/dns_resolution_bindings?${VERSION}`,
    { name: 'to-hub', vpc: { crn: HUB.crn } });
  assert.equal(bound.status, 201, JSON.stringify(bound.body));

  step('the topology shows the edge: bound, and authorized');
  await open(page, '#/vpcs');
  const edge = page.locator(`#topology .edge[data-kind="binding"][data-spoke="${SPOKE.vpc}"]`);
  await edge.waitFor(WAIT);
  assert.equal(await edge.getAttribute('data-granted'), 'true');
  assert.match(await edge.getAttribute('data-state'), /^(pending|stable)$/);
  assert.equal(await edge.getAttribute('data-health'), 'ok');
  await page.locator('#gateways').getByText('primary').first().waitFor(WAIT);
  await shot(page, 'vpcs-bound-1280');

  step('Connections gives the server\'s explanation: permitted, and by the policy the hub just created');
  const boundRow = page.locator(`#connections tr[data-kind="binding"][data-spoke="${SPOKE.vpc}"]`);
  await boundRow.locator('.binding-explanation[data-perspective="hub"] .decision[data-permitted="true"]').waitFor(WAIT);
  assert.match(await boundRow.locator('.decision').innerText(), /is\.vpc\.dns-resolution-binding\.connect is permitted \(enforcement enforce\)/);
  assert.equal(await boundRow.locator('.granted-by code').innerText(), created.id);

  step('the DNS lookup page resolves the hub gateway and explains it');
  await open(page, `#/dns?vpc=${HUB.vpc}&name=${COS_NAME}`);
  await page.locator('#lookup-explanation li', { hasText: 'from endpoint gateway' }).waitFor(WAIT);
  await shot(page, 'dns-1280');

  step('the list shows the authorization; the filter hides it and shows it again');
  await open(page, '#/authorizations');
  const row = page.locator(`#authorizations tr[data-policy="${created.id}"]`);
  await row.waitFor(WAIT);
  assert.match(await row.innerText(), /DNS Binding Connector/);
  await page.getByLabel('Filter').fill('kms');
  await row.waitFor({ state: 'hidden', ...WAIT });
  await page.getByLabel('Filter').fill(SPOKE.vpc.slice(0, 12));
  await row.waitFor({ state: 'visible', ...WAIT });
  await shot(page, 'authorizations-1280');

  step('delete asks first: Escape cancels, the keyboard confirms');
  await row.getByRole('button', { name: /Delete/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete authorization?' });
  await dialog.waitFor(WAIT);
  await shot(page, 'authorizations-delete-dialog-1280');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden', ...WAIT });
  assert.equal((await api(HUB.apikey, 'GET', `/v1/policies/${created.id}`)).body.state, 'active', 'cancel kept it');
  await row.getByRole('button', { name: /Delete/ }).focus();
  await page.keyboard.press('Enter');
  await dialog.waitFor(WAIT);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.getByText(`Authorization ${created.id} was deleted.`).waitFor(WAIT);
  await row.waitFor({ state: 'detached', ...WAIT });
  // IBM keeps a deleted policy readable by id, in the state `deleted`.
  assert.equal((await api(HUB.apikey, 'GET', `/v1/policies/${created.id}`)).body.state, 'deleted');

  step('the CLI command the form showed, run with hubspoke\'s CLI, creates the same policy');
  const words = cli.match(/"[^"]*"|\S+/g).map((word) => word.replace(/^"(.*)"$/, '$1'));
  assert.deepEqual(words.slice(0, 3), ['ibmcloud', 'iam', 'authorization-policy-create']);
  const configDir = mkdtempSync(join(tmpdir(), 'hubspoke-cli-'));
  const fromCli = JSON.parse(execFileSync(HUBSPOKE_BIN, [...words.slice(1), '--output', 'json'], {
    env: { PATH: process.env.PATH, HUBSPOKE_ENDPOINT: URL_BASE, HUBSPOKE_APIKEY: HUB.apikey, HUBSPOKE_CONFIG_DIR: configDir },
  }).toString());
  rmSync(configDir, { recursive: true, force: true });
  const content = (policy) => JSON.stringify([policy.subjects, policy.resources.map((r) => r.attributes.map(({ name, value }) => ({ name, value }))), policy.roles.map((r) => r.role_id)]);
  assert.equal(content(fromCli), content(created));
  assert.equal((await api(HUB.apikey, 'DELETE', `/v1/policies/${fromCli.id}`)).status, 204);

  step('the binding still exists, but the picture says no authorization grants it now');
  await open(page, '#/vpcs');
  await page.locator(`#topology .edge[data-kind="binding"][data-spoke="${SPOKE.vpc}"][data-granted="false"]`).waitFor(WAIT);

  step('the hub removes the binding; the spoke binds again and is refused');
  const hubBindings = await api(HUB.apikey, 'GET', `/v1/vpcs/${HUB.vpc}/dns_resolution_bindings?${VERSION}`);
  const binding = hubBindings.body.dns_resolution_bindings[0];
  assert.equal((await api(HUB.apikey, 'DELETE', `/v1/vpcs/${HUB.vpc}/dns_resolution_bindings/${binding.id}?${VERSION}`)).status, 202);
  const refused = await api(SPOKE.apikey, 'POST', `/v1/vpcs/${SPOKE.vpc}/dns_resolution_bindings?${VERSION}`,
    { name: 'to-hub-again', vpc: { crn: HUB.crn } });
  assert.equal(refused.status, 401, JSON.stringify(refused.body));
  assert.equal(refused.body.errors[0].code, 'not_authorized');

  step('the topology draws the refused attempt, and Activity highlights it with its reason');
  await open(page, '#/vpcs');
  await page.locator(`#topology .edge[data-kind="refused"][data-spoke="${SPOKE.vpc}"]`).waitFor(WAIT);
  const refusedRow = page.locator(`#connections tr.outcome-refused[data-spoke="${SPOKE.vpc}"]`);
  await refusedRow.getByRole('link', { name: 'Create the missing authorization' }).waitFor(WAIT);
  await shot(page, 'vpcs-refused-1280');

  step('the refused attempt is explained by the server: a binding now would be refused by rule C8, and why');
  const now = refusedRow.locator('.binding-explanation[data-perspective="hub"][data-allowed="false"]');
  await now.waitFor(WAIT);
  assert.match(await now.locator('.verdict').innerText(), /would be refused/);
  const first = now.locator('ol.refusals li').first();
  assert.equal(await first.getAttribute('data-rule'), 'C8');
  assert.match(await first.innerText(), /^rule C8 not_authorized: the DNS-shared VPC .* is not authorized to /s);
  assert.equal(await now.locator('.decision').getAttribute('data-permitted'), 'false');
  // The hub's administrator sees the engine's reasons; the create answered the spoke with the same rule.
  assert.match(await now.locator('.engine').innerText(), new RegExp(`is denied: account ${HUB.account} has no active authorization policy for subjects in account ${SPOKE.account}`));
  assert.match(refused.body.errors[0].message, /\(rule C8\)/);

  step('"Create the missing authorization" opens the form with the spoke, the hub and the role filled in');
  await refusedRow.getByRole('link', { name: 'Create the missing authorization' }).click();
  await page.locator('.page[data-page="authorizations/new"][aria-busy="false"]').waitFor(WAIT);
  const role = page.getByRole('checkbox', { name: 'DNS Binding Connector', exact: true });
  await role.waitFor(WAIT);
  assert.equal(await role.isChecked(), true, 'the DNS Binding Connector role is ticked');
  assert.equal(await page.getByLabel('Source service instance').inputValue(), SPOKE.vpc);
  await open(page, '#/activity');
  const refusal = page.locator('#events tr.outcome-refused', { hasText: 'is.vpc.dns-resolution-binding.connect' }).first();
  await refusal.waitFor(WAIT);
  assert.match(await refusal.innerText(), /not authorized.*DNSBindingConnector/s);
  await shot(page, 'activity-1280');

  step('the hub grants all of the spoke account\'s VPCs (through the API) and the spoke binds again');
  const all = await api(HUB.apikey, 'POST', '/v1/policies', {
    type: 'authorization',
    subjects: [{ attributes: [{ name: 'accountId', value: SPOKE.account }, { name: 'serviceName', value: 'is' },
      { name: 'resourceType', value: 'vpc' }] }],
    roles: [{ role_id: 'crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector' }],
    resources: [{ attributes: [{ name: 'accountId', value: HUB.account }, { name: 'serviceName', value: 'is' },
      { name: 'resourceType', value: 'vpc' }, { name: 'resource', value: HUB.vpc }] }],
  });
  assert.equal(all.status, 201, JSON.stringify(all.body));

  step('the refused attempt is redrawn as allowed now: no longer red once a grant would let it through');
  await open(page, '#/vpcs');
  const allowedNow = page.locator(`#topology .edge[data-kind="refused"][data-spoke="${SPOKE.vpc}"]`);
  await allowedNow.waitFor(WAIT);
  assert.equal(await allowedNow.getAttribute('data-allowed-now'), 'true');
  assert.match(await allowedNow.getAttribute('class'), /refused-allowed/);
  const again = await api(SPOKE.apikey, 'POST', `/v1/vpcs/${SPOKE.vpc}/dns_resolution_bindings?${VERSION}`,
    { name: 'to-hub', vpc: { crn: HUB.crn } });
  assert.equal(again.status, 201, JSON.stringify(again.body));
  await open(page, '#/vpcs');
  await page.locator(`#topology .edge[data-kind="binding"][data-spoke="${SPOKE.vpc}"][data-granted="true"]`).waitFor(WAIT);
  assert.equal(await page.locator('#topology .edge[data-kind="refused"]').count(), 0, 'a refusal older than the binding is not drawn');
  assert.equal(await page.locator(`#connections tr[data-kind="binding"][data-spoke="${SPOKE.vpc}"] .granted-by code`).innerText(), all.body.id);

  step('every page, at 1280 and 420 px: no horizontal overflow, and a screenshot');
  const pages = ['authorizations', 'authorizations/new', 'iam', 'vpcs', 'dns', 'activity'];
  for (const width of [1280, 420]) {
    await page.setViewportSize({ width, height: 900 });
    for (const name of pages) {
      await open(page, `#/${name}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `#/${name} at ${width} px overflows by ${overflow} px`);
      await shot(page, `page-${name.replace('/', '-')}-${width}`);
    }
  }
  await page.evaluate(() => { sessionStorage.clear(); });
  await page.goto(`${URL_BASE}/console`);
  await page.getByLabel('API key').waitFor(WAIT);
  await shot(page, 'page-sign-in-420');

  step('the spoke administrator sees its binding to the other account\'s hub, and its refusal in Activity');
  const spokeContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const spokePage = await spokeContext.newPage();
  watch(spokePage);
  await signIn(spokePage, SPOKE.apikey);
  await open(spokePage, '#/vpcs');
  await spokePage.locator(`#vpcs tr[data-vpc="${SPOKE.vpc}"]`).waitFor(WAIT);
  // From the spoke's side the hub is another account's VPC, named by the binding.
  await spokePage.locator(`#topology .star[data-hub="${HUB.vpc}"] .edge[data-kind="binding"][data-spoke="${SPOKE.vpc}"][data-granted="true"]`).waitFor(WAIT);
  await shot(spokePage, 'spoke-vpcs-1280');

  step('the spoke administrator sees the decision, never the hub\'s policies');
  const spokeRow = spokePage.locator(`#connections tr[data-kind="binding"][data-spoke="${SPOKE.vpc}"]`);
  await spokeRow.locator('.binding-explanation[data-perspective="spoke"] .decision[data-permitted="true"]').waitFor(WAIT);
  assert.equal(await spokeRow.locator('.granted-by, .engine').count(), 0);
  const spokeSees = await spokePage.locator('main').innerText();
  for (const id of [created.id, fromCli.id, all.body.id]) assert.ok(!spokeSees.includes(id), `the hub's policy ${id} is not shown to the spoke`);
  await open(spokePage, '#/activity');
  await spokePage.locator('#events tr.outcome-refused').first().waitFor(WAIT);
  await shot(spokePage, 'spoke-activity-1280');
  await spokeContext.close();

  step('the spoke delegates its resolver to the hub: the edge carries the delegation');
  await page.setViewportSize({ width: 1280, height: 900 });
  await signIn(page, HUB.apikey);
  const delegated = await api(SPOKE.apikey, 'PATCH', `/v1/vpcs/${SPOKE.vpc}?${VERSION}`,
    { dns: { resolver: { type: 'delegated', vpc: { crn: HUB.crn } } } });
  assert.equal(delegated.status, 200, JSON.stringify(delegated.body));
  // The spoke's resolver is the spoke account's to see: its administrator's picture marks it.
  const delegating = await signedInPage(SPOKE.apikey);
  await open(delegating, '#/vpcs');
  const delegatedEdge = delegating.locator(`#topology .edge[data-kind="binding"][data-spoke="${SPOKE.vpc}"][data-delegated="true"]`);
  await delegatedEdge.waitFor(WAIT);
  assert.match(await delegatedEdge.innerHTML(), /resolver delegated/);
  await shot(delegating, 'spoke-vpcs-delegated-1280');
  await delegating.context().close();

  step('the hub removes its side while the spoke is delegated: the delegation is drawn, degraded, with its reason');
  const hubSide = (await api(HUB.apikey, 'GET', `/v1/vpcs/${HUB.vpc}/dns_resolution_bindings?${VERSION}`)).body.dns_resolution_bindings[0];
  assert.equal((await api(HUB.apikey, 'DELETE', `/v1/vpcs/${HUB.vpc}/dns_resolution_bindings/${hubSide.id}?${VERSION}`)).status, 202);
  const spokeView = await signedInPage(SPOKE.apikey);
  await open(spokeView, '#/vpcs');
  const degraded = spokeView.locator(`#topology .edge[data-kind="delegation"][data-spoke="${SPOKE.vpc}"]`);
  await degraded.waitFor(WAIT);
  assert.equal(await degraded.getAttribute('data-health'), 'degraded');
  assert.match(await degraded.getAttribute('class'), /degraded/);
  assert.equal(await spokeView.locator(`#topology [data-vpc="${SPOKE.vpc}"]`).count(), 1, 'the spoke is drawn once');
  await spokeView.locator(`#connections tr[data-kind="delegation"][data-spoke="${SPOKE.vpc}"] .reasons li`).first().waitFor(WAIT);
  await shot(spokeView, 'spoke-vpcs-degraded-1280');
  await spokeView.context().close();

  step('a spoke that may not disconnect deletes only its side: the hub sees its side faulted, in red, with the reason');
  assert.equal((await api(SPOKE.apikey, 'PATCH', `/v1/vpcs/${SPOKE.vpc}?${VERSION}`, { dns: { resolver: { type: 'system' } } })).status, 200);
  const rebound = await api(SPOKE.apikey, 'POST', `/v1/vpcs/${SPOKE.vpc}/dns_resolution_bindings?${VERSION}`, { name: 'to-hub', vpc: { crn: HUB.crn } });
  assert.equal(rebound.status, 201, JSON.stringify(rebound.body));
  assert.equal((await api(HUB.apikey, 'DELETE', `/v1/policies/${all.body.id}`)).status, 204);
  const spokeDelete = await api(SPOKE.apikey, 'DELETE', `/v1/vpcs/${SPOKE.vpc}/dns_resolution_bindings/${rebound.body.id}?${VERSION}`);
  assert.equal(spokeDelete.status, 202);
  assert.equal(spokeDelete.body.health_reasons[0].code, 'dns_resolution_binding_hub_side_kept');
  await open(page, '#/vpcs');
  const faulted = page.locator(`#topology .edge[data-kind="binding"][data-spoke="${SPOKE.vpc}"][data-health="faulted"]`);
  await faulted.waitFor(WAIT);
  assert.match(await faulted.getAttribute('class'), /faulted/);
  assert.doesNotMatch(await faulted.getAttribute('class'), /granted/);
  await page.locator(`#connections tr[data-kind="binding"][data-spoke="${SPOKE.vpc}"] .badge.health-faulted`).waitFor(WAIT);
  await shot(page, 'vpcs-faulted-1280');

  step('the operator creates an account in the console; its key is shown once and works');
  const operatorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const operatorPage = await operatorContext.newPage();
  watch(operatorPage);
  await signIn(operatorPage, OPERATOR_APIKEY);
  await operatorPage.getByRole('link', { name: 'Accounts' }).click();
  await operatorPage.locator('.page[data-page="accounts"][aria-busy="false"]').waitFor(WAIT);
  await operatorPage.getByLabel('Name').fill('console-made');
  await operatorPage.getByRole('button', { name: 'Create account' }).click();
  const apikey = (await operatorPage.locator('#account-apikey').innerText({ timeout: 15_000 })).trim();
  assert.ok(apikey.length >= 40, apikey);
  assert.equal((await api(apikey, 'GET', `/v1/vpcs?${VERSION}`)).status, 200, 'the new key works');
  await operatorPage.locator('#accounts tr', { hasText: 'console-made' }).waitFor(WAIT);
  await shot(operatorPage, 'operator-accounts-1280');
  await operatorContext.close();
  assert.equal(await page.locator('#nav-accounts').isHidden(), true, 'an account administrator has no Accounts page');

  step('IAM: the administrator invites a user from the keyboard; the users list pages as the API does');
  const customRole = await api(HUB.apikey, 'POST', '/v2/roles', { name: 'VpcReader', display_name: 'VPC reader',
    description: 'Reads VPCs.', account_id: HUB.account, service_name: 'is', actions: ['is.vpc.vpc.read'] });
  assert.equal(customRole.status, 201, JSON.stringify(customRole.body));
  await open(page, '#/iam?page_size=1');
  await page.locator('#users-count').waitFor(WAIT);
  await page.locator('#invite-user-details > summary').focus();
  await page.keyboard.press('Enter');
  await page.getByLabel('E-mail address').fill('dev@example.com');
  await page.keyboard.press('Enter');
  const invited = page.locator('#invite-user-result .notice.success');
  await invited.waitFor(WAIT);
  const devId = await invited.locator('code').innerText();
  assert.match(devId, /^IBMid-[A-Z0-9]{10}$/);
  // One user per page: the administrator and the invited user take two pages, joined by Show more.
  await page.locator('#users-count', { hasText: '1 of 2 shown' }).waitFor(WAIT);
  await page.locator('#users-more').click();
  await page.locator('#users-count', { hasText: '2 of 2 shown' }).waitFor(WAIT);
  await page.locator(`#users tr[data-iam-id="${devId}"]`).waitFor(WAIT);
  assert.equal(await page.locator('#users-more').isHidden(), true, 'no page after the last');

  step('IAM: a service ID with an API key, shown once, and an access group with the service ID as member');
  await page.locator('#create-serviceid-details > summary').click();
  await page.locator('#serviceid-name').fill('robot');
  await page.getByRole('button', { name: 'Create service ID' }).click();
  await page.locator('#create-serviceid-result .notice.success').waitFor(WAIT);
  const robotId = await page.locator('#create-serviceid-result code').innerText();
  assert.match(robotId, /^iam-ServiceId-/);
  await page.getByRole('button', { name: 'Create an API key for robot' }).click();
  const robotKey = (await page.locator('#serviceid-apikey').innerText(WAIT)).trim();
  assert.ok(robotKey.length >= 32, robotKey);
  await page.locator('#create-group-details > summary').click();
  await page.locator('#group-name').fill('network-admins');
  await page.getByRole('button', { name: 'Create access group' }).click();
  await page.locator('#create-group-result .notice.success').waitFor(WAIT);
  const groupId = await page.locator('#create-group-result code').innerText();
  // The Public Access group comes first; the new group is on the next page.
  await page.locator('#groups-more').click();
  await page.getByRole('button', { name: 'Members of network-admins' }).click();
  await page.locator(`#group-members[data-group="${groupId}"]`).waitFor(WAIT);
  await page.locator('#group-members .empty', { hasText: 'No members yet' }).waitFor(WAIT);
  await page.getByLabel('User or service ID').selectOption(robotId);
  await page.getByRole('button', { name: 'Add member' }).click();
  await page.locator(`#members tr[data-iam-id="${robotId}"]`).waitFor(WAIT);
  const members = await api(HUB.apikey, 'GET', `/v2/groups/${groupId}/members`);
  assert.deepEqual(members.body.members.map((m) => m.iam_id), [robotId]);

  step('IAM: an access policy for the group, with a platform role and the account\'s custom role');
  await page.getByRole('radio', { name: 'Access group' }).check();
  await page.getByLabel('Subject', { exact: true }).selectOption(groupId);
  await page.getByLabel('Service', { exact: true }).selectOption('is');
  await page.getByLabel('Resource group').selectOption({ label: 'Default (default)' });
  await page.locator('#subject-policies .empty', { hasText: 'No access policies' }).waitFor(WAIT);
  const customBox = page.locator('#grant-roles fieldset', { hasText: 'Custom roles' }).getByRole('checkbox', { name: 'VPC reader' });
  await customBox.waitFor(WAIT);
  await page.locator('#grant-roles fieldset', { hasText: 'Platform roles' }).getByRole('checkbox', { name: 'Viewer' }).check();
  await customBox.check();
  await page.getByRole('button', { name: 'Grant access' }).click();
  const granted = page.locator('#grant-created');
  await granted.waitFor(WAIT);
  const accessId = await granted.getAttribute('data-policy');
  assert.match(await granted.innerText(), /grants Viewer, VPC reader on VPC Infrastructure Services in resource group Default to network-admins/);
  const accessRow = page.locator(`#policies tr[data-policy="${accessId}"]`);
  await accessRow.waitFor(WAIT);
  assert.match(await accessRow.innerText(), /Resource group Default/);
  const grantedPolicy = (await api(HUB.apikey, 'GET', `/v1/policies/${accessId}`)).body;
  assert.equal(grantedPolicy.type, 'access');
  assert.deepEqual(grantedPolicy.subjects[0].attributes, [{ name: 'access_group_id', value: groupId }]);
  assert.deepEqual(grantedPolicy.roles.map((r) => r.role_id).sort(), [customRole.body.crn, 'crn:v1:bluemix:public:iam::::role:Viewer'].sort());

  step('IAM: the same grant again is refused, and the page shows why: status, code, message and details');
  await page.locator('#grant-roles fieldset', { hasText: 'Platform roles' }).getByRole('checkbox', { name: 'Viewer' }).check();
  await page.getByRole('button', { name: 'Grant access' }).click();
  const conflict = page.locator('#grant-result .refusal');
  await conflict.waitFor(WAIT);
  assert.equal(await conflict.getAttribute('data-status'), '409');
  assert.match(await conflict.locator('.refusal-lead').innerText(), /HTTP 409/);
  assert.equal(await conflict.locator('li').first().getAttribute('data-code'), 'policy_conflict_error');
  assert.ok((await conflict.locator('.refusal-message').first().innerText()).length > 0);
  assert.match(await conflict.locator('.refusal-details').innerText(), new RegExp(accessId));
  await shot(page, 'iam-conflict-1280');
  for (const width of [1280, 420]) {
    await page.setViewportSize({ width, height: 900 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `#/iam with its lists, members and a refusal at ${width} px overflows by ${overflow} px`);
    await shot(page, `iam-granted-${width}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  step('a service ID\'s key signs in; a refused operation shows its status and reason');
  const robot = await signedInPage(robotKey);
  await robot.locator('#who-account', { hasText: 'Service ID robot' }).waitFor(WAIT);
  // Without access to User Management, the IAM page's user list is refused, and says why.
  await open(robot, '#/iam');
  await robot.locator(`#serviceids tr[data-iam-id="${robotId}"]`).waitFor(WAIT);
  const usersRefused = robot.locator('#users-list .refusal');
  await usersRefused.waitFor(WAIT);
  assert.equal(await usersRefused.getAttribute('data-status'), '403');
  assert.match(await usersRefused.locator('.refusal-lead').innerText(), /HTTP 403/);
  assert.ok((await usersRefused.locator('.refusal-message').first().innerText()).trim().length > 0, 'the reason is shown');
  assert.match(await usersRefused.innerText(), /user-management\.user\.read/);
  await shot(robot, 'serviceid-refused-1280');
  await shot(robot, 'serviceid-iam-1280');
  await robot.setViewportSize({ width: 420, height: 900 });
  await open(robot, '#/iam');
  await robot.locator('#users-list .refusal[data-status="403"]').waitFor(WAIT);
  const robotOverflow = await robot.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(robotOverflow <= 0, `a refusal at 420 px overflows by ${robotOverflow} px`);
  await shot(robot, 'serviceid-refused-420');
  await robot.context().close();

  step('a user\'s key signs in as that user');
  const devKey = await api(HUB.apikey, 'POST', '/v1/apikeys', { name: 'dev-key', iam_id: devId, account_id: HUB.account });
  assert.equal(devKey.status, 201, JSON.stringify(devKey.body));
  const dev = await signedInPage(devKey.body.apikey);
  await dev.locator('#who-account', { hasText: `User dev, Account ${HUB.account}` }).waitFor(WAIT);
  await dev.context().close();

  step('IAM: the access policy is deleted after confirmation');
  await accessRow.getByRole('button', { name: /Delete/ }).click();
  const accessDialog = page.getByRole('dialog', { name: 'Delete access policy?' });
  await accessDialog.waitFor(WAIT);
  await accessDialog.getByRole('button', { name: 'Delete' }).click();
  await page.locator('#grant-result .notice.success', { hasText: `Access policy ${accessId} was deleted.` }).waitFor(WAIT);
  await accessRow.waitFor({ state: 'detached', ...WAIT });
  await page.locator('#subject-policies .empty', { hasText: 'No access policies' }).waitFor(WAIT);
  assert.equal((await api(HUB.apikey, 'GET', `/v1/policies/${accessId}`)).body.state, 'deleted');

  step('the pages fetched nothing from another host, and reported no script error');
  assert.deepEqual(foreign, [], 'requests to other hosts');
  assert.deepEqual(problems, [], 'script errors or CSP violations');
  console.log('console: all checks passed');
} catch (error) {
  await shot(page, 'failure').catch(() => {});
  throw error;
} finally {
  await browser.close();
}
