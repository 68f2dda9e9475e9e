"""Conformance of IamPolicyManagementV1 (ibm-platform-services) against hubspoke, with the seed's own bodies."""

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_platform_services.iam_policy_management_v1 import (
    Control,
    Grant,
    PoliciesPager,
    PolicyResource,
    PolicyRole,
    PolicySubject,
    Roles,
    V2PoliciesPager,
    V2PolicyResource,
    V2PolicyResourceAttribute,
    V2PolicySubject,
    V2PolicySubjectAttribute,
)

from conftest import seed_body

SEED_ACCOUNT = "e38cfd44b6e44b249ac75dd5de0cc8aa"
SEED_SPOKE_VPC = "r006-fd189c4f-52a0-4694-abfd-186cb6011a3c"
SEED_HUB_VPC = "r006-ffaedf75-4f44-4ead-989d-cd37816a13d2"
DNS_ROLE = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector"


def create_v1(client, body):
    return client.create_policy(
        type=body["type"],
        subjects=[PolicySubject.from_dict(s) for s in body["subjects"]],
        roles=[PolicyRole.from_dict(r) for r in body["roles"]],
        resources=[PolicyResource.from_dict(r) for r in body["resources"]],
        description=body.get("description"),
    )


def test_seed_cli_file_body_through_its_whole_lifecycle(new_account, policy_client):
    hub = new_account("hub")
    client = policy_client(hub["apikey"])
    body = seed_body("seed-cli-file.json", {SEED_ACCOUNT: hub["id"]})

    created = create_v1(client, body)
    assert created.get_status_code() == 201
    policy = created.get_result()
    policy_id = policy["id"]
    assert policy["subjects"] == body["subjects"]
    assert [a["name"] for a in policy["resources"][0]["attributes"]] == ["accountId", "serviceName", "vpcId"]
    assert all(a["operator"] == "stringEquals" for a in policy["resources"][0]["attributes"])
    assert policy["roles"][0]["display_name"] == "DNS Binding Connector"
    assert created.get_headers()["ETag"].startswith("1-")

    fetched = client.get_policy(policy_id=policy_id)
    assert fetched.get_status_code() == 200
    etag = fetched.get_headers()["ETag"]
    assert fetched.get_result() == policy

    replaced = client.replace_policy(
        policy_id=policy_id,
        if_match=etag,
        type="authorization",
        subjects=[PolicySubject.from_dict(s) for s in body["subjects"]],
        roles=[PolicyRole.from_dict(r) for r in body["roles"]],
        resources=[PolicyResource.from_dict(body["resources"][0])],
        description="DNS sharing for the seed spoke",
    )
    assert replaced.get_status_code() == 200
    assert replaced.get_result()["description"] == "DNS sharing for the seed spoke"
    new_etag = replaced.get_headers()["ETag"]
    assert new_etag != etag and new_etag.startswith("2-")

    with pytest.raises(ApiException) as stale:
        client.replace_policy(
            policy_id=policy_id,
            if_match=etag,
            type="authorization",
            subjects=[PolicySubject.from_dict(s) for s in body["subjects"]],
            roles=[PolicyRole.from_dict(r) for r in body["roles"]],
            resources=[PolicyResource.from_dict(body["resources"][0])],
        )
    assert stale.value.code == 412

    deleted = client.delete_policy(policy_id=policy_id)
    assert deleted.get_status_code() == 204
    assert deleted.get_result() is None
    gone = client.get_policy(policy_id=policy_id)
    assert gone.get_result()["state"] == "deleted"

    restored = client.update_policy_state(policy_id=policy_id, if_match=gone.get_headers()["ETag"], state="active")
    assert restored.get_status_code() == 200
    assert restored.get_result()["state"] == "active"
    again = client.update_policy_state(policy_id=policy_id, if_match=restored.get_headers()["ETag"], state="active")
    assert again.get_status_code() == 200


