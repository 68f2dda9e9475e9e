//! A small world for tests and the fuzzer: a hub with a COS gateway, a spoke with its own gateways, bound or not,
//! delegated or not.

use std::net::Ipv4Addr;

use hubspoke_iam::{AccountId, Timestamp};
use hubspoke_vpc::World;
use hubspoke_vpc::model::*;
use hubspoke_vpc::world::Entity;

use crate::view::{Views, compile};

pub const HUB_ENDPOINT: Ipv4Addr = Ipv4Addr::new(127, 53, 0, 1);
pub const SPOKE_ENDPOINT: Ipv4Addr = Ipv4Addr::new(127, 53, 0, 2);
pub const COS: &str = "s3.direct.us-south.cloud-object-storage.appdomain.cloud";

pub fn account(n: u8) -> AccountId {
    AccountId::from_bytes([n; 16])
}

pub fn vpc(id: &str, owner: u8, hub: bool, endpoint: Ipv4Addr, resolver: ResolverSetting) -> Entity {
    Entity::Vpc(Vpc {
        id: id.into(),
        account: account(owner),
        name: id.into(),
        created_at: Timestamp(0),
        classic_access: false,
        address_prefix_management: PrefixManagement::Auto,
        enable_hub: hub,
        resolver,
        dns_endpoint: endpoint,
        version: 1,
        resource_group: default_resource_group_id(&account(owner)),
    })
}

pub fn gateway(id: &str, vpc: &str, owner: u8, endpoints: &[&str], mode: BindingMode, address: [u8; 4]) -> Vec<Entity> {
    let subnet = format!("{vpc}-subnet");
    vec![
        Entity::Subnet(Subnet {
            id: subnet.clone(),
            account: account(owner),
            vpc: vpc.into(),
            zone: "us-south-1".into(),
            cidr: format!("{}.{}.{}.0/24", address[0], address[1], address[2]).parse().unwrap(),
            name: subnet.clone(),
            created_at: Timestamp(0),
            network_acl: format!("{vpc}-acl"),
            public_gateway: None,
            resource_group: default_resource_group_id(&account(owner)),
        }),
        Entity::ReservedIp(ReservedIp {
            id: format!("{id}-ip"),
            subnet,
            address: Ipv4Addr::from(address),
            name: format!("{id}-ip"),
            auto_delete: true,
            owner: IpOwner::User,
            target: Some(IpTarget::EndpointGateway(id.into())),
            created_at: Timestamp(0),
        }),
        Entity::Gateway(EndpointGateway {
            id: id.into(),
            account: account(owner),
            vpc: vpc.into(),
            name: id.into(),
            target: GatewayTarget::ProviderCloudService {
                crn: format!("crn:v1:bluemix:public:x:global:::endpoint:{}", endpoints[0]),
            },
            service_endpoints: endpoints.iter().map(|e| e.to_string()).collect(),
            mode,
            created_at: Timestamp(0),
            settling: Settling { phase: Phase::Pending, until: Timestamp(0) },
            security_groups: Vec::new(),
            resource_group: default_resource_group_id(&account(owner)),
        }),
    ]
}

pub fn binding(attached: bool) -> Entity {
    Entity::Binding(Binding {
        id: "binding".into(),
        spoke: "spoke".into(),
        spoke_account: account(2),
        hub: "hub".into(),
        hub_account: account(1),
        spoke_name: "b".into(),
        hub_name: "b".into(),
        created_at: Timestamp(0),
        settling: Settling { phase: Phase::Pending, until: Timestamp(0) },
        spoke_attached: attached,
    })
}

/// The two-account topology: hub with COS (10.1.0.5); spoke with KMS `primary` (10.2.0.5), NTP `disabled` (10.2.1.5) and a
/// wildcard databases endpoint `primary` (10.2.2.5).
pub fn world(bound: bool, delegated: bool) -> World {
    World::from_entities(entities(bound, delegated), 7)
}

