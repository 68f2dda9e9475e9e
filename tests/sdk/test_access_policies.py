"""Conformance of IamPolicyManagementV1 (ibm-platform-services) for access policies (v1 and v2) and custom roles."""

import random

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_platform_services.iam_policy_management_v1 import (
    Control,
    Grant,
    PolicyResource,
    PolicyRole,
    PolicySubject,
    ResourceAttribute,
    Roles,
    SubjectAttribute,
    V2PolicyResource,
    V2PolicyResourceAttribute,
    V2PolicySubject,
    V2PolicySubjectAttribute,
)

VIEWER = "crn:v1:bluemix:public:iam::::role:Viewer"
EDITOR = "crn:v1:bluemix:public:iam::::role:Editor"


def test_v1_access_policy_lifecycle(new_account, policy_client):
    account = new_account("people")
    client = policy_client(account["apikey"])
    # A user that is not in the account, as IBM's own integration tests grant to.
    user = f"IBMid-Py{random.randint(100000, 999999)}"
    subject = PolicySubject(attributes=[SubjectAttribute(name="iam_id", value=user)])
    resource = PolicyResource(
        attributes=[
            ResourceAttribute(name="accountId", value=account["id"], operator="stringEquals"),
            ResourceAttribute(name="serviceType", value="service", operator="stringEquals"),
        ]
    )
    created = client.create_policy(
        type="access", subjects=[subject], roles=[PolicyRole(role_id=VIEWER)], resources=[resource]
    )
    assert created.get_status_code() == 201
    policy = created.get_result()
    assert policy["type"] == "access"
    assert policy["subjects"][0] == subject.to_dict()
    assert policy["resources"][0] == resource.to_dict()
    assert policy["roles"][0]["display_name"] == "Viewer"

    fetched = client.get_policy(policy_id=policy["id"])
    etag = fetched.get_headers()["ETag"]
    assert fetched.get_result() == policy

    replaced = client.replace_policy(
        policy_id=policy["id"],
        if_match=etag,
        type="access",
        subjects=[subject],
        roles=[PolicyRole(role_id=EDITOR)],
        resources=[resource],
    )
    assert replaced.get_status_code() == 200
    assert replaced.get_result()["roles"][0]["role_id"] == EDITOR

    # A second policy with the same subject and resource is a duplicate, whatever its roles.
    with pytest.raises(ApiException) as duplicate:
        client.create_policy(type="access", subjects=[subject], roles=[PolicyRole(role_id=VIEWER)], resources=[resource])
    assert duplicate.value.status_code == 409

    listed = client.list_policies(account_id=account["id"], iam_id=user, type="access").get_result()
    assert [p["id"] for p in listed["policies"]] == [policy["id"]]
    assert client.list_policies(account_id=account["id"], type="authorization").get_result()["policies"] == []

    etag = replaced.get_headers()["ETag"]
    deleted = client.update_policy_state(policy_id=policy["id"], if_match=etag, state="deleted")
    assert deleted.get_result()["state"] == "deleted"
    restored = client.update_policy_state(
        policy_id=policy["id"], if_match=deleted.get_headers()["ETag"], state="active"
    )
    assert restored.get_result()["state"] == "active"
    assert client.delete_policy(policy_id=policy["id"]).get_status_code() == 204


