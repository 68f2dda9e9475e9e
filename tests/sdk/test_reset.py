"""A suite written as users write theirs: one account for the module, reset after every test, so each test may create
the same VPC and the same authorization without colliding with the one before."""

import pytest
import requests

from ibm_cloud_sdk_core import ApiException


@pytest.fixture(scope="module")
def account(base_url, operator_token):
    response = requests.post(
        f"{base_url}/_hubspoke/accounts",
        json={"name": "reset-between-tests"},
        headers={"Authorization": f"Bearer {operator_token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture(autouse=True)
def reset_after_each_test(base_url, operator_token, account):
    yield
    response = requests.post(
        f"{base_url}/_hubspoke/reset",
        json={"account_id": account["id"]},
        headers={"Authorization": f"Bearer {operator_token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["revision"] > 0


def authorization(account_id, vpc_id):
    subject = [
        {"name": "accountId", "value": account_id},
        {"name": "serviceName", "value": "is"},
        {"name": "resourceType", "value": "vpc"},
    ]
    resource = [
        {"name": "accountId", "value": account_id},
        {"name": "serviceName", "value": "is"},
        {"name": "vpcId", "value": vpc_id},
    ]
    return {
        "type": "authorization",
        "subjects": [{"attributes": subject}],
        "roles": [{"role_id": "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector"}],
        "resources": [{"attributes": resource}],
    }


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_each_test_starts_from_an_empty_account(account, vpc_client, policy_client, attempt):
    vpcs = vpc_client(account["apikey"])
    assert vpcs.list_vpcs().get_result()["vpcs"] == [], f"attempt {attempt} found the previous test's VPC"
    created = vpcs.create_vpc(name="app-vpc", dns={"enable_hub": True}).get_result()
    policies = policy_client(account["apikey"])
    body = authorization(account["id"], created["id"])
    # The same VPC name and, after the first attempt, a policy identical but for the VPC id: neither collides.
    policy = policies.create_policy(**body).get_result()
    assert policy["id"]
    with pytest.raises(ApiException) as duplicate:
        policies.create_policy(**body)
    assert duplicate.value.status_code == 409
