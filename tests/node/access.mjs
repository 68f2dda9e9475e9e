// Conformance of the official Node SDK (@ibm-cloud/platform-services, IamPolicyManagementV1) for access policies and
// custom roles: a v1 user policy, a v2 service ID policy and a custom role granted by a policy, each created, read,
// replaced with its ETag, listed and deleted.
// Run by the Rust integration test `node_sdk` with HUBSPOKE_URL, ACCOUNT_APIKEY and ACCOUNT set.

import assert from 'node:assert/strict';
import { IamAuthenticator } from 'ibm-cloud-sdk-core';
import IamPolicyManagementV1 from '@ibm-cloud/platform-services/iam-policy-management/v1.js';

const url = process.env.HUBSPOKE_URL;
const account = process.env.ACCOUNT;
assert.ok(url && process.env.ACCOUNT_APIKEY && account, 'run through the Rust test `node_sdk`');

const service = new IamPolicyManagementV1({
  authenticator: new IamAuthenticator({ apikey: process.env.ACCOUNT_APIKEY, url }),
  serviceUrl: url,
});
const VIEWER = 'crn:v1:bluemix:public:iam::::role:Viewer';
const EDITOR = 'crn:v1:bluemix:public:iam::::role:Editor';

// v1: a user who is not in the account, on every VPC of it.
const subjects = [{ attributes: [{ name: 'iam_id', value: 'IBMid-Node123' }] }];
const resources = [{ attributes: [
  { name: 'accountId', value: account, operator: 'stringEquals' },
  { name: 'serviceName', value: 'is', operator: 'stringEquals' },
  { name: 'vpcId', value: '*', operator: 'stringMatch' },
] }];
const created = await service.createPolicy({ type: 'access', subjects, roles: [{ role_id: VIEWER }], resources });
assert.equal(created.status, 201);
assert.equal(created.result.type, 'access');
assert.deepEqual(created.result.subjects, subjects);
assert.deepEqual(created.result.resources, resources);
const userPolicy = created.result.id;
const replaced = await service.replacePolicy({
  policyId: userPolicy, ifMatch: created.headers.etag, type: 'access', subjects, roles: [{ role_id: EDITOR }], resources,
});
assert.equal(replaced.result.roles[0].display_name, 'Editor');
const mine = await service.listPolicies({ accountId: account, iamId: 'IBMid-Node123', type: 'access' });
assert.deepEqual(mine.result.policies.map((p) => p.id), [userPolicy]);
await assert.rejects(
  service.createPolicy({ type: 'access', subjects, roles: [{ role_id: VIEWER }], resources }),
  (error) => error.status === 409,
);

// v2: a service ID on DNS Services in any resource group.
const subject = { attributes: [{ key: 'iam_id', operator: 'stringEquals', value: 'iam-ServiceId-00000000-0000-4000-8000-000000000001' }] };
const resource = { attributes: [
  { key: 'accountId', operator: 'stringEquals', value: account },
  { key: 'serviceName', operator: 'stringEquals', value: 'dns-svcs' },
  { key: 'resourceGroupId', operator: 'stringExists', value: true },
] };
const v2 = await service.createV2Policy({ type: 'access', control: { grant: { roles: [{ role_id: VIEWER }] } }, subject, resource });
assert.equal(v2.status, 201);
assert.deepEqual(v2.result.resource, resource);
const read = await service.getV2Policy({ id: v2.result.id });
assert.match(read.headers.etag, /^1-[0-9a-f]{32}$/);
assert.equal((await service.deleteV2Policy({ id: v2.result.id })).status, 204);

// A custom role, granted by a policy: it cannot be deleted until the policy is.
const role = await service.createRole({
  displayName: 'Node VPC lister', actions: ['is.vpc.vpc.list'], name: 'NodeVpcLister', accountId: account, serviceName: 'is',
});
assert.equal(role.status, 201);
const fetched = await service.getRole({ roleId: role.result.id });
const renamed = await service.replaceRole({
  roleId: role.result.id, ifMatch: fetched.headers.etag, displayName: 'Node VPC reader', actions: ['is.vpc.vpc.list', 'is.vpc.vpc.read'],
});
assert.deepEqual(renamed.result.actions, ['is.vpc.vpc.list', 'is.vpc.vpc.read']);
const listed = await service.listRoles({ accountId: account, serviceName: 'is' });
assert.deepEqual(listed.result.custom_roles.map((r) => r.name), ['NodeVpcLister']);
const granting = await service.createPolicy({
  type: 'access',
  subjects: [{ attributes: [{ name: 'iam_id', value: 'IBMid-Node456' }] }],
  roles: [{ role_id: role.result.crn }],
  resources: [{ attributes: [{ name: 'accountId', value: account }, { name: 'serviceName', value: 'is' }] }],
});
await assert.rejects(service.deleteRole({ roleId: role.result.id }), (error) => error.status === 409);
await service.deletePolicy({ policyId: granting.result.id });
assert.equal((await service.deleteRole({ roleId: role.result.id })).status, 204);
await service.deletePolicy({ policyId: userPolicy });

console.log(JSON.stringify({ access: true, roles: true }));
