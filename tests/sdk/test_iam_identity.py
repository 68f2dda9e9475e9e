"""Conformance of IamIdentityV1 (service IDs and API keys) and UserManagementV1 (users) against hubspoke."""

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import IamIdentityV1, UserManagementV1
from ibm_platform_services.iam_identity_v1 import ApiKey, ApiKeyList, ServiceId, ServiceIdList
from ibm_platform_services.user_management_v1 import InviteUser, UserList, UserProfile


def _client(kind, base_url, apikey):
    service = kind(authenticator=IAMAuthenticator(apikey=apikey, url=base_url))
    service.set_service_url(base_url)
    return service


@pytest.fixture
def identity(base_url):
    return lambda apikey: _client(IamIdentityV1, base_url, apikey)


@pytest.fixture
def users(base_url):
    return lambda apikey: _client(UserManagementV1, base_url, apikey)


def _pagetoken(next_url):
    """The page token of a `next` link, as the SDK's own examples take it."""
    if not next_url:
        return None
    return next_url.split("pagetoken=")[1].split("&")[0]


def test_service_ids_and_their_keys(new_account, identity):
    account = new_account("identities")
    client = identity(account["apikey"])

    created = client.create_service_id(
        account_id=account["id"],
        name="sdk-service",
        description="made by the SDK",
        apikey={"name": "sdk-first-key"},
    )
    assert created.get_status_code() == 201
    service = ServiceId.from_dict(created.get_result())
    assert service.id.startswith("ServiceId-")
    assert service.iam_id == "iam-" + service.id
    assert service.crn.endswith("::serviceid:" + service.id)
    first_key = ApiKey.from_dict(created.get_result()["apikey"])
    assert len(first_key.apikey) == 43

    read = client.get_service_id(id=service.id)
    assert read.get_headers()["ETag"] == service.entity_tag
    updated = ServiceId.from_dict(
        client.update_service_id(id=service.id, if_match=service.entity_tag, name="sdk-renamed").get_result()
    )
    assert updated.name == "sdk-renamed" and updated.entity_tag != service.entity_tag
    with pytest.raises(ApiException) as stale:
        client.update_service_id(id=service.id, if_match=service.entity_tag, name="stale")
    assert stale.value.code == 412

    assert client.lock_service_id(id=service.id).get_status_code() == 204
    with pytest.raises(ApiException) as locked:
        client.update_service_id(id=service.id, if_match="*", name="locked")
    assert locked.value.code == 400 and "locked" in locked.value.message
    assert client.unlock_service_id(id=service.id).get_status_code() == 204

    for name in ("sdk-second", "sdk-third"):
        client.create_service_id(account_id=account["id"], name=name)
    names, token = [], None
    while True:
        page = ServiceIdList.from_dict(
            client.list_service_ids(account_id=account["id"], pagesize=2, pagetoken=token).get_result()
        )
        names += [s.name for s in page.serviceids]
        token = _pagetoken(page.next)
        if token is None:
            break
    assert names == ["sdk-renamed", "sdk-second", "sdk-third"]

    key = client.create_api_key(name="sdk-key", iam_id=service.iam_id, account_id=account["id"], store_value=True)
    assert key.get_status_code() == 201
    key = ApiKey.from_dict(key.get_result())
    details = ApiKey.from_dict(client.get_api_keys_details(iam_api_key=key.apikey).get_result())
    assert details.id == key.id and details.apikey == key.apikey, "a stored service ID key stays readable"
    listed = ApiKeyList.from_dict(
        client.list_api_keys(account_id=account["id"], iam_id=service.iam_id).get_result()
    )
    assert sorted(k.name for k in listed.apikeys) == ["sdk-first-key", "sdk-key"]
    fetched = client.get_api_key(id=key.id)
    renamed = client.update_api_key(id=key.id, if_match=fetched.get_headers()["ETag"], name="sdk-key-2")
    assert ApiKey.from_dict(renamed.get_result()).name == "sdk-key-2"
    assert client.lock_api_key(id=key.id).get_status_code() == 204
    with pytest.raises(ApiException) as locked:
        client.delete_api_key(id=key.id)
    assert locked.value.code == 400
    assert client.unlock_api_key(id=key.id).get_status_code() == 204
    assert client.delete_api_key(id=key.id).get_status_code() == 204

    # The service ID's own key authenticates it; it reads itself but may create nothing.
    as_service = identity(first_key.apikey)
    assert ServiceId.from_dict(as_service.get_service_id(id=service.id).get_result()).name == "sdk-renamed"
    with pytest.raises(ApiException) as refused:
        as_service.create_service_id(account_id=account["id"], name="more")
    assert refused.value.code == 403 and refused.value.message == "You are not authorized to use this API."

    assert client.delete_service_id(id=service.id).get_status_code() == 204
    with pytest.raises(ApiException) as gone:
        client.get_service_id(id=service.id)
    assert gone.value.code == 404


def test_user_keys_of_the_caller(new_account, identity, base_url):
    account = new_account("user-keys")
    client = identity(account["apikey"])
    mine = ApiKey.from_dict(client.get_api_keys_details(iam_api_key=account["apikey"]).get_result())
    assert mine.iam_id.startswith("IBMid-") and mine.apikey == ""
    created = ApiKey.from_dict(client.create_api_key(name="laptop", iam_id=mine.iam_id).get_result())
    assert created.created_by == mine.iam_id and not created.locked
    own = ApiKeyList.from_dict(client.list_api_keys(account_id=account["id"], iam_id=mine.iam_id).get_result())
    assert sorted(k.name for k in own.apikeys) == ["administrator", "laptop"]
    with pytest.raises(ApiException) as bad:
        client.create_api_key(name="stored", iam_id=mine.iam_id, store_value=True)
    assert bad.value.code == 400
    assert client.delete_api_key(id=created.id).get_status_code() == 204


def test_user_management(new_account, users, identity):
    account = new_account("people")
    client = users(account["apikey"])
    invited = client.invite_users(
        account_id=account["id"],
        users=[InviteUser(email="sdk.user@example.com", account_role="Member")],
    )
    assert invited.get_status_code() == 202
    iam_id = invited.get_result()["resources"][0]["id"]
    assert iam_id.startswith("IBMid-")

    emails, start = [], None
    while True:
        page = UserList.from_dict(client.list_users(account_id=account["id"], limit=1, start=start).get_result())
        assert page.total_results == 2
        emails += [u.email for u in page.resources]
        if not page.next_url:
            break
        start = page.next_url.split("_start=")[1]
    assert "sdk.user@example.com" in emails

    assert client.update_user_profile(account_id=account["id"], iam_id=iam_id, firstname="Sdk").get_status_code() == 204
    profile = UserProfile.from_dict(client.get_user_profile(account_id=account["id"], iam_id=iam_id).get_result())
    assert (profile.firstname, profile.state, profile.realm) == ("Sdk", "ACTIVE", "IBMid")

    # The administrator gives the user a key; the user reads its own key but not the account's users.
    key = identity(account["apikey"]).create_api_key(name="sdk-user", iam_id=iam_id).get_result()["apikey"]
    as_user = users(key)
    with pytest.raises(ApiException) as refused:
        as_user.list_users(account_id=account["id"])
    assert refused.value.code == 403
    assert ApiKey.from_dict(identity(key).get_api_keys_details(iam_api_key=key).get_result()).iam_id == iam_id

    assert client.remove_user(account_id=account["id"], iam_id=iam_id).get_status_code() == 204
    with pytest.raises(ApiException) as gone:
        client.get_user_profile(account_id=account["id"], iam_id=iam_id)
    assert gone.value.code == 404
