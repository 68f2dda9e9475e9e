"""Conformance of IamAccessGroupsV2 against hubspoke, following the calls and codes of IBM's own integration test
for this SDK, then its pagers, the Transaction-Id header and its refusals."""

import random
from datetime import datetime, timezone

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import IamAccessGroupsV2
from ibm_platform_services.iam_access_groups_v2 import (
    AccessGroupMembersPager,
    AccessGroupsPager,
    AccountSettings,
    AddGroupMembersRequestMembersItem,
    AddGroupMembersResponse,
    AddMembershipMultipleGroupsResponse,
    Group,
    GroupMembersList,
    GroupsList,
    Rule,
    RuleConditions,
    RulesList,
)


@pytest.fixture
def access_groups(base_url):
    """An IamAccessGroupsV2 client for an API key; the service URL is the server's base, as for IAM."""

    def client(apikey):
        service = IamAccessGroupsV2(authenticator=IAMAuthenticator(apikey=apikey, url=base_url))
        service.set_service_url(base_url)
        return service

    return client


def test_the_integration_test_sequence(new_account, access_groups):
    account = new_account("sdk-access-groups")
    service = access_groups(account["apikey"])
    account_id = account["id"]
    name = "SDK Test Group - Python"
    description = "This group is used for integration test purposes. It can be deleted at any time."
    user = "IBMid-" + str(random.randint(0, 99999))

    created = service.create_access_group(account_id=account_id, name=name)
    assert created.get_status_code() == 201
    group = Group.from_dict(created.get_result())
    assert (group.account_id, group.name) == (account_id, name)
    group_id = group.id

    read = service.get_access_group(access_group_id=group_id)
    assert read.get_status_code() == 200
    group = Group.from_dict(read.get_result())
    assert (group.account_id, group.id, group.name, group.description) == (account_id, group_id, name, "")
    etag = read.get_headers().get("ETag")
    assert etag

    updated = service.update_access_group(access_group_id=group_id, if_match=etag, description=description)
    assert updated.get_status_code() == 200
    group = Group.from_dict(updated.get_result())
    assert (group.name, group.description) == (name, description)

    listed = service.list_access_groups(account_id=account_id, hide_public_access=True)
    assert listed.get_status_code() == 200
    groups = GroupsList.from_dict(listed.get_result())
    assert [g.id for g in groups.groups] == [group_id]
    # The SDK parses every timestamp, as the integration test's clean-up relies on.
    assert (datetime.now(tz=timezone.utc) - groups.groups[0].created_at).total_seconds() < 300

    members = [AddGroupMembersRequestMembersItem(iam_id=user, type="user")]
    added = service.add_members_to_access_group(access_group_id=group_id, members=members)
    assert added.get_status_code() == 207
    result = AddGroupMembersResponse.from_dict(added.get_result())
    assert [m.iam_id for m in result.members] == [user]

    multiple = service.add_member_to_multiple_access_groups(
        account_id=account_id, iam_id=user, type="user", groups=[group_id]
    )
    assert multiple.get_status_code() == 207
    result = AddMembershipMultipleGroupsResponse.from_dict(multiple.get_result())
    assert [g.access_group_id for g in result.groups] == [group_id]

    member = service.is_member_of_access_group(access_group_id=group_id, iam_id=user)
    assert member.get_status_code() == 204 and member.get_result() is None

    listed = service.list_access_group_members(access_group_id=group_id)
    assert listed.get_status_code() == 200
    assert [m.iam_id for m in GroupMembersList.from_dict(listed.get_result()).members] == [user]

    removed = service.remove_member_from_access_group(access_group_id=group_id, iam_id=user)
    assert removed.get_status_code() == 204 and removed.get_result() is None

    with pytest.raises(ApiException) as error:
        service.remove_member_from_all_access_groups(account_id=account_id, iam_id=user)
    assert error.value.status_code == 404 and user in error.value.message

    with pytest.raises(ApiException) as error:
        service.remove_members_from_access_group(access_group_id=group_id, members=[user])
    assert error.value.status_code == 404 and group_id in error.value.message

    rule = service.add_access_group_rule(
        access_group_id=group_id,
        expiration=24,
        realm_name="test realm name",
        conditions=[RuleConditions("test claim", "EQUALS", "1")],
    )
    assert rule.get_status_code() == 201
    result = Rule.from_dict(rule.get_result())
    assert (result.account_id, result.access_group_id, result.expiration) == (account_id, group_id, 24)
    rule_id = result.id

    read = service.get_access_group_rule(access_group_id=group_id, rule_id=rule_id)
    assert read.get_status_code() == 200
    assert Rule.from_dict(read.get_result()).id == rule_id
    rule_etag = read.get_headers().get("ETag")

    rules = RulesList.from_dict(service.list_access_group_rules(access_group_id=group_id).get_result())
    assert [r.id for r in rules.rules] == [rule_id]

    replaced = service.replace_access_group_rule(
        access_group_id=group_id,
        rule_id=rule_id,
        if_match=rule_etag,
        expiration=24,
        realm_name="updated test realm name",
        conditions=[RuleConditions("test claim", "EQUALS", "1")],
    )
    assert replaced.get_status_code() == 200
    assert Rule.from_dict(replaced.get_result()).realm_name == "updated test realm name"

    deleted = service.remove_access_group_rule(access_group_id=group_id, rule_id=rule_id)
    assert deleted.get_status_code() == 204 and deleted.get_result() is None

    settings = service.get_account_settings(account_id=account_id)
    assert settings.get_status_code() == 200
    settings = AccountSettings.from_dict(settings.get_result())
    assert settings.account_id == account_id and settings.public_access_enabled is True
    updated = service.update_account_settings(
        account_id=account_id, public_access_enabled=settings.public_access_enabled
    )
    assert updated.get_status_code() == 200
    assert AccountSettings.from_dict(updated.get_result()).account_id == account_id

    # The clean-up of IBM's test: every group named like the test's, force-deleted.
    for group in GroupsList.from_dict(
        service.list_access_groups(account_id=account_id, hide_public_access=True).get_result()
    ).groups:
        if group.name == name:
            assert service.delete_access_group(access_group_id=group.id, force=True).get_status_code() == 204


