"""Conformance of DNS Services zones, permitted networks and resource records (DnsSvcsV1) and of Resource
Controller's instances (ResourceControllerV2) against hubspoke: every method the SDKs have for them, the models
parsing each answer, offset paging, and the refusals an SDK user meets as ApiException."""

import io

import pytest
from ibm_cloud_networking_services.dns_svcs_v1 import (
    ImportResourceRecordsResp,
    Dnszone,
    ListDnszones,
    ListPermittedNetworks,
    ListResourceRecords,
    PermittedNetwork,
    ResourceRecord,
)
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import ResourceControllerV2, ResourceManagerV2
from ibm_platform_services.resource_controller_v2 import ResourceInstance
from ibm_vpc import VpcV1

VERSION = "2026-10-06"


@pytest.fixture
def clients(base_url, new_account):
    """An account with a Resource Controller, a Resource Manager, a DNS Services and a VPC client."""

    def make(name):
        account = new_account(name)
        auth = IAMAuthenticator(apikey=account["apikey"], url=base_url)
        controller = ResourceControllerV2(authenticator=auth)
        controller.set_service_url(base_url)
        groups = ResourceManagerV2(authenticator=auth)
        groups.set_service_url(base_url)
        from ibm_cloud_networking_services import DnsSvcsV1

        dns = DnsSvcsV1(authenticator=auth)
        dns.set_service_url(f"{base_url}/v1")
        vpc = VpcV1(version=VERSION, authenticator=auth)
        vpc.set_service_url(f"{base_url}/v1")
        return account, controller, groups, dns, vpc

    return make


def provision(controller, groups, name):
    [default_group] = groups.list_resource_groups(default=True).get_result()["resources"]
    response = controller.create_resource_instance(
        name=name, target="global", resource_group=default_group["id"], resource_plan_id="standard-dns"
    )
    assert response.get_status_code() == 201
    return ResourceInstance.from_dict(response.get_result())


def test_instances_through_resource_controller(clients):
    account, controller, groups, dns, _ = clients("rc")
    instance = provision(controller, groups, "dns-hub")
    assert instance.id == instance.crn == f"crn:v1:bluemix:public:dns-svcs:global:a/{account['id']}:{instance.guid}::"
    assert (instance.state, instance.resource_plan_id, instance.region_id) == ("active", "dns-svcs-standard-dns", "global")

    read = ResourceInstance.from_dict(controller.get_resource_instance(id=instance.guid).get_result())
    assert read.name == "dns-hub"
    # `next_url` is null on the last page, as Resource Controller answers, so the list is read as the SDK's pager reads it.
    listed = controller.list_resource_instances(name="dns-hub").get_result()
    assert (listed["rows_count"], listed["next_url"]) == (1, None)
    assert [ResourceInstance.from_dict(i).guid for i in listed["resources"]] == [instance.guid]
    renamed = controller.update_resource_instance(id=instance.guid, name="dns-shared").get_result()
    assert renamed["name"] == "dns-shared"

    zone = dns.create_dnszone(instance_id=instance.guid, name="example.com").get_result()
    with pytest.raises(ApiException) as refused:
        controller.delete_resource_instance(id=instance.guid)
    assert refused.value.code == 409 and "(rule I3)" in refused.value.message
    assert dns.delete_dnszone(instance_id=instance.guid, dnszone_id=zone["id"]).get_status_code() == 204
    assert controller.delete_resource_instance(id=instance.guid).get_status_code() == 204
    # A deleted instance reads `removed` (what Terraform's delete waits for); nothing else under it is found.
    assert controller.get_resource_instance(id=instance.guid).get_result()["state"] == "removed"
    with pytest.raises(ApiException) as gone:
        dns.list_dnszones(instance_id=instance.guid)
    assert gone.value.code == 404
    with pytest.raises(ApiException) as unknown:
        dns.list_dnszones(instance_id=instance.guid)
    assert unknown.value.code == 404


