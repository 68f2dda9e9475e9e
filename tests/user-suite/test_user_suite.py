"""What users of hubspoke rehearse in their own suites: a known world at start, the world back after every test, and
IBM's window in which a binding is refused with 401 right after its authorization was created."""

import time

import pytest
from ibm_cloud_sdk_core import ApiException

DNS_ROLE = "crn:v1:bluemix:public:is::::serviceRole:DNSBindingConnector"


def account_of(vpc_service):
    return vpc_service.list_vpcs().get_result()["vpcs"][0]["crn"].split(":")[6][2:]


def test_the_init_world_is_there(hub_vpc, spoke_vpc):
    hubs = hub_vpc.list_vpcs().get_result()["vpcs"]
    assert [vpc["name"] for vpc in hubs] == ["hub-vpc"]
    assert hubs[0]["dns"]["enable_hub"] is True
    gateways = hub_vpc.list_endpoint_gateways().get_result()["endpoint_gateways"]
    assert [gateway["name"] for gateway in gateways] == ["hub-cos"]
    assert spoke_vpc.list_vpcs().get_result()["vpcs"] == []


@pytest.mark.parametrize("attempt", [1, 2])
def test_each_test_gets_the_baseline_back(spoke_vpc, attempt):
    assert spoke_vpc.list_vpcs().get_result()["vpcs"] == [], f"attempt {attempt} found the previous test's VPC"
    spoke_vpc.create_vpc(name="spoke-vpc")


def test_a_binding_is_refused_until_its_authorization_has_propagated(hub_vpc, spoke_vpc, hub_policies):
    hub = hub_vpc.list_vpcs().get_result()["vpcs"][0]
    hub_account = hub["crn"].split(":")[6][2:]
    spoke = spoke_vpc.create_vpc(name="spoke-vpc").get_result()
    spoke_account = spoke["crn"].split(":")[6][2:]
    hub_policies.create_policy(
        type="authorization",
        subjects=[{"attributes": [
            {"name": "accountId", "value": spoke_account},
            {"name": "serviceName", "value": "is"},
            {"name": "resourceType", "value": "vpc"},
            {"name": "resource", "value": spoke["id"]},
        ]}],
        roles=[{"role_id": DNS_ROLE}],
        resources=[{"attributes": [
            {"name": "accountId", "value": hub_account},
            {"name": "serviceName", "value": "is"},
            {"name": "vpcId", "value": hub["id"]},
        ]}],
    )

    # Right after the grant, as at IBM: 401, and the refusal says when the grant will count.
    with pytest.raises(ApiException) as refused:
        spoke_vpc.create_vpc_dns_resolution_binding(vpc_id=spoke["id"], vpc={"crn": hub["crn"]})
    assert refused.value.status_code == 401
    error = refused.value.http_response.json()["errors"][0]
    assert error["code"] == "not_authorized"
    assert "once it has propagated" in error["message"]
    assert "DNSBindingConnector" in error["details"]["missing_grant"]["cli"]

    # What a careful script does: retry until the grant has propagated (bounded, as IBM's landing zones sleep).
    deadline = time.monotonic() + 10
    while True:
        try:
            binding = spoke_vpc.create_vpc_dns_resolution_binding(vpc_id=spoke["id"], vpc={"crn": hub["crn"]})
            break
        except ApiException as error:
            assert error.status_code == 401 and time.monotonic() < deadline, error
            time.sleep(0.25)
    assert binding.get_status_code() == 201
    assert binding.get_result()["vpc"]["id"] == hub["id"]


def test_a_reset_empties_one_account_and_keeps_the_other(base_url, operator, hub_vpc, spoke_vpc):
    spoke_vpc.create_vpc(name="spoke-vpc")
    spoke_account = account_of(spoke_vpc)
    response = operator.post(f"{base_url}/_hubspoke/reset", json={"account_id": spoke_account}, timeout=30)
    assert response.status_code == 200, response.text
    assert spoke_vpc.list_vpcs().get_result()["vpcs"] == []
    assert [vpc["name"] for vpc in hub_vpc.list_vpcs().get_result()["vpcs"]] == ["hub-vpc"]
