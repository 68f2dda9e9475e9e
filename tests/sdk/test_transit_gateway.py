"""Conformance of TransitGatewayApisV1 (ibm-cloud-networking-services) against hubspoke.

The landing zone's topology: a hub and a spoke VPC with non-overlapping manual prefixes, one local gateway and one
VPC connection each. Every method the emulator serves is called through the SDK, each response is checked with the
SDK's model classes (whose `from_dict` raises when a required property is missing), the pagers walk pages of one,
and the refusals carry their code and rule: two `auto` VPCs overlap, another network type, a deleted gateway.
"""

import pytest
from ibm_cloud_networking_services import TransitGatewayApisV1
from ibm_cloud_networking_services.transit_gateway_apis_v1 import (
    ConnectionsPager,
    TransitConnection,
    TransitConnectionCollection,
    TransitGateway,
    TransitGatewayCollection,
    TransitGatewayConnectionCollection,
    TransitGatewayConnectionCust,
    TransitGatewayConnectionsPager,
    TransitGatewaysPager,
    TSCollection,
    TSLocation,
)
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_vpc.vpc_v1 import ZoneIdentityByName


def conforming(model, body):
    """`body`, after checking that the SDK model `model` parses it."""
    model.from_dict(body)
    return body


def refusal(call):
    """Runs `call`, which must be refused; returns (status, code, message)."""
    with pytest.raises(ApiException) as raised:
        call()
    error = raised.value.http_response.json()["errors"][0]
    return raised.value.status_code, error["code"], error["message"]


@pytest.fixture
def transit_client(base_url):
    def client(apikey):
        service = TransitGatewayApisV1(version="2026-10-06", authenticator=IAMAuthenticator(apikey=apikey, url=base_url))
        service.set_service_url(f"{base_url}/v1")
        return service

    return client


def manual_vpc(vpcs, name, cidr):
    vpc = vpcs.create_vpc(name=name, address_prefix_management="manual").get_result()
    vpcs.create_vpc_address_prefix(vpc["id"], cidr, ZoneIdentityByName(name="us-south-1"), name=f"{name}-prefix")
    return vpc


def test_the_landing_zone_gateway_through_every_method(new_account, vpc_client, transit_client):
    account = new_account("transit")
    vpcs, tg = vpc_client(account["apikey"]), transit_client(account["apikey"])
    hub = manual_vpc(vpcs, "hub-vpc", "10.10.10.0/24")
    spoke = manual_vpc(vpcs, "spoke-vpc", "10.40.10.0/24")

    locations = conforming(TSCollection, tg.list_gateway_locations().get_result())["locations"]
    assert "us-south" in {location["name"] for location in locations}
    location = conforming(TSLocation, tg.get_gateway_location(name="us-south").get_result())
    assert [zone["name"] for zone in location["zones"]] == ["us-south-1", "us-south-2", "us-south-3"]

    response = tg.create_transit_gateway(location="us-south", name="lz-tg", global_=False)
    assert response.get_status_code() == 201
    gateway = conforming(TransitGateway, response.get_result())
    assert (gateway["status"], gateway["global"], gateway["location"]) == ("available", False, "us-south")
    other = conforming(TransitGateway, tg.create_transit_gateway(location="us-south", name="lz-tg-other").get_result())

    connections = []
    for vpc in (hub, spoke):
        response = tg.create_transit_gateway_connection(gateway["id"], "vpc", network_id=vpc["crn"])
        assert response.get_status_code() == 201
        connection = conforming(TransitGatewayConnectionCust, response.get_result())
        assert (connection["name"], connection["status"], connection["network_id"]) == (vpc["name"], "attached", vpc["crn"])
        connections.append(connection)

    listed = conforming(TransitGatewayCollection, tg.list_transit_gateways(limit=1).get_result())
    assert len(listed["transit_gateways"]) == 1 and "start" in listed["next"]
    walked = TransitGatewaysPager(client=tg, limit=1).get_all()
    assert {g["id"] for g in walked} == {gateway["id"], other["id"]}
    conforming(TransitGatewayConnectionCollection, tg.list_transit_gateway_connections(gateway["id"]).get_result())
    walked = TransitGatewayConnectionsPager(client=tg, transit_gateway_id=gateway["id"], limit=1).get_all()
    assert {c["id"] for c in walked} == {c["id"] for c in connections}
    everything = conforming(TransitConnectionCollection, tg.list_connections().get_result())["connections"]
    assert {c["id"] for c in everything} == {c["id"] for c in connections}
    assert len(ConnectionsPager(client=tg, limit=1).get_all()) == 2
    only_hub = tg.list_connections(network_id=hub["crn"]).get_result()["connections"]
    assert [c["id"] for c in only_hub] == [connections[0]["id"]]
    for connection in everything:
        conforming(TransitConnection, connection)

    read = conforming(TransitGateway, tg.get_transit_gateway(gateway["id"]).get_result())
    assert read["connection_count"] == 2
    renamed = tg.update_transit_gateway(gateway["id"], name="lz-tg-renamed").get_result()
    assert renamed["name"] == "lz-tg-renamed"
    first = tg.get_transit_gateway_connection(gateway["id"], connections[0]["id"]).get_result()
    conforming(TransitGatewayConnectionCust, first)
    renamed = tg.update_transit_gateway_connection(gateway["id"], first["id"], name="hub-link").get_result()
    assert renamed["name"] == "hub-link"

    # Refusals: another network type, a gateway with connections, a connected VPC.
    status, code, message = refusal(lambda: tg.create_transit_gateway_connection(other["id"], "classic"))
    assert (status, code) == (400, "invalid_network_type") and message.endswith("(rule T1)")
    status, code, message = refusal(lambda: tg.delete_transit_gateway(gateway["id"]))
    assert (status, code) == (409, "gateway_has_connections") and message.endswith("(rule T6)")
    status, code, message = refusal(lambda: vpcs.delete_vpc(hub["id"]))
    assert (status, code) == (409, "vpc_has_transit_gateway_connections") and message.endswith("(rule T5)")

    for connection in connections:
        assert tg.delete_transit_gateway_connection(gateway["id"], connection["id"]).get_status_code() == 204
    for transit in (gateway, other):
        assert tg.delete_transit_gateway(transit["id"]).get_status_code() == 204
    status, _, _ = refusal(lambda: tg.get_transit_gateway(gateway["id"]))
    assert status == 404


def test_two_auto_prefix_vpcs_overlap(new_account, vpc_client, transit_client):
    account = new_account("transit-overlap")
    vpcs, tg = vpc_client(account["apikey"]), transit_client(account["apikey"])
    first = vpcs.create_vpc(name="first").get_result()
    second = vpcs.create_vpc(name="second").get_result()
    gateway = tg.create_transit_gateway(location="us-south", name="overlap").get_result()
    tg.create_transit_gateway_connection(gateway["id"], "vpc", network_id=first["crn"])
    status, code, message = refusal(
        lambda: tg.create_transit_gateway_connection(gateway["id"], "vpc", network_id=second["crn"])
    )
    assert (status, code) == (409, "overlapping_prefixes") and message.endswith("(rule T4)")
    assert first["id"] in message and second["id"] in message
