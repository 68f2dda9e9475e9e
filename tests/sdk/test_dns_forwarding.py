"""Conformance of DnsSvcsV1 (ibm-cloud-networking-services) against hubspoke: a custom resolver's description, the
order of its locations, its forwarding rules (the default rule included) and its secondary zones.

Every response is parsed with the SDK's own model classes, whose `from_dict` raises when a required property is
missing, and the lists are paged the way the SDK pages them (`offset` and `limit`).
"""

import pytest
from ibm_cloud_networking_services import DnsSvcsV1
from ibm_cloud_networking_services.dns_svcs_v1 import (
    CustomResolver,
    ForwardingRule,
    ForwardingRuleList,
    SecondaryZone,
    SecondaryZoneList,
)
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import ResourceControllerV2, ResourceManagerV2


def conforming(model, body):
    """`body`, after checking that the SDK model `model` parses it."""
    model.from_dict(body)
    return body


@pytest.fixture
def dns_services(base_url):
    """A DnsSvcsV1 client for an API key, pointed at hubspoke's `/v1`."""

    def client(apikey):
        service = DnsSvcsV1(authenticator=IAMAuthenticator(apikey=apikey, url=base_url))
        service.set_service_url(f"{base_url}/v1")
        return service

    return client


def new_instance(base_url, apikey):
    """A new DNS Services instance of the key's account, provisioned through Resource Controller; returns its GUID."""
    auth = IAMAuthenticator(apikey=apikey, url=base_url)
    groups = ResourceManagerV2(authenticator=auth)
    groups.set_service_url(base_url)
    [default_group] = groups.list_resource_groups(default=True).get_result()["resources"]
    controller = ResourceControllerV2(authenticator=auth)
    controller.set_service_url(base_url)
    created = controller.create_resource_instance(
        name="dns-forwarding", target="global", resource_group=default_group["id"], resource_plan_id="standard-dns"
    )
    return created.get_result()["guid"]


def subnets_of_a_new_vpc(vpcs, count):
    """A new VPC with `count` subnets, one per zone; returns their CRNs."""
    vpc = vpcs.create_vpc(name="resolver-vpc").get_result()
    crns = []
    for zone in range(1, count + 1):
        prototype = {"vpc": {"id": vpc["id"]}, "zone": {"name": f"us-south-{zone}"}, "total_ipv4_address_count": 256}
        crns.append(vpcs.create_subnet(subnet_prototype=prototype).get_result()["crn"])
    return crns


@pytest.fixture
def resolver(base_url, new_account, vpc_client, dns_services):
    """`(client, instance_id, resolver)`: an account's enabled custom resolver with two locations."""
    account = new_account("forwarding")
    client = dns_services(account["apikey"])
    subnets = subnets_of_a_new_vpc(vpc_client(account["apikey"]), 2)
    instance_id = new_instance(base_url, account["apikey"])
    created = client.create_custom_resolver(
        instance_id=instance_id,
        name="hub-resolver",
        locations=[{"subnet_crn": crn, "enabled": True} for crn in subnets],
    )
    assert created.get_status_code() == 200
    resolver = conforming(CustomResolver, created.get_result())
    assert resolver["description"] == ""
    enabled = client.update_custom_resolver(instance_id=instance_id, resolver_id=resolver["id"], enabled=True)
    return client, instance_id, conforming(CustomResolver, enabled.get_result())


def test_descriptions_round_trip_and_locations_are_reordered(resolver):
    client, instance_id, found = resolver
    updated = client.update_custom_resolver(
        instance_id=instance_id, resolver_id=found["id"], description="the hub's resolver"
    ).get_result()
    assert conforming(CustomResolver, updated)["description"] == "the hub's resolver"
    assert updated["profile"] == "essential"
    assert updated["lifecycle"]["state"] == "stable"
    assert updated["health"] == "HEALTHY"

    order = [location["id"] for location in reversed(found["locations"])]
    reordered = client.update_cr_locations_order(instance_id=instance_id, resolver_id=found["id"], locations=order)
    assert reordered.get_status_code() == 200
    assert [location["id"] for location in conforming(CustomResolver, reordered.get_result())["locations"]] == order
    with pytest.raises(ApiException) as refused:
        client.update_cr_locations_order(instance_id=instance_id, resolver_id=found["id"], locations=order[:1])
    assert refused.value.status_code == 400
    assert "(rule CR6)" in refused.value.message