/// The entities of [`world`].
pub fn entities(bound: bool, delegated: bool) -> Vec<Entity> {
    let resolver = if delegated { ResolverSetting::Delegated { vpc: "hub".into() } } else { ResolverSetting::System };
    let mut entities = vec![
        vpc("hub", 1, true, HUB_ENDPOINT, ResolverSetting::System),
        vpc("spoke", 2, false, SPOKE_ENDPOINT, resolver),
    ];
    entities.extend(gateway("hub-cos", "hub", 1, &[COS], BindingMode::Primary, [10, 1, 0, 5]));
    entities.extend(gateway(
        "spoke-kms",
        "spoke",
        2,
        &["private.us-south.kms.cloud.ibm.com"],
        BindingMode::Primary,
        [10, 2, 0, 5],
    ));
    let mut ntp =
        gateway("spoke-ntp", "spoke", 2, &["time.adn.networklayer.com"], BindingMode::Disabled, [10, 2, 1, 5]);
    if let Entity::Subnet(subnet) = &mut ntp[0] {
        subnet.id = "spoke-subnet-2".into();
    }
    if let Entity::ReservedIp(ip) = &mut ntp[1] {
        ip.subnet = "spoke-subnet-2".into();
    }
    entities.extend(ntp);
    let mut databases =
        gateway("spoke-db", "spoke", 2, &["*.private.databases.appdomain.cloud"], BindingMode::Primary, [10, 2, 2, 5]);
    if let Entity::Subnet(subnet) = &mut databases[0] {
        subnet.id = "spoke-subnet-3".into();
    }
    if let Entity::ReservedIp(ip) = &mut databases[1] {
        ip.subnet = "spoke-subnet-3".into();
    }
    entities.extend(databases);
    if bound {
        entities.push(binding(true));
    }
    entities
}

/// A DNS Services instance of account `owner`.
pub fn instance(id: &str, owner: u8) -> Entity {
    Entity::ServiceInstance(ServiceInstance {
        id: id.into(),
        account: account(owner),
        name: id.into(),
        plan: DnsPlan::Standard,
        resource_group: default_resource_group_id(&account(owner)),
        created_at: Timestamp(0),
        updated_at: Timestamp(0),
        removed_at: None,
    })
}

/// A DNS zone of `instance` permitted to `networks`.
pub fn zone(id: &str, instance: &str, owner: u8, name: &str, networks: &[&str]) -> Entity {
    Entity::DnsZone(DnsZone {
        id: id.into(),
        account: account(owner),
        instance: instance.into(),
        name: name.into(),
        description: String::new(),
        label: String::new(),
        permitted_networks: networks
            .iter()
            .map(|vpc| PermittedNetwork {
                vpc: vpc.to_string(),
                vpc_crn: format!("crn:v1:bluemix:public:is:us-south:a/x::vpc:{vpc}"),
                created_at: Timestamp(0),
                modified_at: Timestamp(0),
            })
            .collect(),
        created_at: Timestamp(0),
        modified_at: Timestamp(0),
    })
}

/// An enabled custom resolver `id` of account `owner` with one location in `vpc` listening on `address` (in a subnet
/// of its own).
pub fn resolver(id: &str, vpc: &str, owner: u8, address: [u8; 4]) -> Vec<Entity> {
    let subnet = format!("{id}-subnet");
    vec![
        Entity::Subnet(Subnet {
            id: subnet.clone(),
            account: account(owner),
            vpc: vpc.into(),
            zone: "us-south-1".into(),
            cidr: format!("{}.{}.{}.0/24", address[0], address[1], address[2]).parse().unwrap(),
            name: subnet.clone(),
            created_at: Timestamp(0),
            network_acl: format!("{vpc}-acl"),
            public_gateway: None,
            resource_group: default_resource_group_id(&account(owner)),
        }),
        Entity::ReservedIp(ReservedIp {
            id: format!("{id}-ip"),
            subnet: subnet.clone(),
            address: Ipv4Addr::from(address),
            name: format!("{id}-ip"),
            auto_delete: true,
            owner: IpOwner::Provider,
            target: Some(IpTarget::ResolverLocation { resolver: id.into(), location: format!("{id}-location") }),
            created_at: Timestamp(0),
        }),
        Entity::Resolver(CustomResolver {
            id: id.into(),
            account: account(owner),
            instance: format!("instance-{owner}"),
            name: id.into(),
            description: None,
            enabled: true,
            locations: vec![ResolverLocation {
                id: format!("{id}-location"),
                subnet,
                enabled: true,
                reserved_ip: format!("{id}-ip"),
            }],
            profile: ResolverProfile::default(),
            allow_disruptive_updates: false,
            settling: None,
            created_at: Timestamp(0),
            modified_at: Timestamp(0),
        }),
    ]
}