def test_zones_permitted_networks_and_records(clients):
    _, controller, groups, dns, vpc_client = clients("zones")
    instance = provision(controller, groups, "dns").guid
    created = dns.create_dnszone(instance_id=instance, name="example.com", description="hub zone", label="hub")
    assert created.get_status_code() == 200
    zone = Dnszone.from_dict(created.get_result())
    assert (zone.name, zone.state, zone.instance_id, zone.label) == ("example.com", "pending_network_add", instance, "hub")
    for n in range(3):
        dns.create_dnszone(instance_id=instance, name=f"z{n}.example.com")
    page = ListDnszones.from_dict(dns.list_dnszones(instance_id=instance, offset=1, limit=2).get_result())
    assert (page.offset, page.limit, page.count, page.total_count) == (1, 2, 2, 4)
    assert page.next.href.endswith("offset=3&limit=2") and page.first.href.endswith("offset=0&limit=2")
    updated = dns.update_dnszone(instance_id=instance, dnszone_id=zone.id, description="shared", label="main")
    assert Dnszone.from_dict(updated.get_result()).label == "main"
    with pytest.raises(ApiException) as restricted:
        dns.create_dnszone(instance_id=instance, name="private.appdomain.cloud")
    assert restricted.value.code == 400 and "(rule Z2)" in restricted.value.message

    vpc = vpc_client.create_vpc(name="hub").get_result()
    network = dns.create_permitted_network(
        instance_id=instance, dnszone_id=zone.id, type="vpc", permitted_network={"vpc_crn": vpc["crn"]}
    )
    assert network.get_status_code() == 200
    network = PermittedNetwork.from_dict(network.get_result())
    assert (network.id, network.state, network.permitted_network.vpc_crn) == (vpc["id"], "ACTIVE", vpc["crn"])
    assert Dnszone.from_dict(dns.get_dnszone(instance_id=instance, dnszone_id=zone.id).get_result()).state == "active"
    listed = ListPermittedNetworks.from_dict(
        dns.list_permitted_networks(instance_id=instance, dnszone_id=zone.id).get_result()
    )
    assert [n.id for n in listed.permitted_networks] == [vpc["id"]]
    read = dns.get_permitted_network(instance_id=instance, dnszone_id=zone.id, permitted_network_id=vpc["id"])
    assert read.get_result()["type"] == "vpc"
    by_vpc = dns.list_dnszones(instance_id=instance, vpc_id=vpc["id"]).get_result()
    assert [z["id"] for z in by_vpc["dnszones"]] == [zone.id]

    bodies = [
        {"type": "A", "name": "www", "rdata": {"ip": "10.0.0.5"}},
        {"type": "AAAA", "name": "www", "rdata": {"ip": "2001:db8::5"}, "ttl": 60},
        {"type": "CNAME", "name": "web", "rdata": {"cname": "www.example.com"}},
        {"type": "MX", "name": "example.com", "rdata": {"exchange": "mail.example.com", "preference": 10}},
        {
            "type": "SRV",
            "name": "test",
            "service": "_sip",
            "protocol": "udp",
            "rdata": {"priority": 1, "weight": 2, "port": 5060, "target": "www.example.com"},
        },
        {"type": "TXT", "name": "example.com", "rdata": {"text": "v=spf1 -all"}},
        {"type": "PTR", "name": "10.0.0.5", "rdata": {"ptrdname": "www.example.com"}},
    ]
    records = {}
    for body in bodies:
        response = dns.create_resource_record(instance_id=instance, dnszone_id=zone.id, **body)
        assert response.get_status_code() == 200
        record = ResourceRecord.from_dict(response.get_result())
        assert record.type == body["type"] and record.id.startswith(body["type"] + ":")
        records[body["type"]] = record
    assert records["SRV"].name == "_sip._udp.test.example.com"
    assert records["PTR"].name == "5.0.0.10.in-addr.arpa"
    assert records["A"].ttl == 900
    listed = ListResourceRecords.from_dict(
        dns.list_resource_records(instance_id=instance, dnszone_id=zone.id, type="AAAA").get_result()
    )
    assert [r.id for r in listed.resource_records] == [records["AAAA"].id]
    page = dns.list_resource_records(instance_id=instance, dnszone_id=zone.id, offset=5, limit=5).get_result()
    assert (page["count"], page["total_count"], "next" in page) == (2, 7, False)
    got = dns.get_resource_record(instance_id=instance, dnszone_id=zone.id, record_id=records["MX"].id)
    assert got.get_result()["rdata"] == {"exchange": "mail.example.com", "preference": 10}
    replaced = dns.update_resource_record(
        instance_id=instance, dnszone_id=zone.id, record_id=records["TXT"].id, name="info", rdata={"text": "hi"}, ttl=300
    ).get_result()
    assert (replaced["name"], replaced["ttl"], replaced["rdata"]["text"]) == ("info.example.com", 300, "hi")
    with pytest.raises(ApiException) as conflict:
        dns.create_resource_record(
            instance_id=instance, dnszone_id=zone.id, type="CNAME", name="www", rdata={"cname": "web.example.com"}
        )
    assert conflict.value.code == 409 and "(rule R5)" in conflict.value.message
    with pytest.raises(ApiException) as ttl:
        dns.create_resource_record(
            instance_id=instance, dnszone_id=zone.id, type="A", name="x", rdata={"ip": "10.0.0.1"}, ttl=5
        )
    assert ttl.value.code == 400 and "(rule R3)" in ttl.value.message
    exported = dns.export_resource_records(instance_id=instance, dnszone_id=zone.id)
    assert exported.get_status_code() == 200
    text = exported.get_result().text if hasattr(exported.get_result(), "text") else str(exported.get_result())
    assert "www.example.com. 900 IN A 10.0.0.5" in text
    # The exported file imports into another zone of the same name; the SDK sends it as the multipart part `file`.
    copy = dns.create_dnszone(instance_id=instance, name="example.com", label="copy").get_result()
    imported = dns.import_resource_records(
        instance_id=instance, dnszone_id=copy["id"], file=io.BytesIO(text.encode()), file_content_type="text/plain"
    ).get_result()
    report = ImportResourceRecordsResp.from_dict(imported)
    lines = [line for line in text.splitlines() if line and not line.startswith("$")]
    assert (report.total_records_parsed, report.records_added, report.records_failed) == (len(lines), len(lines), 0)
    again = ImportResourceRecordsResp.from_dict(
        dns.import_resource_records(instance_id=instance, dnszone_id=copy["id"], file=io.BytesIO(text.encode())).get_result()
    )
    assert again.records_failed == len(lines) and again.errors[0].error.code == "record_duplicate"
    assert dns.delete_dnszone(instance_id=instance, dnszone_id=copy["id"]).get_status_code() == 204
    deleted = dns.delete_resource_record(instance_id=instance, dnszone_id=zone.id, record_id=records["CNAME"].id)
    assert deleted.get_status_code() == 204

    with pytest.raises(ApiException) as in_use:
        dns.delete_dnszone(instance_id=instance, dnszone_id=zone.id)
    assert in_use.value.code == 409 and "(rule Z4)" in in_use.value.message
    removed = dns.delete_permitted_network(instance_id=instance, dnszone_id=zone.id, permitted_network_id=vpc["id"])
    assert removed.get_status_code() == 202
    assert PermittedNetwork.from_dict(removed.get_result()).state == "REMOVAL_IN_PROGRESS"
    with pytest.raises(ApiException) as gone:
        dns.get_permitted_network(instance_id=instance, dnszone_id=zone.id, permitted_network_id=vpc["id"])
    assert gone.value.code == 404
    assert dns.delete_dnszone(instance_id=instance, dnszone_id=zone.id).get_status_code() == 204


def test_another_accounts_instance_is_not_found(clients):
    _, controller, groups, dns, _ = clients("owner")
    instance = provision(controller, groups, "dns").guid
    zone = dns.create_dnszone(instance_id=instance, name="example.com").get_result()
    _, other_controller, _, other_dns, _ = clients("intruder")
    for call in [
        lambda: other_controller.get_resource_instance(id=instance),
        lambda: other_dns.list_dnszones(instance_id=instance),
        lambda: other_dns.get_dnszone(instance_id=instance, dnszone_id=zone["id"]),
        lambda: other_dns.list_custom_resolvers(instance_id=instance),
        lambda: other_dns.create_resource_record(
            instance_id=instance, dnszone_id=zone["id"], type="A", name="www", rdata={"ip": "10.0.0.1"}
        ),
    ]:
        with pytest.raises(ApiException) as refused:
            call()
        assert refused.value.code == 404
    assert dns.list_dnszones(instance_id=instance).get_result()["total_count"] == 1
