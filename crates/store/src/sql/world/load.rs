//! Loading the whole VPC world from its rows, in one snapshot.

use hubspoke_vpc::model::FloatingIp;

use super::*;

/// Every entity, and the revision of the last VPC-domain write.
pub(in crate::sql) async fn load(connection: &mut AnyConnection) -> StoreResult<(Vec<Entity>, Revision)> {
    let revision: i64 =
        sqlx::query_scalar("SELECT revision FROM world_state WHERE slot = 1").fetch_one(&mut *connection).await?;
    let mut entities = Vec::new();

    for row in sqlx::query("SELECT * FROM resource_groups").fetch_all(&mut *connection).await? {
        entities.push(Entity::ResourceGroup(ResourceGroup {
            id: row.get("id"),
            account: account(&row, "account")?,
            name: row.get("name"),
            default: row.get::<i64, _>("is_default") == 1,
            created_at: Timestamp(row.get("created_at")),
            updated_at: Timestamp(row.get("updated_at")),
        }));
    }

    let mut manual: HashMap<String, Vec<DnsServer>> = HashMap::new();
    for row in sqlx::query("SELECT vpc_id, address, zone FROM vpc_manual_servers ORDER BY vpc_id, position")
        .fetch_all(&mut *connection)
        .await?
    {
        let server = DnsServer { address: address(row.get("address"))?, zone_affinity: row.get("zone") };
        manual.entry(row.get("vpc_id")).or_default().push(server);
    }
    for row in sqlx::query("SELECT * FROM vpcs").fetch_all(&mut *connection).await? {
        let id: String = row.get("id");
        let resolver = match row.get::<&str, _>("resolver_type") {
            "system" => ResolverSetting::System,
            "manual" => ResolverSetting::Manual(manual.remove(&id).unwrap_or_default()),
            _ => ResolverSetting::Delegated {
                vpc: row.get::<Option<String>, _>("resolver_vpc").ok_or_else(|| corrupt("delegated VPC of", &id))?,
            },
        };
        let owner = account(&row, "account")?;
        entities.push(Entity::Vpc(Vpc {
            resource_group: resource_group(&row, &owner),
            account: owner,
            name: row.get("name"),
            created_at: Timestamp(row.get("created_at")),
            classic_access: row.get::<i64, _>("classic_access") == 1,
            address_prefix_management: if row.get::<&str, _>("address_prefix_management") == "manual" {
                PrefixManagement::Manual
            } else {
                PrefixManagement::Auto
            },
            enable_hub: row.get::<i64, _>("enable_hub") == 1,
            resolver,
            dns_endpoint: address(row.get("dns_endpoint"))?,
            version: row.get::<i64, _>("version") as u32,
            id,
        }));
    }
    for row in sqlx::query("SELECT * FROM address_prefixes").fetch_all(&mut *connection).await? {
        let cidr: String = row.get("cidr");
        entities.push(Entity::AddressPrefix(AddressPrefix {
            id: row.get("id"),
            account: account(&row, "account")?,
            vpc: row.get("vpc_id"),
            zone: row.get("zone"),
            cidr: cidr.parse().map_err(|_| corrupt("CIDR", &cidr))?,
            name: row.get("name"),
            is_default: row.get::<i64, _>("is_default") == 1,
            created_at: Timestamp(row.get("created_at")),
        }));
    }
    for row in sqlx::query("SELECT * FROM subnets").fetch_all(&mut *connection).await? {
        let cidr: String = row.get("cidr");
        let owner = account(&row, "account")?;
        entities.push(Entity::Subnet(Subnet {
            id: row.get("id"),
            resource_group: resource_group(&row, &owner),
            account: owner,
            vpc: row.get("vpc_id"),
            zone: row.get("zone"),
            cidr: cidr.parse().map_err(|_| corrupt("CIDR", &cidr))?,
            name: row.get("name"),
            created_at: Timestamp(row.get("created_at")),
            network_acl: row
                .get::<Option<String>, _>("network_acl_id")
                .unwrap_or_else(|| default_network_acl_id(row.get("vpc_id"))),
            public_gateway: row.get("public_gateway_id"),
        }));
    }
    for row in sqlx::query("SELECT * FROM reserved_ips").fetch_all(&mut *connection).await? {
        let target =
            match (row.get::<Option<String>, _>("target_kind").as_deref(), row.get::<Option<String>, _>("target_id")) {
                (Some("endpoint_gateway"), Some(id)) => Some(IpTarget::EndpointGateway(id)),
                (Some("resolver_location"), Some(resolver)) => Some(IpTarget::ResolverLocation {
                    resolver,
                    location: row.get::<Option<String>, _>("target_location").unwrap_or_default(),
                }),
                _ => None,
            };
        entities.push(Entity::ReservedIp(ReservedIp {
            id: row.get("id"),
            subnet: row.get("subnet_id"),
            address: address(row.get("address"))?,
            name: row.get("name"),
            auto_delete: row.get::<i64, _>("auto_delete") == 1,
            owner: if row.get::<&str, _>("owner") == "provider" { IpOwner::Provider } else { IpOwner::User },
            target,
            created_at: Timestamp(row.get("created_at")),
        }));
    }
    let mut endpoints: HashMap<String, Vec<String>> = HashMap::new();
    for row in
        sqlx::query("SELECT gateway_id, fqdn FROM endpoint_gateway_service_endpoints ORDER BY gateway_id, position")
            .fetch_all(&mut *connection)
            .await?
    {
        endpoints.entry(row.get("gateway_id")).or_default().push(row.get("fqdn"));
    }
    let mut gateway_groups: HashMap<String, Vec<String>> = HashMap::new();
    for row in
        sqlx::query("SELECT gateway_id, group_id FROM endpoint_gateway_security_groups ORDER BY gateway_id, position")
            .fetch_all(&mut *connection)
            .await?
    {
        gateway_groups.entry(row.get("gateway_id")).or_default().push(row.get("group_id"));
    }
    for row in sqlx::query("SELECT * FROM endpoint_gateways").fetch_all(&mut *connection).await? {
        let id: String = row.get("id");
        let value: String = row.get("target_value");
        let target = match row.get::<&str, _>("target_type") {
            "provider_cloud_service" => GatewayTarget::ProviderCloudService { crn: value },
            _ => GatewayTarget::ProviderInfrastructureService { name: value },
        };
        let mode: String = row.get("mode");
        let owner = account(&row, "account")?;
        entities.push(Entity::Gateway(EndpointGateway {
            resource_group: resource_group(&row, &owner),
            account: owner,
            vpc: row.get("vpc_id"),
            name: row.get("name"),
            target,
            service_endpoints: endpoints.remove(&id).unwrap_or_default(),
            mode: BindingMode::parse(&mode).ok_or_else(|| corrupt("binding mode", &mode))?,
            created_at: Timestamp(row.get("created_at")),
            settling: settling(&row)?,
            security_groups: gateway_groups.remove(&id).unwrap_or_default(),
            id,
        }));
    }
    for row in sqlx::query("SELECT * FROM endpoint_gateway_resource_bindings").fetch_all(&mut *connection).await? {
        entities.push(Entity::ResourceBinding(ResourceBinding {
            id: row.get("id"),
            account: account(&row, "account")?,
            gateway: row.get("gateway_id"),
            name: row.get("name"),
            target_crn: row.get("target_crn"),
            service_endpoint: row.get("service_endpoint"),
            created_at: Timestamp(row.get("created_at")),
            settling: settling(&row)?,
        }));
    }
    for row in sqlx::query("SELECT * FROM dns_resolution_bindings").fetch_all(&mut *connection).await? {
        entities.push(Entity::Binding(Binding {
            id: row.get("id"),
            spoke: row.get("spoke_vpc"),
            spoke_account: account(&row, "spoke_account")?,
            hub: row.get("hub_vpc"),
            hub_account: account(&row, "hub_account")?,
            spoke_name: row.get("spoke_name"),
            hub_name: row.get("hub_name"),
            created_at: Timestamp(row.get("created_at")),
            settling: settling(&row)?,
            spoke_attached: row.get::<i64, _>("spoke_attached") == 1,
        }));
    }
    let mut locations: HashMap<String, Vec<ResolverLocation>> = HashMap::new();
    for row in sqlx::query("SELECT * FROM custom_resolver_locations ORDER BY resolver_id, position")
        .fetch_all(&mut *connection)
        .await?
    {
        locations.entry(row.get("resolver_id")).or_default().push(ResolverLocation {
            id: row.get("id"),
            subnet: row.get("subnet_id"),
            enabled: row.get::<i64, _>("enabled") == 1,
            reserved_ip: row.get("reserved_ip_id"),
        });
    }
    for row in sqlx::query("SELECT * FROM custom_resolvers").fetch_all(&mut *connection).await? {
        let id: String = row.get("id");
        entities.push(Entity::Resolver(CustomResolver {
            account: account(&row, "account")?,
            instance: row.get("instance_id"),
            name: row.get("name"),
            description: row.get("description"),
            enabled: row.get::<i64, _>("enabled") == 1,
            locations: locations.remove(&id).unwrap_or_default(),
            profile: ResolverProfile::parse(row.get("profile"))
                .ok_or_else(|| corrupt("custom resolver profile", row.get("profile")))?,
            allow_disruptive_updates: row.get::<i64, _>("allow_disruptive_updates") == 1,
            settling: match row.get::<Option<String>, _>("phase") {
                Some(_) => Some(settling(&row)?),
                None => None,
            },
            created_at: Timestamp(row.get("created_at")),
            modified_at: Timestamp(row.get("modified_at")),
            id,
        }));
    }
    for row in sqlx::query("SELECT * FROM public_gateways").fetch_all(&mut *connection).await? {
        let owner = account(&row, "account")?;
        entities.push(Entity::PublicGateway(PublicGateway {
            id: row.get("id"),
            resource_group: resource_group(&row, &owner),
            account: owner,
            vpc: row.get("vpc_id"),
            zone: row.get("zone"),
            name: row.get("name"),
            created_at: Timestamp(row.get("created_at")),
            available_at: Timestamp(row.get("available_at")),
            floating_ip: FloatingIp {
                id: row.get("floating_ip_id"),
                address: address(row.get("floating_ip_address"))?,
                name: row.get("floating_ip_name"),
            },
        }));
    }
    load_security(connection, &mut entities).await?;
    load_transit(connection, &mut entities).await?;
    load_dns(connection, &mut entities).await?;
    load_forwarding(connection, &mut entities).await?;
    Ok((entities, revision as Revision))
}