def test_seed_specific_vpc_body_across_two_accounts(new_account, policy_client):
    hub = new_account("hub")
    spoke = new_account("spoke")
    body = seed_body(
        "seed-specific-vpc.json",
        {"Account S (Spoke)": spoke["id"], "Spoke VPC ID": "r006-spoke-vpc", "Account H (Hub)": hub["id"], "Hub VPC ID": "r006-hub-vpc"},
    )
    hub_client = policy_client(hub["apikey"])
    created = create_v1(hub_client, body).get_result()
    assert created["subjects"][0]["attributes"][0] == {"name": "accountId", "value": spoke["id"]}
    assert created["subjects"][0]["attributes"][3] == {"name": "resource", "value": "r006-spoke-vpc"}

    # The spoke account may not create an authorization whose target is the hub's account ...
    with pytest.raises(ApiException) as refused:
        create_v1(policy_client(spoke["apikey"]), body)
    assert refused.value.code == 403
    # ... and cannot see the hub's policy.
    with pytest.raises(ApiException) as hidden:
        policy_client(spoke["apikey"]).get_policy(policy_id=created["id"])
    assert hidden.value.code == 404
    assert hidden.value.message == f"Policy with Id {created['id']} not found."

    # A second identical authorization is a conflict.
    with pytest.raises(ApiException) as conflict:
        create_v1(hub_client, body)
    assert conflict.value.code == 409
    assert created["id"] in conflict.value.message
    assert conflict.value.http_response.json()["errors"][0]["code"] == "policy_conflict_error"


def test_terraform_v2_body_read_through_v1_and_deleted_through_v1(new_account, policy_client):
    hub = new_account("hub")
    spoke = new_account("spoke")
    client = policy_client(hub["apikey"])
    subject = V2PolicySubject(
        attributes=[
            V2PolicySubjectAttribute(key="accountId", operator="stringEquals", value=spoke["id"]),
            V2PolicySubjectAttribute(key="serviceName", operator="stringEquals", value="is"),
            V2PolicySubjectAttribute(key="resourceType", operator="stringEquals", value="vpc"),
            V2PolicySubjectAttribute(key="resource", operator="stringEquals", value="r006-spoke-vpc"),
        ]
    )
    resource = V2PolicyResource(
        attributes=[
            V2PolicyResourceAttribute(key="accountId", operator="stringEquals", value=hub["id"]),
            V2PolicyResourceAttribute(key="serviceName", operator="stringEquals", value="is"),
            V2PolicyResourceAttribute(key="vpcId", operator="stringEquals", value="r006-hub-vpc"),
        ]
    )
    control = Control(grant=Grant(roles=[Roles(role_id=DNS_ROLE)]))
    created = client.create_v2_policy(control=control, type="authorization", subject=subject, resource=resource)
    assert created.get_status_code() == 201
    policy = created.get_result()
    assert policy["subject"] == subject.to_dict()
    assert policy["resource"] == resource.to_dict()
    assert policy["state"] == "active"

    fetched = client.get_v2_policy(id=policy["id"], format="display")
    assert fetched.get_result()["control"]["grant"]["roles"][0]["display_name"] == "DNS Binding Connector"
    replaced = client.replace_v2_policy(
        id=policy["id"],
        if_match=fetched.get_headers()["ETag"],
        control=control,
        type="authorization",
        subject=subject,
        resource=resource,
        description="replaced by the SDK",
    )
    assert replaced.get_result()["description"] == "replaced by the SDK"

    # Terraform's existence check and delete go through v1.
    assert client.get_policy(policy_id=policy["id"]).get_result()["state"] == "active"
    assert client.delete_policy(policy_id=policy["id"]).get_status_code() == 204
    assert client.get_v2_policy(id=policy["id"]).get_result()["state"] == "deleted"

    second = client.create_v2_policy(control=control, type="authorization", subject=subject, resource=resource).get_result()
    assert client.delete_v2_policy(id=second["id"]).get_status_code() == 204


