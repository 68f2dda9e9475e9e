//! `hubspoke topology destroy FILE`: removes what a topology file declares, in the order IBM's rules require.
//!
//! A spoke first sets its resolver back to `system` (a delegated spoke cannot drop its binding), then bindings go (from
//! the spoke, and from the hub when the spoke could not disconnect it), then the authorizations, the endpoint
//! gateways, the hub's DNS zones (records, then the hub VPC's permission, then the zone), the hub's custom resolver (a hub keeps one while it has bindings), subnets, network ACLs (an attached ACL
//! cannot be deleted) and last the VPCs. Each step first checks whether what it removes is still there, so a second
//! `destroy` does nothing, and a step that waits for a deletion waits only a bounded time.

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use reqwest::Method;
use serde_json::{Value, json};

use super::{
    Clients, File, RecordSpec, Spec, SpokeSpec, ZoneSpec, acl_of, open, permits, policy_of, records_like,
    resolver_named, subnet_of, vpc_named, zone_named,
};
use crate::Connection;
use crate::client::{ApiFailure, Client};
use crate::commands::is::{cell, confirm, find};
use crate::output::Printer;

/// How long a removal waits for what it deleted to be gone before the next step needs it gone.
const GONE_WITHIN: Duration = Duration::from_secs(60);

/// `topology destroy FILE [-f]`.
#[derive(Clone, Debug, Args)]
pub struct Destroy {
    #[command(flatten)]
    file: File,
    /// Destroy without asking.
    #[arg(short, long)]
    force: bool,
}

/// One removal.
#[derive(Clone, Debug)]
enum Removal {
    Undelegate { account: String, vpc: String },
    Binding { spoke: SpokeSpec, hub_account: String, hub_vpc: String },
    Policy { spoke: SpokeSpec, hub_account: String, hub_vpc: String },
    Gateway { account: String, vpc: String, name: String },
    Record { account: String, instance: String, zone: ZoneSpec, spec: RecordSpec },
    ZonePermit { account: String, instance: String, vpc: String, zone: ZoneSpec },
    Zone { account: String, instance: String, zone: ZoneSpec },
    Resolver { account: String, instance: String, name: String },
    Subnet { account: String, vpc: String, name: String },
    Acl { account: String, vpc: String, name: String },
    PublicGateway { account: String, name: String },
    Vpc { account: String, name: String },
}

impl Removal {
    fn describe(&self) -> String {
        match self {
            Removal::Undelegate { vpc, .. } => format!("set the resolver of `{vpc}` back to system"),
            Removal::Binding { spoke, hub_vpc, .. } => {
                format!("delete the binding of `{}` to hub `{hub_vpc}`", spoke.vpc)
            }
            Removal::Policy { spoke, hub_vpc, .. } => {
                format!("delete the authorization of `{}` on hub `{hub_vpc}`", spoke.vpc)
            }
            Removal::Gateway { vpc, name, .. } => format!("delete endpoint gateway `{name}` in `{vpc}`"),
            Removal::Record { zone, spec, .. } => format!(
                "delete {} record `{}` {} in DNS zone `{}`",
                spec.kind(),
                spec.stored_name(&zone.stored_name()),
                spec.data_text(),
                zone.stored_name()
            ),
            Removal::ZonePermit { vpc, zone, .. } => {
                format!("remove hub VPC `{vpc}` from the permitted networks of DNS zone `{}`", zone.stored_name())
            }
            Removal::Zone { instance, zone, .. } => {
                format!("delete DNS zone `{}` (instance `{instance}`)", zone.stored_name())
            }
            Removal::Resolver { instance, name, .. } => {
                format!("disable and delete custom resolver `{name}` (instance `{instance}`)")
            }
            Removal::Subnet { vpc, name, .. } => format!("delete subnet `{name}` in `{vpc}`"),
            Removal::Acl { vpc, name, .. } => format!("delete network ACL `{name}` in `{vpc}`"),
            Removal::PublicGateway { name, .. } => format!("delete public gateway `{name}`"),
            Removal::Vpc { account, name } => format!("delete VPC `{name}` in account `{account}`"),
        }
    }
}