def test_pagers_transaction_ids_and_refusals(new_account, access_groups):
    account = new_account("sdk-access-groups-pagers")
    intruder = new_account("sdk-access-groups-intruder")
    service = access_groups(account["apikey"])
    account_id = account["id"]
    ids = [
        service.create_access_group(account_id=account_id, name=f"group {n}", description=f"number {n}").get_result()["id"]
        for n in range(5)
    ]

    # The pagers follow `next.href` to the last page.
    pager = AccessGroupsPager(client=service, account_id=account_id, limit=2, show_crn=True)
    every = pager.get_all()
    assert [g["id"] for g in every] == ["AccessGroupId-PublicAccess"] + ids
    assert every[1]["crn"].endswith(f"::access-group:{ids[0]}")
    found = AccessGroupsPager(client=service, account_id=account_id, search="name:group 3").get_all()
    assert [g["id"] for g in found] == [ids[3]]

    members = [AddGroupMembersRequestMembersItem(iam_id=f"IBMid-5500{n:02}", type="user") for n in range(5)]
    service.add_members_to_access_group(access_group_id=ids[0], members=members)
    pager = AccessGroupMembersPager(client=service, access_group_id=ids[0], limit=2, sort="-iam_id")
    assert [m["iam_id"] for m in pager.get_all()] == [f"IBMid-5500{n:02}" for n in reversed(range(5))]

    # A Transaction-Id comes back as the error's trace.
    with pytest.raises(ApiException) as error:
        service.get_access_group(access_group_id="AccessGroupId-missing", transaction_id="sdk-trace-1")
    assert error.value.status_code == 404
    assert error.value.http_response.json()["trace"] == "sdk-trace-1"

    # A stale ETag, a group with members deleted without force, and another account's group are refused.
    etag = service.get_access_group(access_group_id=ids[1]).get_headers()["ETag"]
    service.update_access_group(access_group_id=ids[1], if_match=etag, name="renamed")
    with pytest.raises(ApiException) as error:
        service.update_access_group(access_group_id=ids[1], if_match=etag, name="again")
    assert error.value.status_code == 412
    with pytest.raises(ApiException) as error:
        service.delete_access_group(access_group_id=ids[0])
    assert error.value.status_code == 409 and "(rule AG9)" in error.value.message
    with pytest.raises(ApiException) as error:
        access_groups(intruder["apikey"]).get_access_group(access_group_id=ids[0])
    assert error.value.status_code == 404
    listed = access_groups(intruder["apikey"]).list_access_groups(account_id=account_id).get_result()
    assert (listed["groups"], listed["total_count"]) == ([], 0)
