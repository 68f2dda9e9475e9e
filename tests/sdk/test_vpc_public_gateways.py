"""Conformance of VpcV1 (ibm-vpc) against hubspoke for public gateways, a subnet's public gateway and reserved IP
updates: requests built with the SDK's own prototype models, every response parsed with the SDK's model classes,
whose `from_dict` raises when a required property is missing.
"""

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_vpc.vpc_v1 import (
    PublicGateway,
    PublicGatewayCollection,
    PublicGatewayFloatingIPPrototypeFloatingIPIdentityFloatingIPIdentityByAddress,
    PublicGatewayIdentityPublicGatewayIdentityById,
    PublicGatewaysPager,
    ReservedIP,
    Subnet,
    VPCIdentityById,
    ZoneIdentityByName,
)

from test_vpc_dns_sharing import conforming, create_vpc


def test_public_gateways_with_subnets_and_reserved_ips(new_account, vpc_client):
    account = new_account("egress")
    vpc_service = vpc_client(account["apikey"])
    vpc = create_vpc(vpc_service, "egress")
    identity = VPCIdentityById(id=vpc["id"])

    # One gateway per zone: the first takes the next free floating IP, the second the address it is given.
    created = []
    for zone, floating_ip in [
        ("us-south-1", None),
        ("us-south-2", PublicGatewayFloatingIPPrototypeFloatingIPIdentityFloatingIPIdentityByAddress(address="203.0.113.20")),
        ("us-south-3", None),
    ]:
        response = vpc_service.create_public_gateway(
            identity, ZoneIdentityByName(name=zone), floating_ip=floating_ip, name=f"egress-{zone}"
        )
        assert response.get_status_code() == 201
        gateway = conforming(PublicGateway, response.get_result())
        assert (gateway["zone"]["name"], gateway["status"], gateway["vpc"]["id"]) == (zone, "available", vpc["id"])
        created.append(gateway)
    assert created[1]["floating_ip"]["address"] == "203.0.113.20"
    assert created[0]["floating_ip"]["address"] != created[2]["floating_ip"]["address"]

    # A second gateway in a zone is refused, naming the rule.
    with pytest.raises(ApiException) as refused:
        vpc_service.create_public_gateway(identity, ZoneIdentityByName(name="us-south-1"), name="another")
    assert refused.value.code == 409
    assert "(rule G1)" in refused.value.message

    # The pager walks every page, newest first.
    page = vpc_service.list_public_gateways(limit=2).get_result()
    conforming(PublicGatewayCollection, page)
    assert page["total_count"] == 3 and len(page["public_gateways"]) == 2
    pager = PublicGatewaysPager(client=vpc_service, limit=2, resource_group_id=vpc["resource_group"]["id"])
    seen = pager.get_all()
    assert [gateway["id"] for gateway in seen] == [gateway["id"] for gateway in reversed(created)]

    renamed = vpc_service.update_public_gateway(created[0]["id"], {"name": "egress-one"}).get_result()
    assert conforming(PublicGateway, renamed)["name"] == "egress-one"
    fetched = vpc_service.get_public_gateway(created[0]["id"]).get_result()
    assert fetched == renamed

    # A subnet takes the gateway of its zone; unset, it has none.
    subnet = vpc_service.create_subnet(
        {"vpc": {"id": vpc["id"]}, "zone": {"name": "us-south-1"}, "total_ipv4_address_count": 256, "name": "egress-a"}
    ).get_result()
    conforming(Subnet, subnet)
    assert "public_gateway" not in subnet
    attached = vpc_service.set_subnet_public_gateway(
        subnet["id"], PublicGatewayIdentityPublicGatewayIdentityById(id=created[0]["id"])
    )
    assert attached.get_status_code() == 201
    assert conforming(PublicGateway, attached.get_result())["id"] == created[0]["id"]
    assert vpc_service.get_subnet_public_gateway(subnet["id"]).get_result()["id"] == created[0]["id"]
    shown = conforming(Subnet, vpc_service.get_subnet(subnet["id"]).get_result())
    assert shown["public_gateway"]["id"] == created[0]["id"]
    with pytest.raises(ApiException) as refused:
        vpc_service.set_subnet_public_gateway(
            subnet["id"], PublicGatewayIdentityPublicGatewayIdentityById(id=created[1]["id"])
        )
    assert refused.value.code == 400
    assert "(rule G9)" in refused.value.message
    with pytest.raises(ApiException) as refused:
        vpc_service.delete_public_gateway(created[0]["id"])
    assert refused.value.code == 409
    assert vpc_service.unset_subnet_public_gateway(subnet["id"]).get_status_code() == 204
    with pytest.raises(ApiException) as refused:
        vpc_service.get_subnet_public_gateway(subnet["id"])
    assert refused.value.code == 404

    # A reserved IP is renamed and told to go with its target.
    ip = vpc_service.create_subnet_reserved_ip(subnet["id"], name="spare").get_result()
    updated = vpc_service.update_subnet_reserved_ip(subnet["id"], ip["id"], {"name": "kept", "auto_delete": True})
    updated = conforming(ReservedIP, updated.get_result())
    assert (updated["name"], updated["auto_delete"], updated["address"]) == ("kept", True, ip["address"])

    for gateway in created:
        assert vpc_service.delete_public_gateway(gateway["id"]).get_status_code() == 204
    assert vpc_service.list_public_gateways().get_result()["public_gateways"] == []
