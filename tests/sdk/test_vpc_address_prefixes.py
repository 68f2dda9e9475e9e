"""Conformance of VpcV1 (ibm-vpc) against hubspoke: regions and zones, and a VPC's address prefixes.

A `manual` VPC starts without prefixes; the test creates some, pages through them with the SDK's own pager, reads,
renames and un-defaults one, and deletes them, checking each response with the SDK's model classes (whose
`from_dict` raises when a required property is missing) and each refusal's IBM error code and field.
"""

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_vpc.vpc_v1 import (
    VPC,
    AddressPrefix,
    AddressPrefixCollection,
    Region,
    RegionCollection,
    VpcAddressPrefixesPager,
    Zone,
    ZoneCollection,
    ZoneIdentityByName,
)

REGIONS = {
    "au-syd", "br-sao", "ca-mon", "ca-tor", "eu-de", "eu-es", "eu-gb", "in-che", "in-mum", "jp-osa", "jp-tok",
    "us-east", "us-south",
}


def conforming(model, body):
    """`body`, after checking that the SDK model `model` parses it (its `from_dict` raises on a missing property)."""
    model.from_dict(body)
    return body


def refusal(call):
    """Runs `call`, which must be refused; returns (status, code, target name)."""
    with pytest.raises(ApiException) as raised:
        call()
    error = raised.value.http_response.json()["errors"][0]
    return raised.value.status_code, error["code"], error.get("target", {}).get("name")


def test_regions_and_zones(new_account, vpc_client):
    vpcs = vpc_client(new_account("regions")["apikey"])
    regions = conforming(RegionCollection, vpcs.list_regions().get_result())["regions"]
    assert {region["name"] for region in regions} == REGIONS
    region = conforming(Region, vpcs.get_region(name="us-south").get_result())
    assert (region["endpoint"], region["status"]) == (f"{vpcs.service_url[: -len('/v1')]}/us-south", "available")
    zones = conforming(ZoneCollection, vpcs.list_region_zones(region_name="us-south").get_result())["zones"]
    assert [zone["name"] for zone in zones] == ["us-south-1", "us-south-2", "us-south-3"]
    zone = conforming(Zone, vpcs.get_region_zone(region_name="us-south", name="us-south-2").get_result())
    assert (zone["region"]["name"], zone["status"]) == ("us-south", "available")
    assert refusal(lambda: vpcs.get_region(name="mars"))[:2] == (404, "not_found")
    assert refusal(lambda: vpcs.get_region_zone(region_name="us-south", name="us-south-9"))[:2] == (404, "not_found")


def test_a_region_is_selected_by_the_service_url(new_account, vpc_client):
    """The region's `endpoint` with `/v1` is a service URL, as at IBM; resources stay in the region they were made in."""
    account = new_account("frankfurt")
    default = vpc_client(account["apikey"])
    frankfurt = vpc_client(account["apikey"])
    frankfurt.set_service_url(default.get_region(name="eu-de").get_result()["endpoint"] + "/v1")
    vpc = frankfurt.create_vpc(name="frankfurt").get_result()
    assert vpc["id"].startswith("r010-") and ":is:eu-de:" in vpc["crn"]
    prefixes = frankfurt.list_vpc_address_prefixes(vpc_id=vpc["id"]).get_result()["address_prefixes"]
    assert [prefix["zone"]["name"] for prefix in prefixes] == ["eu-de-1", "eu-de-2", "eu-de-3"]
    assert [v["id"] for v in frankfurt.list_vpcs().get_result()["vpcs"]] == [vpc["id"]]
    assert default.list_vpcs().get_result()["vpcs"] == []
    assert refusal(lambda: default.get_vpc(id=vpc["id"]))[:2] == (404, "not_found")
    frankfurt.delete_vpc(id=vpc["id"])


