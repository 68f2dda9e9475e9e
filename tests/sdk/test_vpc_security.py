"""Conformance of VpcV1 (ibm-vpc) against hubspoke for security groups, network ACLs and routing tables: every VPC's
defaults, groups and ACLs created with the SDK's own prototype models, and every response parsed with the SDK's model
classes, whose `from_dict` raises when a required property is missing.
"""

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_vpc.vpc_v1 import (
    NetworkACL,
    NetworkACLCollection,
    NetworkACLRule,
    NetworkACLRuleBeforePrototypeNetworkACLRuleIdentityById,
    NetworkACLRulePrototypeNetworkACLContextNetworkACLRuleProtocolICMPTCPUDPPrototype,
    NetworkACLRulePrototypeNetworkACLRuleProtocolAnyPrototype,
    NetworkACLRulePrototypeNetworkACLRuleProtocolTCPUDPPrototype,
    NetworkACLPrototypeNetworkACLByRules,
    RoutingTable,
    RoutingTableCollection,
    SecurityGroup,
    SecurityGroupCollection,
    SecurityGroupRule,
    SecurityGroupRulePrototypeSecurityGroupRuleProtocolICMPTCPUDPPrototype,
    SecurityGroupRulePrototypeSecurityGroupRuleProtocolTCPUDP,
    SecurityGroupRuleRemotePrototypeSecurityGroupIdentitySecurityGroupIdentityById,
    SecurityGroupRuleRemotePrototypeSecurityGroupRuleCIDRPrototype,
    SecurityGroupsPager,
    VPCIdentityById,
)

from test_vpc_dns_sharing import conforming, create_vpc


def test_security_groups_network_acls_and_routing_tables(new_account, vpc_client):
    account = new_account("security")
    vpc_service = vpc_client(account["apikey"])
    vpc = create_vpc(vpc_service, "guarded")
    identity = VPCIdentityById(id=vpc["id"])

    # The default security group is listed for the VPC, as every Terraform refresh of a VPC asks.
    listed = vpc_service.list_security_groups(vpc_id=vpc["id"]).get_result()
    conforming(SecurityGroupCollection, listed)
    assert [group["id"] for group in listed["security_groups"]] == [vpc["default_security_group"]["id"]]
    default = conforming(SecurityGroup, listed["security_groups"][0])
    assert {rule["direction"] for rule in default["rules"]} == {"inbound", "outbound"}

    web = vpc_service.create_security_group(
        identity,
        name="web",
        rules=[
            SecurityGroupRulePrototypeSecurityGroupRuleProtocolTCPUDP(
                direction="inbound",
                protocol="tcp",
                port_min=443,
                port_max=443,
                remote=SecurityGroupRuleRemotePrototypeSecurityGroupRuleCIDRPrototype(cidr_block="10.0.0.0/8"),
            )
        ],
    )
    assert web.get_status_code() == 201
    web = conforming(SecurityGroup, web.get_result())
    assert web["rules"][0]["port_min"] == 443
    rule = vpc_service.create_security_group_rule(
        web["id"],
        SecurityGroupRulePrototypeSecurityGroupRuleProtocolICMPTCPUDPPrototype(
            direction="inbound",
            protocol="icmp_tcp_udp",
            remote=SecurityGroupRuleRemotePrototypeSecurityGroupIdentitySecurityGroupIdentityById(id=default["id"]),
        ),
    )
    assert rule.get_status_code() == 201
    rule = conforming(SecurityGroupRule, rule.get_result())
    assert rule["remote"]["id"] == default["id"]

    # The SDK's pager walks every page.
    groups = SecurityGroupsPager(client=vpc_service, limit=1, vpc_id=vpc["id"]).get_all()
    assert sorted(group["id"] for group in groups) == sorted([default["id"], web["id"]])

    with pytest.raises(ApiException) as refused:
        vpc_service.delete_security_group(default["id"])
    assert refused.value.status_code == 409

    # Network ACLs: the default one, and a new one whose rules are placed with `before`.
    acls = conforming(NetworkACLCollection, vpc_service.list_network_acls().get_result())
    assert vpc["default_network_acl"]["id"] in [acl["id"] for acl in acls["network_acls"]]
    acl = vpc_service.create_network_acl(
        network_acl_prototype=NetworkACLPrototypeNetworkACLByRules(
            vpc=identity,
            name="strict",
            rules=[
                NetworkACLRulePrototypeNetworkACLContextNetworkACLRuleProtocolICMPTCPUDPPrototype(
                    action="allow", direction="outbound", source="10.0.0.0/8", destination="0.0.0.0/0",
                    protocol="icmp_tcp_udp", name="out"
                )
            ],
        )
    )
    assert acl.get_status_code() == 201
    acl = conforming(NetworkACL, acl.get_result())
    deny = vpc_service.create_network_acl_rule(
        acl["id"],
        NetworkACLRulePrototypeNetworkACLRuleProtocolAnyPrototype(
            action="deny", direction="inbound", source="0.0.0.0/0", destination="0.0.0.0/0", protocol="any",
            name="deny-rest"
        ),
    )
    deny = conforming(NetworkACLRule, deny.get_result())
    ssh = vpc_service.create_network_acl_rule(
        acl["id"],
        NetworkACLRulePrototypeNetworkACLRuleProtocolTCPUDPPrototype(
            action="allow", direction="inbound", source="10.0.0.0/8", destination="0.0.0.0/0", protocol="tcp",
            destination_port_min=22, destination_port_max=22, name="ssh",
            before=NetworkACLRuleBeforePrototypeNetworkACLRuleIdentityById(id=deny["id"]),
        ),
    )
    ssh = conforming(NetworkACLRule, ssh.get_result())
    assert ssh["before"]["id"] == deny["id"]
    acl = conforming(NetworkACL, vpc_service.get_network_acl(acl["id"]).get_result())
    assert [rule["name"] for rule in acl["rules"]] == ["out", "ssh", "deny-rest"]

    # Routing tables: the VPC's default, read-only.
    tables = conforming(RoutingTableCollection, vpc_service.list_vpc_routing_tables(vpc["id"]).get_result())
    assert [table["id"] for table in tables["routing_tables"]] == [vpc["default_routing_table"]["id"]]
    table = conforming(RoutingTable, vpc_service.get_vpc_routing_table(vpc["id"], tables["routing_tables"][0]["id"]).get_result())
    assert table["is_default"] is True