def test_v2_access_policy_lifecycle(new_account, policy_client):
    account = new_account("people-v2")
    client = policy_client(account["apikey"])
    service_id = "iam-ServiceId-5d9e0c3a-0ef1-4b1c-9c0f-0123456789ab"
    subject = V2PolicySubject(
        attributes=[V2PolicySubjectAttribute(key="iam_id", operator="stringEquals", value=service_id)]
    )
    resource = V2PolicyResource(
        attributes=[
            V2PolicyResourceAttribute(key="accountId", operator="stringEquals", value=account["id"]),
            V2PolicyResourceAttribute(key="serviceName", operator="stringEquals", value="is"),
            V2PolicyResourceAttribute(key="vpcId", operator="stringExists", value=True),
        ]
    )
    control = Control(grant=Grant(roles=[Roles(role_id=VIEWER)]))
    created = client.create_v2_policy(control=control, type="access", subject=subject, resource=resource)
    assert created.get_status_code() == 201
    policy = created.get_result()
    assert policy["type"] == "access"
    assert policy["subject"] == subject.to_dict()
    assert policy["resource"] == resource.to_dict()
    assert policy["href"].endswith(f"/v2/policies/{policy['id']}")

    shown = client.get_v2_policy(id=policy["id"], format="display").get_result()
    actions = [action["id"] for action in shown["control"]["grant"]["roles"][0]["actions"]]
    assert "is.vpc.vpc.read" in actions and "is.vpc.vpc.create" not in actions

    etag = client.get_v2_policy(id=policy["id"]).get_headers()["ETag"]
    replaced = client.replace_v2_policy(
        id=policy["id"],
        if_match=etag,
        control=Control(grant=Grant(roles=[Roles(role_id=EDITOR)])),
        type="access",
        subject=subject,
        resource=resource,
    )
    assert replaced.get_result()["control"]["grant"]["roles"] == [{"role_id": EDITOR}]

    listed = client.list_v2_policies(account_id=account["id"], iam_id=service_id, type="access").get_result()
    assert [p["id"] for p in listed["policies"]] == [policy["id"]]
    assert client.delete_v2_policy(id=policy["id"]).get_status_code() == 204
    assert client.get_v2_policy(id=policy["id"]).get_result()["state"] == "deleted"


def test_custom_role_lifecycle(new_account, policy_client):
    account = new_account("roles")
    client = policy_client(account["apikey"])
    name = f"TestPythonRole{random.randint(1000, 9999)}"
    created = client.create_role(
        display_name="SDK Test role",
        actions=["iam-groups.groups.read"],
        name=name,
        account_id=account["id"],
        service_name="iam-groups",
        description="SDK test role",
    )
    assert created.get_status_code() == 201
    role = created.get_result()
    assert (role["name"], role["account_id"], role["service_name"]) == (name, account["id"], "iam-groups")
    assert role["crn"].endswith(f"::customRole:{name}")

    fetched = client.get_role(role_id=role["id"])
    assert fetched.get_result()["actions"] == ["iam-groups.groups.read"]
    replaced = client.replace_role(
        role_id=role["id"],
        if_match=fetched.get_headers()["ETag"],
        display_name="SDK Test role renamed",
        actions=["iam-groups.groups.read", "iam-groups.members.list"],
        description="SDK test role",
    ).get_result()
    assert replaced["display_name"] == "SDK Test role renamed"
    assert replaced["description"] == "SDK test role"

    listed = client.list_roles(account_id=account["id"], service_name="iam-groups").get_result()
    assert [r["id"] for r in listed["custom_roles"]] == [role["id"]]
    group = client.list_roles(account_id=account["id"], service_group_id="IAM").get_result()
    assert "Viewer" in [r["display_name"] for r in group["system_roles"]]
    assert any(r["crn"].endswith(":ServiceIdCreator") for r in group["service_roles"])

    # Granted by a policy, the role cannot be deleted.
    policy = client.create_policy(
        type="access",
        subjects=[PolicySubject(attributes=[SubjectAttribute(name="iam_id", value="IBMid-Py1")])],
        roles=[PolicyRole(role_id=role["crn"])],
        resources=[
            PolicyResource(
                attributes=[
                    ResourceAttribute(name="accountId", value=account["id"], operator="stringEquals"),
                    ResourceAttribute(name="serviceName", value="iam-groups", operator="stringEquals"),
                ]
            )
        ],
    ).get_result()
    with pytest.raises(ApiException) as in_use:
        client.delete_role(role_id=role["id"])
    assert in_use.value.status_code == 409
    client.delete_policy(policy_id=policy["id"])
    assert client.delete_role(role_id=role["id"]).get_status_code() == 204
    with pytest.raises(ApiException) as gone:
        client.get_role(role_id=role["id"])
    assert gone.value.status_code == 404