/// A forwarding target from `10.0.0.7` or `127.0.0.1:5353`.
pub fn target(text: &str) -> Target {
    Target::parse(text).expect("a target")
}

/// A forwarding rule of `resolver`: `matches` `*` makes the default rule. Views are (name, expression, targets).
pub fn rule(
    id: &str,
    resolver: &str,
    owner: u8,
    matches: &str,
    forward_to: &[&str],
    views: &[(&str, &str, &[&str])],
) -> Entity {
    let default = matches == "*";
    Entity::ForwardingRule(ForwardingRule {
        id: id.into(),
        account: account(owner),
        resolver: resolver.into(),
        sequence: if default { 0 } else { 1 + id.len() as u64 },
        kind: if default { ForwardingRuleKind::Default } else { ForwardingRuleKind::Zone },
        description: String::new(),
        matches: matches.into(),
        forward_to: forward_to.iter().map(|t| target(t)).collect(),
        views: views
            .iter()
            .map(|(name, expression, forward_to)| RuleView {
                name: name.to_string(),
                description: String::new(),
                expression: hubspoke_vpc::expression::Expression::parse(expression).expect("a valid expression"),
                forward_to: forward_to.iter().map(|t| target(t)).collect(),
            })
            .collect(),
        created_at: Timestamp(0),
        modified_at: Timestamp(0),
    })
}

/// A secondary zone of `resolver`.
pub fn secondary_zone(
    id: &str,
    resolver: &str,
    owner: u8,
    zone: &str,
    enabled: bool,
    transfer_from: &[&str],
) -> Entity {
    Entity::SecondaryZone(SecondaryZone {
        id: id.into(),
        account: account(owner),
        resolver: resolver.into(),
        sequence: 1,
        zone: zone.into(),
        description: String::new(),
        enabled,
        transfer_from: transfer_from.iter().map(|t| target(t)).collect(),
        created_at: Timestamp(0),
        modified_at: Timestamp(0),
    })
}

/// A resource record of `zone`.
pub fn resource_record(id: &str, zone: &str, owner: u8, name: &str, data: RecordData) -> Entity {
    Entity::ResourceRecord(ResourceRecord {
        id: id.into(),
        account: account(owner),
        zone: zone.into(),
        name: name.into(),
        ttl: 60,
        data,
        created_at: Timestamp(0),
        modified_at: Timestamp(0),
    })
}

/// The views of the bound, delegated two-account topology.
pub fn views() -> Views {
    compile(&world(true, true))
}

/// The `dns_query` fuzz target's property, shared by the fuzzer, the corpus replay and the stable smoke test: any
/// packet, over either transport, at the hub, the spoke or an unknown address, gets no reply or one that has a header
/// and keeps the query's id (and fits a UDP datagram).
pub fn check_query(views: &Views, packet: &[u8]) {
    use crate::answer::{Reply, Settings, Transport, respond};
    for transport in [Transport::Udp, Transport::Tcp] {
        for at in [HUB_ENDPOINT, SPOKE_ENDPOINT, Ipv4Addr::LOCALHOST] {
            for upstream in [None, Some(std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, 53)))] {
                let client = std::net::IpAddr::V4(Ipv4Addr::LOCALHOST);
                if let Reply::Send(reply) =
                    respond(views, at, client, packet, transport, Settings { ttl: 30, upstream })
                {
                    assert!(reply.len() >= 12 && reply[..2] == packet[..2], "reply to {packet:?}");
                    assert!(transport == Transport::Tcp || reply.len() <= 4096, "a UDP reply of {} bytes", reply.len());
                }
            }
        }
    }
}