/// Every removal the file implies, in order.
fn removals(spec: &Spec) -> Vec<Removal> {
    let hub = &spec.hub;
    let mut removals = Vec::new();
    for spoke in &spec.spokes {
        if spoke.delegate {
            removals.push(Removal::Undelegate { account: spoke.account.clone(), vpc: spoke.vpc.clone() });
        }
    }
    for spoke in &spec.spokes {
        let (hub_account, hub_vpc) = (hub.account.clone(), hub.vpc.clone());
        removals.push(Removal::Binding {
            spoke: spoke.clone(),
            hub_account: hub_account.clone(),
            hub_vpc: hub_vpc.clone(),
        });
        if spoke.authorize != "none" {
            removals.push(Removal::Policy { spoke: spoke.clone(), hub_account, hub_vpc });
        }
    }
    let vpcs = spec
        .spokes
        .iter()
        .map(|spoke| (&spoke.account, &spoke.vpc, spoke.subnet.as_ref(), &spoke.gateways, spoke.network_acl.as_ref()))
        .chain([(&hub.account, &hub.vpc, Some(&hub.subnet), &hub.gateways, hub.network_acl.as_ref())])
        .collect::<Vec<_>>();
    let public_gateways = spec
        .spokes
        .iter()
        .map(|spoke| (&spoke.account, spoke.public_gateway.as_ref()))
        .chain([(&hub.account, hub.public_gateway.as_ref())])
        .filter_map(|(account, gateway)| gateway.map(|gateway| (account, gateway)));
    for (account, vpc, _, gateways, _) in &vpcs {
        removals.extend(gateways.iter().map(|gateway| Removal::Gateway {
            account: account.to_string(),
            vpc: vpc.to_string(),
            name: gateway.name.clone(),
        }));
    }
    let instance = &hub.custom_resolver.instance;
    for zone in &hub.dns_zones {
        removals.extend(zone.records.iter().map(|spec| Removal::Record {
            account: hub.account.clone(),
            instance: instance.clone(),
            zone: zone.clone(),
            spec: spec.clone(),
        }));
        removals.push(Removal::ZonePermit {
            account: hub.account.clone(),
            instance: instance.clone(),
            vpc: hub.vpc.clone(),
            zone: zone.clone(),
        });
        removals.push(Removal::Zone { account: hub.account.clone(), instance: instance.clone(), zone: zone.clone() });
    }
    removals.push(Removal::Resolver {
        account: hub.account.clone(),
        instance: hub.custom_resolver.instance.clone(),
        name: hub.custom_resolver.name.clone(),
    });
    for (account, vpc, subnet, _, _) in &vpcs {
        removals.extend(subnet.map(|subnet| Removal::Subnet {
            account: account.to_string(),
            vpc: vpc.to_string(),
            name: subnet.clone(),
        }));
    }
    // A public gateway goes once no subnet uses it, before its VPC.
    removals.extend(
        public_gateways
            .map(|(account, name)| Removal::PublicGateway { account: account.to_string(), name: name.clone() }),
    );
    for (account, vpc, _, _, acl) in &vpcs {
        removals.extend(acl.map(|acl| Removal::Acl {
            account: account.to_string(),
            vpc: vpc.to_string(),
            name: acl.name.clone(),
        }));
    }
    for (account, vpc, ..) in &vpcs {
        removals.push(Removal::Vpc { account: account.to_string(), name: vpc.to_string() });
    }
    removals
}

