"""Conformance of ResourceManagerV2 (every method) and IamIdentityV1.get_account_settings against hubspoke."""

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import IamIdentityV1, ResourceManagerV2
from ibm_platform_services.iam_identity_v1 import AccountSettingsResponse
from ibm_platform_services.resource_manager_v2 import ResCreateResourceGroup, ResourceGroup, ResourceGroupList


@pytest.fixture
def resource_manager(base_url):
    """A ResourceManagerV2 client for an API key; the service URL is the server's base, as for IAM."""

    def client(apikey):
        service = ResourceManagerV2(authenticator=IAMAuthenticator(apikey=apikey, url=base_url))
        service.set_service_url(base_url)
        return service

    return client


@pytest.fixture
def iam_identity(base_url):
    def client(apikey):
        service = IamIdentityV1(authenticator=IAMAuthenticator(apikey=apikey, url=base_url))
        service.set_service_url(base_url)
        return service

    return client


def test_every_resource_manager_method(new_account, resource_manager, vpc_client):
    account = new_account("groups")
    client = resource_manager(account["apikey"])

    listed = ResourceGroupList.from_dict(client.list_resource_groups(account_id=account["id"]).get_result())
    assert [(g.name, g.default) for g in listed.resources] == [("Default", True)]
    default = listed.resources[0]
    assert default.account_id == account["id"]

    created = client.create_resource_group(name="sdk-resource-group", account_id=account["id"])
    assert created.get_status_code() == 201
    created = ResCreateResourceGroup.from_dict(created.get_result())
    assert created.crn.endswith(f"::resource-group:{created.id}")

    group = ResourceGroup.from_dict(client.get_resource_group(id=created.id).get_result())
    assert (group.name, group.default, group.state, group.account_id) == (
        "sdk-resource-group",
        False,
        "ACTIVE",
        account["id"],
    )
    assert group.created_at is not None and group.crn == created.crn

    by_default = client.list_resource_groups(account_id=account["id"], default=True).get_result()
    assert [g["id"] for g in by_default["resources"]] == [default.id]
    by_name = client.list_resource_groups(name="sdk-resource-group", include_deleted=False).get_result()
    assert [g["id"] for g in by_name["resources"]] == [created.id]

    renamed = client.update_resource_group(id=created.id, name="sdk-renamed", state="ACTIVE")
    assert renamed.get_status_code() == 200
    assert ResourceGroup.from_dict(renamed.get_result()).name == "sdk-renamed"

    # VPC resources are created in it and show its current name; it cannot be deleted while they exist.
    vpc = vpc_client(account["apikey"])
    made = vpc.create_vpc(name="grouped", resource_group={"id": created.id}).get_result()
    assert made["resource_group"]["id"] == created.id and made["resource_group"]["name"] == "sdk-renamed"
    listed_vpcs = vpc.list_vpcs(resource_group_id=created.id).get_result()["vpcs"]
    assert [v["id"] for v in listed_vpcs] == [made["id"]]
    with pytest.raises(ApiException) as refused:
        client.delete_resource_group(id=created.id)
    assert refused.value.code == 409 and "rule RG1" in refused.value.message
    vpc.delete_vpc(id=made["id"])

    deleted = client.delete_resource_group(id=created.id)
    assert deleted.get_status_code() == 204
    with pytest.raises(ApiException) as missing:
        client.get_resource_group(id=created.id)
    assert missing.value.code == 404
    with pytest.raises(ApiException) as default_kept:
        client.delete_resource_group(id=default.id)
    assert default_kept.value.code == 409 and "rule RG2" in default_kept.value.message


def test_another_accounts_groups_are_not_found(new_account, resource_manager):
    owner = new_account("owner")
    other = new_account("other")
    group = resource_manager(owner["apikey"]).create_resource_group(name="private").get_result()
    client = resource_manager(other["apikey"])
    with pytest.raises(ApiException) as hidden:
        client.get_resource_group(id=group["id"])
    assert hidden.value.code == 404
    with pytest.raises(ApiException) as refused:
        client.create_resource_group(name="intrusion", account_id=owner["id"])
    assert refused.value.code == 403
    assert client.list_resource_groups(account_id=owner["id"]).get_result()["resources"] == []


def test_account_settings_of_the_callers_account(new_account, iam_identity):
    account = new_account("settings")
    other = new_account("elsewhere")
    client = iam_identity(account["apikey"])
    response = client.get_account_settings(account_id=account["id"], include_history=False)
    assert response.get_status_code() == 200
    settings = AccountSettingsResponse.from_dict(response.get_result())
    assert settings.account_id == account["id"]
    assert (settings.mfa, settings.restrict_create_service_id) == ("NONE", "NOT_SET")
    assert settings.entity_tag
    with pytest.raises(ApiException) as refused:
        client.get_account_settings(account_id=other["id"])
    assert refused.value.code == 403
