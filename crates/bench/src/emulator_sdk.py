"""The emulator suite's SDK driver: one network build and its reads through an ecosystem's official Python SDKs.

usage: emulator_sdk.py hubspoke|moto BASE_URL API_KEY RECORDS READS ROUND
Prints {"calls": N, "build_seconds": S, "read_seconds": S} as JSON. The build is the raw HTTP client's, call for call:
a VPC, two subnets, an endpoint gateway (an interface VPC endpoint), a private DNS zone for the VPC and RECORDS
records, then READS reads of the VPC by id.
"""

import json
import sys
import time


def hubspoke(base, api_key, records, reads, round_):
    from ibm_cloud_networking_services import DnsSvcsV1
    from ibm_cloud_networking_services.dns_svcs_v1 import PermittedNetworkVpc, ResourceRecordInputRdataRdataARecord
    from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
    from ibm_platform_services import ResourceControllerV2, ResourceManagerV2
    from ibm_vpc import VpcV1

    authenticator = IAMAuthenticator(apikey=api_key, url=base)
    vpc_client = VpcV1(authenticator=authenticator)
    vpc_client.set_service_url(base + "/v1")
    controller = ResourceControllerV2(authenticator=authenticator)
    controller.set_service_url(base)
    groups = ResourceManagerV2(authenticator=authenticator)
    groups.set_service_url(base)
    dns = DnsSvcsV1(authenticator=authenticator)
    dns.set_service_url(base + "/v1")
    # The token exchange and the default group's lookup happen before the clock starts, as a suite's fixture does.
    [group] = groups.list_resource_groups(default=True).get_result()["resources"]

    started = time.perf_counter()
    vpc = vpc_client.create_vpc(name=f"sdk-{round_}").get_result()
    subnets = []
    for index, zone in enumerate(["us-south-1", "us-south-2"]):
        subnets.append(vpc_client.create_subnet({
            "name": f"sdk-{round_}-{index}", "vpc": {"id": vpc["id"]}, "zone": {"name": zone},
            "total_ipv4_address_count": 256,
        }).get_result())
    vpc_client.create_endpoint_gateway(
        target={"crn": "crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:"
                       "s3.direct.us-south.cloud-object-storage.appdomain.cloud",
                "resource_type": "provider_cloud_service"},
        vpc={"id": vpc["id"]}, name=f"sdk-{round_}-cos", ips=[{"subnet": {"id": subnets[0]["id"]}}],
    )
    instance = controller.create_resource_instance(
        name=f"sdk-{round_}-dns", target="global", resource_group=group["id"], resource_plan_id="standard-dns",
    ).get_result()
    zone = dns.create_dnszone(instance["guid"], name=f"sdk{round_}.example.com").get_result()
    dns.create_permitted_network(
        instance["guid"], zone["id"], type="vpc", permitted_network=PermittedNetworkVpc(vpc_crn=vpc["crn"]),
    )
    for index in range(records):
        dns.create_resource_record(
            instance["guid"], zone["id"], type="A", name=f"host{index}", ttl=900,
            rdata=ResourceRecordInputRdataRdataARecord(ip=f"10.240.{index // 250}.{index % 250 + 4}"),
        )
    built = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(reads):
        assert vpc_client.get_vpc(vpc["id"]).get_result()["id"] == vpc["id"]
    return 8 + records, built, time.perf_counter() - started


def moto(base, _api_key, records, reads, round_):
    import boto3

    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    ec2 = session.client("ec2", endpoint_url=base)
    route53 = session.client("route53", endpoint_url=base)

    started = time.perf_counter()
    vpc = ec2.create_vpc(CidrBlock="10.240.0.0/16")["Vpc"]
    subnets = [
        ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=f"10.240.{index}.0/24", AvailabilityZone=zone)["Subnet"]
        for index, zone in enumerate(["us-east-1a", "us-east-1b"])
    ]
    ec2.create_vpc_endpoint(
        VpcId=vpc["VpcId"], ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Interface",
        SubnetIds=[subnets[0]["SubnetId"]],
    )
    zone = route53.create_hosted_zone(
        Name=f"sdk{round_}.example.com", CallerReference=f"sdk-{round_}",
        VPC={"VPCRegion": "us-east-1", "VPCId": vpc["VpcId"]}, HostedZoneConfig={"PrivateZone": True},
    )["HostedZone"]
    for index in range(records):
        route53.change_resource_record_sets(HostedZoneId=zone["Id"], ChangeBatch={"Changes": [{
            "Action": "CREATE",
            "ResourceRecordSet": {
                "Name": f"host{index}.sdk{round_}.example.com", "Type": "A", "TTL": 900,
                "ResourceRecords": [{"Value": f"10.240.{index // 250}.{index % 250 + 4}"}],
            },
        }]})
    built = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(reads):
        assert ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]["VpcId"] == vpc["VpcId"]
    return 6 + records, built, time.perf_counter() - started


if __name__ == "__main__":
    emulator, base, api_key, records, reads, round_ = sys.argv[1:7]
    calls, built, read = {"hubspoke": hubspoke, "moto": moto}[emulator](base, api_key, int(records), int(reads), round_)
    print(json.dumps({"calls": calls, "build_seconds": built, "read_seconds": read}))