impl Destroy {
    pub(super) async fn run(self, connection: &Connection, printer: &Printer) -> anyhow::Result<()> {
        let (spec, clients) = open(&self.file, connection).await?;
        let removals = removals(&spec);
        let mut pending = Vec::new();
        for removal in &removals {
            if present(&clients, removal).await? {
                pending.push(removal.clone());
            }
        }
        printer.progress(&format!(
            "Destroying {} ({} of {} steps to do):",
            self.file.file.display(),
            pending.len(),
            removals.len()
        ));
        for removal in &removals {
            let todo = pending.iter().any(|p| p.describe() == removal.describe());
            printer.progress(&format!("  {} {}", if todo { "-" } else { "=" }, removal.describe()));
        }
        if pending.is_empty() {
            printer.ok();
            printer.progress("Nothing to do: nothing the topology declares is left.");
            return Ok(());
        }
        confirm(&format!("the {} resources above", pending.len()), self.force)?;
        for removal in &pending {
            printer.progress(&format!("Destroying: {}...", removal.describe()));
            remove(&clients, removal).await.with_context(|| format!("while trying to {}", removal.describe()))?;
        }
        printer.ok();
        printer.progress("The topology is destroyed.");
        Ok(())
    }
}

/// The spoke's bindings to the hub as each side lists them: (spoke VPC, hub VPC, spoke-side ids, hub-side ids).
async fn bindings_between(
    clients: &Clients,
    spoke: &SpokeSpec,
    hub_account: &str,
    hub_vpc: &str,
) -> anyhow::Result<Option<(Value, Value, Vec<String>, Vec<String>)>> {
    let spoke_client = &clients.get(&spoke.account)?.0;
    let hub_client = &clients.get(hub_account)?.0;
    let (Some(spoke_vpc), Some(hub)) =
        (vpc_named(spoke_client, &spoke.vpc).await, vpc_named(hub_client, hub_vpc).await)
    else {
        return Ok(None);
    };
    let spoke_side = bindings_to(spoke_client, &spoke_vpc, &hub).await?;
    let hub_side = bindings_to(hub_client, &hub, &spoke_vpc).await?;
    Ok(Some((spoke_vpc, hub, spoke_side, hub_side)))
}