def test_lists_page_with_the_sdk_pagers(new_account, policy_client):
    hub = new_account("hub")
    client = policy_client(hub["apikey"])
    created = []
    for n in range(5):
        body = seed_body("seed-cli-file.json", {SEED_ACCOUNT: hub["id"], SEED_SPOKE_VPC: f"r006-spoke-{n}"})
        created.append(create_v1(client, body).get_result()["id"])

    v1_pages = PoliciesPager(client=client, account_id=hub["id"], type="authorization", limit=2)
    assert [p["id"] for p in v1_pages.get_all()] == created
    v2_pages = V2PoliciesPager(client=client, account_id=hub["id"], type="authorization", limit=2)
    assert [p["id"] for p in v2_pages.get_all()] == created

    listed = client.list_policies(account_id=hub["id"], type="authorization", sort="-created_at").get_result()
    assert len(listed["policies"]) == 5
    client.delete_policy(policy_id=created[0])
    active = client.list_policies(account_id=hub["id"], state="active").get_result()["policies"]
    deleted = client.list_policies(account_id=hub["id"], state="deleted").get_result()["policies"]
    assert (len(active), [p["id"] for p in deleted]) == (4, [created[0]])


def test_list_roles_resolves_dns_binding_connector(new_account, policy_client):
    hub = new_account("hub")
    client = policy_client(hub["apikey"])
    roles = client.list_roles(account_id=hub["id"], service_name="is", source_service_name="is", policy_type="authorization").get_result()
    by_name = {r["display_name"]: r for r in roles["service_roles"] + roles["system_roles"] + roles["custom_roles"]}
    assert by_name["DNS Binding Connector"]["crn"] == DNS_ROLE
    assert "is.vpc.dns-resolution-binding.connect" in by_name["DNS Binding Connector"]["actions"]
    assert {"Viewer", "Operator", "Editor", "Administrator"} <= set(by_name)


def test_list_roles_of_the_iam_service_group(new_account, policy_client):
    # The lookup IBM's own integration suite makes: the IAM group's roles, system and service ones.
    hub = new_account("hub")
    client = policy_client(hub["apikey"])
    roles = client.list_roles(account_id=hub["id"], service_group_id="IAM").get_result()
    assert "Viewer" in [r["display_name"] for r in roles["system_roles"]]
    assert "crn:v1:bluemix:public:iam-identity::::serviceRole:ServiceIdCreator" in [r["crn"] for r in roles["service_roles"]]
    is_roles = client.list_roles(account_id=hub["id"], service_name="is", policy_type="access").get_result()
    editor = next(r for r in is_roles["system_roles"] if r["display_name"] == "Editor")
    assert "is.vpc.vpc.create" in editor["actions"]


def test_errors_reach_the_sdk_with_ibm_codes(new_account, policy_client):
    hub = new_account("hub")
    client = policy_client(hub["apikey"])
    with pytest.raises(ApiException) as missing:
        client.get_policy(policy_id="00000000-0000-4000-8000-000000000000")
    assert missing.value.code == 404
    assert missing.value.message == "Policy with Id 00000000-0000-4000-8000-000000000000 not found."
    body = seed_body("seed-cli-file.json", {SEED_ACCOUNT: hub["id"]})
    body["roles"] = [{"role_id": "crn:v1:bluemix:public:iam::::role:NoSuchRole"}]
    with pytest.raises(ApiException) as invalid:
        create_v1(client, body)
    assert invalid.value.code == 400
    assert "NoSuchRole" in invalid.value.message
    with pytest.raises(ApiException) as bad_key:
        from ibm_cloud_sdk_core.authenticators import IAMAuthenticator

        IAMAuthenticator(apikey="not-a-key", url=client.service_url).token_manager.get_token()
    assert bad_key.value.code == 400
    assert bad_key.value.message == "Provided API key could not be found."