def test_address_prefixes_of_a_manual_vpc(new_account, vpc_client):
    vpcs = vpc_client(new_account("prefixes")["apikey"])
    vpc = conforming(VPC, vpcs.create_vpc(name="manual-vpc", address_prefix_management="manual").get_result())
    vpc_id = vpc["id"]
    assert VpcAddressPrefixesPager(client=vpcs, vpc_id=vpc_id).get_all() == []

    zone = ZoneIdentityByName(name="us-south-1")
    created = vpcs.create_vpc_address_prefix(vpc_id, "10.100.0.0/16", zone, is_default=True, name="apps")
    assert created.get_status_code() == 201
    apps = conforming(AddressPrefix, created.get_result())
    assert (apps["cidr"], apps["is_default"], apps["has_subnets"], apps["zone"]["name"]) == (
        "10.100.0.0/16",
        True,
        False,
        "us-south-1",
    )
    for n in range(3):
        conforming(
            AddressPrefix,
            vpcs.create_vpc_address_prefix(vpc_id, f"10.{101 + n}.0.0/16", ZoneIdentityByName(name="us-south-2")).get_result(),
        )

    # The refusals name the field at fault.
    assert refusal(lambda: vpcs.create_vpc_address_prefix(vpc_id, "10.100.4.0/24", zone)) == (
        400,
        "address_prefix_overlap",
        "cidr",
    )
    assert refusal(lambda: vpcs.create_vpc_address_prefix(vpc_id, "10.200.0.0/16", zone, is_default=True)) == (
        400,
        "address_prefix_default_exists",
        "is_default",
    )

    # The SDK's pager walks every page.
    first = conforming(AddressPrefixCollection, vpcs.list_vpc_address_prefixes(vpc_id, limit=2).get_result())
    assert (len(first["address_prefixes"]), first["total_count"], first["limit"]) == (2, 4, 2)
    assert "next" in first
    every = VpcAddressPrefixesPager(client=vpcs, vpc_id=vpc_id, limit=2).get_all()
    assert sorted(prefix["cidr"] for prefix in every) == [f"10.{n}.0.0/16" for n in range(100, 104)]
    for prefix in every:
        conforming(AddressPrefix, prefix)

    # A subnet lies inside a prefix of its zone.
    subnet = vpcs.create_subnet(
        {"vpc": {"id": vpc_id}, "zone": {"name": "us-south-1"}, "total_ipv4_address_count": 256, "name": "apps-a"}
    ).get_result()
    assert subnet["ipv4_cidr_block"] == "10.100.0.0/24"
    assert vpcs.get_vpc_address_prefix(vpc_id, apps["id"]).get_result()["has_subnets"] is True
    assert refusal(lambda: vpcs.delete_vpc_address_prefix(vpc_id, apps["id"]))[:2] == (409, "address_prefix_in_use")

    updated = vpcs.update_vpc_address_prefix(vpc_id, apps["id"], {"name": "apps-renamed", "is_default": False})
    renamed = conforming(AddressPrefix, updated.get_result())
    assert (renamed["name"], renamed["is_default"]) == ("apps-renamed", False)
    fetched = conforming(AddressPrefix, vpcs.get_vpc_address_prefix(vpc_id, apps["id"]).get_result())
    assert fetched == renamed

    vpcs.delete_subnet(subnet["id"])
    for prefix in every:
        assert vpcs.delete_vpc_address_prefix(vpc_id, prefix["id"]).get_status_code() == 204
    assert VpcAddressPrefixesPager(client=vpcs, vpc_id=vpc_id).get_all() == []
    assert vpcs.delete_vpc(vpc_id).get_status_code() == 204


def test_auto_vpcs_have_the_region_defaults(new_account, vpc_client):
    vpcs = vpc_client(new_account("defaults")["apikey"])
    vpc_id = vpcs.create_vpc(name="auto-vpc").get_result()["id"]
    prefixes = VpcAddressPrefixesPager(client=vpcs, vpc_id=vpc_id).get_all()
    assert sorted((p["zone"]["name"], p["cidr"], p["is_default"]) for p in prefixes) == [
        ("us-south-1", "10.240.0.0/18", True),
        ("us-south-2", "10.240.64.0/18", True),
        ("us-south-3", "10.240.128.0/18", True),
    ]