/// The ids of the bindings `vpc` lists to `other`.
async fn bindings_to(client: &Client, vpc: &Value, other: &Value) -> Result<Vec<String>, ApiFailure> {
    let body = client.vpc(Method::GET, &format!("/v1/vpcs/{}/dns_resolution_bindings", cell(&vpc["id"])), None).await?;
    Ok(body["dns_resolution_bindings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|binding| binding["vpc"]["id"] == other["id"])
        .map(|binding| cell(&binding["id"]))
        .collect())
}

/// Whether what a removal removes is still there.
async fn present(clients: &Clients, removal: &Removal) -> anyhow::Result<bool> {
    Ok(match removal {
        Removal::Undelegate { account, vpc } => vpc_named(&clients.get(account)?.0, vpc)
            .await
            .is_some_and(|vpc| vpc["dns"]["resolver"]["type"] == "delegated"),
        Removal::Binding { spoke, hub_account, hub_vpc } => bindings_between(clients, spoke, hub_account, hub_vpc)
            .await?
            .is_some_and(|(_, _, spoke_side, hub_side)| !spoke_side.is_empty() || !hub_side.is_empty()),
        Removal::Policy { spoke, hub_account, hub_vpc } => {
            let spoke_vpc = vpc_named(&clients.get(&spoke.account)?.0, &spoke.vpc).await;
            match (spoke_vpc, vpc_named(&clients.get(hub_account)?.0, hub_vpc).await) {
                (Some(spoke_vpc), Some(hub)) => {
                    policy_of(clients, spoke, &spoke_vpc, hub_account, &hub).await?.is_some()
                }
                _ => false,
            }
        }
        Removal::Gateway { account, vpc, name } => gateway_of(&clients.get(account)?.0, vpc, name).await.is_some(),
        Removal::Record { account, instance, zone, spec } => {
            let client = &clients.get(account)?.0;
            match zone_named(client, instance, zone).await? {
                Some((path, _)) => records_like(client, &path, &zone.stored_name(), spec)
                    .await?
                    .iter()
                    .any(|record| spec.same_data(record)),
                None => false,
            }
        }
        Removal::ZonePermit { account, instance, vpc, zone } => {
            let client = &clients.get(account)?.0;
            match (zone_named(client, instance, zone).await?, vpc_named(client, vpc).await) {
                (Some((path, _)), Some(vpc)) => permits(client, &path, &vpc).await?,
                _ => false,
            }
        }
        Removal::Zone { account, instance, zone } => {
            zone_named(&clients.get(account)?.0, instance, zone).await?.is_some()
        }
        Removal::Resolver { account, instance, name } => {
            resolver_named(&clients.get(account)?.0, instance, name).await?.is_some()
        }
        Removal::Subnet { account, vpc, name } => {
            let client = &clients.get(account)?.0;
            match vpc_named(client, vpc).await {
                Some(vpc) => subnet_of(client, &vpc, name).await.is_some(),
                None => false,
            }
        }
        Removal::Acl { account, vpc, name } => {
            let client = &clients.get(account)?.0;
            match vpc_named(client, vpc).await {
                Some(vpc) => acl_of(client, &vpc, name).await.is_some(),
                None => false,
            }
        }
        Removal::PublicGateway { account, name } => {
            find(&clients.get(account)?.0, "/v1/public_gateways", "public_gateways", name).await.is_ok()
        }
        Removal::Vpc { account, name } => vpc_named(&clients.get(account)?.0, name).await.is_some(),
    })
}

async fn gateway_of(client: &Client, vpc: &str, name: &str) -> Option<Value> {
    let vpc = vpc_named(client, vpc).await?;
    find(client, &format!("/v1/endpoint_gateways?vpc.id={}", cell(&vpc["id"])), "endpoint_gateways", name).await.ok()
}

/// Deletes a VPC API resource and waits until reading it answers 404 (IBM deletes some resources asynchronously,
/// and the next step may need it gone).
async fn delete_and_wait(client: &Client, path: &str) -> anyhow::Result<()> {
    client.vpc(Method::DELETE, path, None).await?;
    let deadline = Instant::now() + GONE_WITHIN;
    loop {
        match client.vpc(Method::GET, path, None).await {
            Err(ApiFailure::Refused { status: 404, .. }) => return Ok(()),
            Err(failure) => return Err(failure.into()),
            Ok(_) if Instant::now() >= deadline => {
                anyhow::bail!("`{path}` was still there {} s after it was deleted", GONE_WITHIN.as_secs())
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

async fn remove(clients: &Clients, removal: &Removal) -> anyhow::Result<()> {
    match removal {
        Removal::Undelegate { account, vpc } => {
            let client = &clients.get(account)?.0;
            let vpc = find(client, "/v1/vpcs", "vpcs", vpc).await?;
            let body = json!({ "dns": { "resolver": { "type": "system" } } });
            client.vpc(Method::PATCH, &format!("/v1/vpcs/{}", cell(&vpc["id"])), Some(&body)).await?;
        }
        Removal::Binding { spoke, hub_account, hub_vpc } => {
            let Some((spoke_vpc, hub, spoke_side, _)) = bindings_between(clients, spoke, hub_account, hub_vpc).await?
            else {
                return Ok(());
            };
            let spoke_client = &clients.get(&spoke.account)?.0;
            for id in spoke_side {
                let path = format!("/v1/vpcs/{}/dns_resolution_bindings/{id}", cell(&spoke_vpc["id"]));
                delete_and_wait(spoke_client, &path).await?;
            }
            // Without permission to disconnect the hub, the spoke's delete leaves the hub's side (`faulted`); the
            // hub's administrator removes it.
            let hub_client = &clients.get(hub_account)?.0;
            if let Some((_, _, _, hub_side)) = bindings_between(clients, spoke, hub_account, hub_vpc).await? {
                for id in hub_side {
                    let path = format!("/v1/vpcs/{}/dns_resolution_bindings/{id}", cell(&hub["id"]));
                    delete_and_wait(hub_client, &path).await?;
                }
            }
        }
        Removal::Policy { spoke, hub_account, hub_vpc } => {
            let spoke_vpc = find(&clients.get(&spoke.account)?.0, "/v1/vpcs", "vpcs", &spoke.vpc).await?;
            let hub_client = &clients.get(hub_account)?.0;
            let hub = find(hub_client, "/v1/vpcs", "vpcs", hub_vpc).await?;
            if let Some(policy) = policy_of(clients, spoke, &spoke_vpc, hub_account, &hub).await? {
                hub_client.call(Method::DELETE, &format!("/v1/policies/{}", cell(&policy["id"])), None).await?;
            }
        }
        Removal::Gateway { account, vpc, name } => {
            let client = &clients.get(account)?.0;
            if let Some(gateway) = gateway_of(client, vpc, name).await {
                delete_and_wait(client, &format!("/v1/endpoint_gateways/{}", cell(&gateway["id"]))).await?;
            }
        }
        Removal::Record { account, instance, zone, spec } => {
            let client = &clients.get(account)?.0;
            if let Some((path, _)) = zone_named(client, instance, zone).await? {
                for record in records_like(client, &path, &zone.stored_name(), spec).await? {
                    if spec.same_data(&record) {
                        let record = format!("{path}/resource_records/{}", cell(&record["id"]));
                        client.call(Method::DELETE, &record, None).await?;
                    }
                }
            }
        }
        Removal::ZonePermit { account, instance, vpc, zone } => {
            let client = &clients.get(account)?.0;
            if let (Some((path, _)), Some(vpc)) =
                (zone_named(client, instance, zone).await?, vpc_named(client, vpc).await)
                && permits(client, &path, &vpc).await?
            {
                let network = format!("{path}/permitted_networks/{}", cell(&vpc["id"]));
                client.call(Method::DELETE, &network, None).await?;
            }
        }
        Removal::Zone { account, instance, zone } => {
            let client = &clients.get(account)?.0;
            if let Some((path, _)) = zone_named(client, instance, zone).await? {
                client.call(Method::DELETE, &path, None).await?;
            }
        }
        Removal::Resolver { account, instance, name } => {
            let client = &clients.get(account)?.0;
            if let Some(resolver) = resolver_named(client, instance, name).await? {
                let guid = super::super::dns::instance_guid(client, instance).await?;
                let path = format!("/v1/instances/{guid}/custom_resolvers/{}", cell(&resolver["id"]));
                if resolver["enabled"] == true {
                    client.call(Method::PATCH, &path, Some(&json!({ "enabled": false }))).await?;
                }
                client.call(Method::DELETE, &path, None).await?;
            }
        }
        Removal::Subnet { account, vpc, name } => {
            let client = &clients.get(account)?.0;
            let vpc = find(client, "/v1/vpcs", "vpcs", vpc).await?;
            if let Some(subnet) = subnet_of(client, &vpc, name).await {
                delete_and_wait(client, &format!("/v1/subnets/{}", cell(&subnet["id"]))).await?;
            }
        }
        Removal::Acl { account, vpc, name } => {
            let client = &clients.get(account)?.0;
            let vpc = find(client, "/v1/vpcs", "vpcs", vpc).await?;
            if let Some(acl) = acl_of(client, &vpc, name).await {
                delete_and_wait(client, &format!("/v1/network_acls/{}", cell(&acl["id"]))).await?;
            }
        }
        Removal::PublicGateway { account, name } => {
            let client = &clients.get(account)?.0;
            if let Ok(gateway) = find(client, "/v1/public_gateways", "public_gateways", name).await {
                delete_and_wait(client, &format!("/v1/public_gateways/{}", cell(&gateway["id"]))).await?;
            }
        }
        Removal::Vpc { account, name } => {
            let client = &clients.get(account)?.0;
            if let Some(vpc) = vpc_named(client, name).await {
                delete_and_wait(client, &format!("/v1/vpcs/{}", cell(&vpc["id"]))).await?;
            }
        }
    }
    Ok(())
}