/// A small authoritative server on a loopback address, over UDP and TCP, for tests of forwarding and zone transfers:
/// it answers its records (NXDOMAIN with its SOA for other names of its zone, REFUSED outside it), serves AXFR over
/// TCP, counts the queries it gets and can be told to truncate every UDP answer.
pub mod authority {
    use std::net::{IpAddr, SocketAddr};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use hickory_proto::op::{Message, ResponseCode};
    use hickory_proto::rr::rdata::SOA;
    use hickory_proto::rr::{Name, RData, Record, RecordType};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, UdpSocket};
    use tokio::sync::RwLock;
    use tokio::task::JoinHandle;

    /// The server; it stops when dropped.
    pub struct Authority {
        /// Where it listens (the same port over UDP and TCP).
        pub address: SocketAddr,
        state: Arc<State>,
        tasks: Vec<JoinHandle<()>>,
    }

    struct State {
        apex: Name,
        records: RwLock<Vec<Record>>,
        queries: AtomicUsize,
        transfers: AtomicUsize,
        catch_all: std::sync::Mutex<Option<std::net::Ipv4Addr>>,
        truncate_udp: AtomicBool,
        clients: std::sync::Mutex<Vec<IpAddr>>,
    }

    impl Drop for Authority {
        fn drop(&mut self) {
            self.tasks.iter().for_each(JoinHandle::abort);
        }
    }

    /// A record from zone-file-like parts, for example `record("www.example.test", 60, RData::A(...))`.
    pub fn record(name: &str, ttl: u32, data: RData) -> Record {
        Record::from_rdata(Name::from_ascii(format!("{}.", name.trim_end_matches('.'))).unwrap(), ttl, data)
    }

    /// The SOA of a test zone with `serial` and a refresh of `refresh` seconds.
    pub fn soa(apex: &str, serial: u32, refresh: i32) -> Record {
        let name = |text: &str| Name::from_ascii(text).unwrap();
        record(
            apex,
            300,
            RData::SOA(SOA::new(name("ns1.primary.test."), name("admin.primary.test."), serial, refresh, 5, 86400, 60)),
        )
    }

    impl Authority {
        /// Serves `apex` with its SOA (`soa` first in `records`) and other records on `ip`, on a port it picks.
        pub async fn start(ip: IpAddr, apex: &str, records: Vec<Record>) -> Authority {
            // The UDP port is picked by the kernel; the same TCP port may be taken (by another test's connection),
            // so a few ports are tried.
            let mut attempts = 0;
            let (udp, address, tcp) = loop {
                let udp = UdpSocket::bind(SocketAddr::new(ip, 0)).await.expect("bind UDP");
                let address = udp.local_addr().expect("UDP address");
                match TcpListener::bind(address).await {
                    Ok(tcp) => break (udp, address, tcp),
                    Err(error) if attempts == 20 => panic!("bind TCP on the same port as UDP: {error}"),
                    Err(_) => attempts += 1,
                }
            };
            let state = Arc::new(State {
                apex: Name::from_ascii(format!("{}.", apex.trim_end_matches('.'))).unwrap(),
                records: RwLock::new(records),
                queries: AtomicUsize::new(0),
                transfers: AtomicUsize::new(0),
                truncate_udp: AtomicBool::new(false),
                catch_all: std::sync::Mutex::new(None),
                clients: std::sync::Mutex::new(Vec::new()),
            });
            let udp_state = state.clone();
            let udp_task = tokio::spawn(async move {
                let mut buffer = vec![0u8; 4096];
                while let Ok((length, peer)) = udp.recv_from(&mut buffer).await {
                    let Ok(query) = Message::from_vec(&buffer[..length]) else { continue };
                    udp_state.note(peer.ip());
                    let mut answer = udp_state.answer(&query).await;
                    if udp_state.truncate_udp.load(Ordering::Relaxed) {
                        answer.answers.clear();
                        answer.metadata.truncation = true;
                    }
                    let _ = udp.send_to(&answer.to_vec().unwrap(), peer).await;
                }
            });
            let tcp_state = state.clone();
            let tcp_task = tokio::spawn(async move {
                while let Ok((mut stream, peer)) = tcp.accept().await {
                    let state = tcp_state.clone();
                    tokio::spawn(async move {
                        while let Ok(length) = stream.read_u16().await {
                            let mut buffer = vec![0u8; length as usize];
                            if stream.read_exact(&mut buffer).await.is_err() {
                                return;
                            }
                            let Ok(query) = Message::from_vec(&buffer) else { return };
                            state.note(peer.ip());
                            let messages = if query.queries.first().map(|q| q.query_type) == Some(RecordType::AXFR) {
                                state.transfers.fetch_add(1, Ordering::Relaxed);
                                state.transfer(&query).await
                            } else {
                                vec![state.answer(&query).await]
                            };
                            for message in messages {
                                let bytes = message.to_vec().unwrap();
                                let mut framed = (bytes.len() as u16).to_be_bytes().to_vec();
                                framed.extend_from_slice(&bytes);
                                if stream.write_all(&framed).await.is_err() {
                                    return;
                                }
                            }
                        }
                    });
                }
            });
            Authority { address, state, tasks: vec![udp_task, tcp_task] }
        }

        /// Replaces the zone's records (the SOA first).
        pub async fn set_records(&self, records: Vec<Record>) {
            *self.state.records.write().await = records;
        }

        /// How many queries (of any kind, zone transfers included) it answered.
        pub fn queries(&self) -> usize {
            self.state.queries.load(Ordering::Relaxed)
        }

        /// How many zone transfers it served.
        pub fn transfers(&self) -> usize {
            self.state.transfers.load(Ordering::Relaxed)
        }

        /// The addresses its queries came from, in order.
        pub fn clients(&self) -> Vec<IpAddr> {
            self.state.clients.lock().map(|c| c.clone()).unwrap_or_default()
        }

        /// Answers every A query for a name outside the zone with `address` (a stand-in for public DNS).
        pub fn answer_everything_with(&self, address: std::net::Ipv4Addr) {
            if let Ok(mut catch_all) = self.state.catch_all.lock() {
                *catch_all = Some(address);
            }
        }

        /// Whether every UDP answer is sent empty with TC set (so resolvers must ask over TCP).
        pub fn truncate_udp(&self, truncate: bool) {
            self.state.truncate_udp.store(truncate, Ordering::Relaxed);
        }
    }

    impl State {
        fn note(&self, client: IpAddr) {
            self.queries.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut clients) = self.clients.lock() {
                clients.push(client);
            }
        }

        async fn answer(&self, query: &Message) -> Message {
            let mut answer = Message::response(query.metadata.id, query.metadata.op_code);
            answer.metadata.recursion_desired = query.metadata.recursion_desired;
            let Some(question) = query.queries.first() else {
                answer.metadata.response_code = ResponseCode::FormErr;
                return answer;
            };
            answer.add_query(question.clone());
            if !self.apex.zone_of(&question.name) {
                match self.catch_all.lock().ok().and_then(|catch_all| *catch_all) {
                    Some(address) if question.query_type == RecordType::A => {
                        answer.add_answer(Record::from_rdata(
                            question.name.clone(),
                            60,
                            RData::A(hickory_proto::rr::rdata::A(address)),
                        ));
                    }
                    _ => answer.metadata.response_code = ResponseCode::Refused,
                }
                return answer;
            }
            answer.metadata.authoritative = true;
            let records = self.records.read().await;
            let mut exists = false;
            for record in records.iter().filter(|r| r.name.eq_case(&question.name) || r.name == question.name) {
                exists = true;
                if record.record_type() == question.query_type || question.query_type == RecordType::ANY {
                    answer.add_answer(record.clone());
                }
            }
            if answer.answers.is_empty() {
                if !exists {
                    answer.metadata.response_code = ResponseCode::NXDomain;
                }
                if let Some(soa) = records.first() {
                    answer.add_authority(soa.clone());
                }
            }
            answer
        }

        /// The zone in three messages: the SOA and the first half, the second half, the closing SOA.
        async fn transfer(&self, query: &Message) -> Vec<Message> {
            let records = self.records.read().await;
            let Some(question) = query.queries.first() else { return Vec::new() };
            let message = |records: &[Record]| {
                let mut message = Message::response(query.metadata.id, query.metadata.op_code);
                message.add_query(question.clone());
                message.metadata.authoritative = true;
                for record in records {
                    message.add_answer(record.clone());
                }
                message
            };
            if question.name != self.apex || records.is_empty() {
                let mut refused = message(&[]);
                refused.metadata.response_code = ResponseCode::Refused;
                return vec![refused];
            }
            let half = records.len().div_ceil(2);
            vec![message(&records[..half]), message(&records[half..]), message(&records[..1])]
        }
    }
}