def test_forwarding_rules_page_from_the_default_rule(resolver):
    client, instance_id, found = resolver
    resolver_id = found["id"]

    listed = client.list_forwarding_rules(instance_id=instance_id, resolver_id=resolver_id).get_result()
    conforming(ForwardingRuleList, listed)
    assert (listed["total_count"], listed["limit"], listed["offset"]) == (1, 200, 0)
    [default] = listed["forwarding_rules"]
    assert (default["type"], default["match"], default["description"]) == ("default", "*", "default forwarding rule")
    with pytest.raises(ApiException) as kept:
        client.delete_forwarding_rule(instance_id=instance_id, resolver_id=resolver_id, rule_id=default["id"])
    assert kept.value.status_code == 409
    assert "(rule F1)" in kept.value.message

    created = []
    for index in range(3):
        response = client.create_forwarding_rule(
            instance_id=instance_id,
            resolver_id=resolver_id,
            type="zone",
            match=f"zone{index}.example.com",
            forward_to=["10.0.0.7", "10.0.0.8"],
            description=f"rule {index}",
        )
        assert response.get_status_code() == 200
        created.append(conforming(ForwardingRule, response.get_result()))
    with pytest.raises(ApiException) as duplicate:
        client.create_forwarding_rule(
            instance_id=instance_id, resolver_id=resolver_id, type="zone", match="zone0.example.com", forward_to=["10.0.0.9"]
        )
    assert duplicate.value.status_code == 409
    assert "(rule F4)" in duplicate.value.message

    page = client.list_forwarding_rules(instance_id=instance_id, resolver_id=resolver_id, offset=1, limit=2).get_result()
    conforming(ForwardingRuleList, page)
    assert (page["total_count"], page["count"]) == (4, 2)
    assert [rule["id"] for rule in page["forwarding_rules"]] == [created[0]["id"], created[1]["id"]]
    assert page["next"]["href"].endswith("offset=3&limit=2")

    updated = client.update_forwarding_rule(
        instance_id=instance_id, resolver_id=resolver_id, rule_id=created[2]["id"], forward_to=["10.0.0.53"]
    ).get_result()
    assert conforming(ForwardingRule, updated)["forward_to"] == ["10.0.0.53"]
    fetched = client.get_forwarding_rule(instance_id=instance_id, resolver_id=resolver_id, rule_id=created[2]["id"])
    assert fetched.get_result() == updated
    deleted = client.delete_forwarding_rule(instance_id=instance_id, resolver_id=resolver_id, rule_id=created[2]["id"])
    assert deleted.get_status_code() == 204
    with pytest.raises(ApiException) as gone:
        client.get_forwarding_rule(instance_id=instance_id, resolver_id=resolver_id, rule_id=created[2]["id"])
    assert gone.value.status_code == 404


def test_secondary_zones_are_created_updated_and_deleted(resolver):
    client, instance_id, found = resolver
    resolver_id = found["id"]
    response = client.create_secondary_zone(
        instance_id=instance_id, resolver_id=resolver_id, zone="onprem.example.com", transfer_from=["10.0.0.7"]
    )
    assert response.get_status_code() == 200
    zone = conforming(SecondaryZone, response.get_result())
    assert (zone["zone"], zone["enabled"], zone["transfer_from"]) == ("onprem.example.com", True, ["10.0.0.7:53"])

    updated = client.update_secondary_zone(
        instance_id=instance_id,
        resolver_id=resolver_id,
        secondary_zone_id=zone["id"],
        description="on-premises",
        enabled=False,
        transfer_from=["10.0.0.8", "10.0.0.9"],
    ).get_result()
    conforming(SecondaryZone, updated)
    assert (updated["enabled"], updated["transfer_from"]) == (False, ["10.0.0.8:53", "10.0.0.9:53"])

    listed = client.list_secondary_zones(instance_id=instance_id, resolver_id=resolver_id).get_result()
    conforming(SecondaryZoneList, listed)
    assert [item["id"] for item in listed["secondary_zones"]] == [zone["id"]]
    assert client.get_secondary_zone(
        instance_id=instance_id, resolver_id=resolver_id, secondary_zone_id=zone["id"]
    ).get_result() == updated
    deleted = client.delete_secondary_zone(instance_id=instance_id, resolver_id=resolver_id, secondary_zone_id=zone["id"])
    assert deleted.get_status_code() == 204
    assert client.list_secondary_zones(instance_id=instance_id, resolver_id=resolver_id).get_result()["total_count"] == 0
