// Conformance of the official Node SDK (@ibm-cloud/platform-services, IamPolicyManagementV1 and IamAccessGroupsV2)
// against hubspoke: create, read and delete the seed's authorization, then an access group with members, authenticated
// by the SDK's own IamAuthenticator.
// Run by the Rust integration test `node_sdk` with HUBSPOKE_URL, HUB_APIKEY, HUB_ACCOUNT and SPOKE_ACCOUNT set.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { IamAuthenticator } from 'ibm-cloud-sdk-core';
import IamAccessGroupsV2 from '@ibm-cloud/platform-services/iam-access-groups/v2.js';
import IamPolicyManagementV1 from '@ibm-cloud/platform-services/iam-policy-management/v1.js';

const url = process.env.HUBSPOKE_URL;
const hubAccount = process.env.HUB_ACCOUNT;
const spokeAccount = process.env.SPOKE_ACCOUNT;
assert.ok(url && process.env.HUB_APIKEY && hubAccount && spokeAccount, 'run through the Rust test `node_sdk`');

const service = new IamPolicyManagementV1({
  authenticator: new IamAuthenticator({ apikey: process.env.HUB_APIKEY, url }),
  serviceUrl: url,
});

// The seed's specific-VPC body, with the test's accounts and VPC ids in place of its placeholders.
const fixture = new URL('../sdk/fixtures/seed-specific-vpc.json', import.meta.url);
const body = JSON.parse(
  readFileSync(fixture, 'utf8')
    .replace('Account S (Spoke)', spokeAccount)
    .replace('Spoke VPC ID', 'r006-node-spoke')
    .replace('Account H (Hub)', hubAccount)
    .replace('Hub VPC ID', 'r006-node-hub'),
);

const created = await service.createPolicy(body);
assert.equal(created.status, 201);
assert.deepEqual(created.result.subjects, body.subjects, 'subject attributes come back as sent, in order');
assert.equal(created.result.roles[0].display_name, 'DNS Binding Connector');
assert.ok(created.result.resources[0].attributes.every((a) => a.operator === 'stringEquals'));
const id = created.result.id;

const read = await service.getPolicy({ policyId: id });
assert.equal(read.status, 200);
assert.match(read.headers.etag, /^1-[0-9a-f]{32}$/);
assert.equal(read.result.state, 'active');

const listed = await service.listPolicies({ accountId: hubAccount, type: 'authorization' });
assert.ok(listed.result.policies.some((p) => p.id === id));

const deleted = await service.deletePolicy({ policyId: id });
assert.equal(deleted.status, 204);
const gone = await service.getPolicy({ policyId: id });
assert.equal(gone.result.state, 'deleted');

await assert.rejects(service.getPolicy({ policyId: '00000000-0000-4000-8000-000000000000' }), (error) => {
  assert.equal(error.status, 404);
  assert.equal(error.message, 'Policy with Id 00000000-0000-4000-8000-000000000000 not found.');
  return true;
});

// An access group: created, read with its ETag, updated, given members (207), listed by the pager, force-deleted.
const groups = new IamAccessGroupsV2({
  authenticator: new IamAuthenticator({ apikey: process.env.HUB_APIKEY, url }),
  serviceUrl: url,
});
const group = await groups.createAccessGroup({ accountId: hubAccount, name: 'node-group' });
assert.equal(group.status, 201);
assert.equal(group.result.description, '');
const groupId = group.result.id;
const readGroup = await groups.getAccessGroup({ accessGroupId: groupId, showCrn: true });
assert.ok(readGroup.result.crn.endsWith(`::access-group:${groupId}`));
const renamed = await groups.updateAccessGroup({ accessGroupId: groupId, ifMatch: readGroup.headers.etag, name: 'node-renamed' });
assert.equal(renamed.result.name, 'node-renamed');
const members = await groups.addMembersToAccessGroup({
  accessGroupId: groupId,
  members: [{ iam_id: 'IBMid-NODE000001', type: 'user' }, { iam_id: 'iam-ServiceId-node', type: 'service' }],
});
assert.equal(members.status, 207);
assert.deepEqual(members.result.members.map((m) => m.status_code), [200, 200]);
const pager = new IamAccessGroupsV2.AccessGroupsPager(groups, { accountId: hubAccount, limit: 1 });
const every = await pager.getAll();
assert.deepEqual(every.map((g) => g.id), ['AccessGroupId-PublicAccess', groupId]);
const memberPager = new IamAccessGroupsV2.AccessGroupMembersPager(groups, { accessGroupId: groupId, limit: 1 });
assert.equal((await memberPager.getAll()).length, 2);
await assert.rejects(groups.deleteAccessGroup({ accessGroupId: groupId }), (error) => {
  assert.equal(error.status, 409);
  return true;
});
const groupDeleted = await groups.deleteAccessGroup({ accessGroupId: groupId, force: true });
assert.equal(groupDeleted.status, 204);

console.log(JSON.stringify({ created: id, deleted: true, access_group_deleted: true }));
