//! Serving the views: a UDP socket and a TCP listener on every endpoint address, reconciled whenever the world
//! changes, answering from whichever whole `Views` value is current.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use hubspoke_iam::Timestamp;
use hubspoke_vpc::World;
use hubspoke_vpc::topology::settled;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::answer::{Reply, Settings, Transport, respond};
use crate::forward::Forwarder;
use crate::resolver::SecondaryPlan;
use crate::secondary::{Transferred, transfer};
use crate::udp::{self, Received};
use crate::view::{CompileCache, Views, compile_with};

/// The response codes counted by name; the rest are counted as `other`.
const RCODES: [&str; 7] = ["noerror", "formerr", "servfail", "nxdomain", "notimp", "refused", "other"];

/// The `hubspoke_dns_queries_total` counters of one transport, looked up in the recorder once rather than per answer
/// (the lookup hashes both labels, a measurable share of a query's CPU under load).
#[derive(Clone)]
struct Counters([metrics::Counter; 7]);

impl Counters {
    fn new(transport: &'static str) -> Counters {
        Counters(
            RCODES.map(
                |rcode| metrics::counter!("hubspoke_dns_queries_total", "transport" => transport, "rcode" => rcode),
            ),
        )
    }

    /// Counts an answer by its response code (the low four bits of the fourth header byte).
    fn count(&self, answer: &[u8]) {
        let code = answer.get(3).map_or(6, |b| usize::from(b & 0x0f).min(6));
        self.0[code].increment(1);
    }
}

/// How long a TCP connection may sit idle between queries.
const TCP_IDLE: Duration = Duration::from_secs(10);
/// Most TCP connections one endpoint serves at once.
const TCP_CONNECTIONS: usize = 256;

/// Settings of the data plane.
#[derive(Clone, Debug)]
pub struct DnsConfig {
    /// The port on every endpoint address; 0 picks one per address (tests).
    pub port: u16,
    /// TTL of answers.
    pub ttl: u32,
    /// Public DNS: where names outside every zone are forwarded, if anywhere.
    pub upstream: Option<SocketAddr>,
    /// Tasks reading each UDP socket (one per core serves both cores).
    pub udp_workers: usize,
    /// UDP queries answered per second and client address, with as many at once (0: no limit). Queries over the
    /// limit are dropped: a flood with a forged source address then gets nothing back at all, while a real client
    /// retries, or asks over TCP, which is not limited because its handshake proves the address.
    pub rate_limit: u32,
}

/// A rate limiter keyed by client address.
type ClientLimiter = governor::DefaultKeyedRateLimiter<std::net::IpAddr>;

/// How often the limiter forgets the addresses that are back to their full allowance, which bounds its memory to the
/// addresses seen in one such period.
const LIMITER_HOUSEKEEPING: Duration = Duration::from_secs(10);

struct Endpoint {
    port: u16,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

/// The DNS data plane of this process.
pub struct DataPlane {
    config: DnsConfig,
    views: Arc<ArcSwap<Views>>,
    endpoints: Mutex<HashMap<Ipv4Addr, Endpoint>>,
    // Applies run one at a time, so an older world never replaces a newer one and an address is bound once.
    applying: tokio::sync::Mutex<()>,
    // When the next pending gateway or binding of the served world becomes stable (milliseconds since the epoch;
    // `i64::MAX` when none is pending): the views must be compiled again then, with no change to the world.
    next_settling: AtomicI64,
    // VPC endpoint addresses that could not be bound, with the reason (another process on the port, usually): the
    // app reports them in health and readiness rather than pointing clients at a port someone else answers on.
    unserved: Mutex<HashMap<Ipv4Addr, String>>,
    // Where forwarded queries go out, shared by every endpoint.
    forwarder: Arc<Forwarder>,
    // What compiling the served world left for the next one, so that a change recompiles only what it touched.
    compiled: Mutex<CompileCache>,
    // The secondary zones' copies by secondary zone id. Views are published only while this lock is held, so a
    // finished transfer and a new world never undo each other.
    secondaries: Arc<Mutex<HashMap<String, Arc<Transferred>>>>,
    // The transfer task of every enabled secondary zone, with the plan it transfers.
    transfers: Mutex<HashMap<String, (SecondaryPlan, JoinHandle<()>)>>,
}

impl Drop for DataPlane {
    fn drop(&mut self) {
        if let Ok(transfers) = self.transfers.lock() {
            transfers.values().for_each(|(_, task)| task.abort());
        }
    }
}

impl DataPlane {
    /// A server with no endpoints yet; [`DataPlane::apply`] compiles a world and binds its addresses.
    pub fn new(config: DnsConfig) -> Arc<DataPlane> {
        Arc::new(DataPlane {
            config,
            views: Arc::new(ArcSwap::from_pointee(Views::default())),
            endpoints: Mutex::new(HashMap::new()),
            applying: tokio::sync::Mutex::new(()),
            next_settling: AtomicI64::new(i64::MAX),
            unserved: Mutex::new(HashMap::new()),
            forwarder: Arc::new(Forwarder::default()),
            compiled: Mutex::new(CompileCache::default()),
            secondaries: Arc::new(Mutex::new(HashMap::new())),
            transfers: Mutex::new(HashMap::new()),
        })
    }

    /// The views being served now.
    pub fn views(&self) -> Arc<Views> {
        self.views.load_full()
    }

    /// Compiles `world` as the data plane would serve it, with the zones compiled for the served world reused and the
    /// secondary zones' current copies (for explaining a lookup without compiling every zone again).
    pub fn compile(&self, world: &World) -> Views {
        let compiled = match self.compiled.lock() {
            Ok(mut cache) => compile_with(world, &mut cache),
            Err(_) => compile_with(world, &mut CompileCache::default()),
        };
        compiled.with_secondaries(self.views.load().secondaries_snapshot())
    }

    /// The state of every secondary zone's copy, by secondary zone id.
    pub fn secondaries(&self) -> Vec<(String, Arc<Transferred>)> {
        let Ok(secondaries) = self.secondaries.lock() else { return Vec::new() };
        let mut list: Vec<(String, Arc<Transferred>)> =
            secondaries.iter().map(|(id, copy)| (id.clone(), copy.clone())).collect();
        list.sort_by(|a, b| a.0.cmp(&b.0));
        list
    }

    /// The port an endpoint address is served on, once bound.
    pub fn port_of(&self, address: Ipv4Addr) -> Option<u16> {
        self.endpoints.lock().ok()?.get(&address).map(|endpoint| endpoint.port)
    }

    /// VPC endpoint addresses that could not be served, each with the reason.
    pub fn unserved(&self) -> Vec<(Ipv4Addr, String)> {
        let Ok(unserved) = self.unserved.lock() else { return Vec::new() };
        let mut list: Vec<(Ipv4Addr, String)> = unserved.iter().map(|(a, e)| (*a, e.clone())).collect();
        list.sort();
        list
    }

    /// The configured port, reported for addresses not (yet) bound.
    pub fn configured_port(&self) -> u16 {
        self.config.port
    }

    /// When a gateway or binding the served world holds back becomes stable, if one does; [`DataPlane::apply`] the
    /// same world again then.
    pub fn next_settling(&self) -> Option<Timestamp> {
        let at = self.next_settling.load(Ordering::Relaxed);
        (at != i64::MAX).then_some(Timestamp(at))
    }

    /// Compiles `world` as it is served now (gateways and bindings answered once stable), publishes the new views in
    /// one swap, then binds new addresses and releases gone ones.
    pub async fn apply(&self, world: &World) {
        let _applying = self.applying.lock().await;
        let current = self.views.load();
        let now = now_millis();
        let settled_since = self.next_settling.load(Ordering::Relaxed) <= now;
        // An address that could not be bound is tried again on every apply, so it is served once the port is free.
        let retry = self.unserved.lock().is_ok_and(|unserved| !unserved.is_empty());
        if world.revision() < current.revision()
            || (world.revision() == current.revision()
                && current.addresses().next().is_some()
                && !settled_since
                && !retry)
        {
            return;
        }
        let (served, next) = settled(world, Timestamp(now));
        self.next_settling.store(next.map_or(i64::MAX, |at| at.0), Ordering::Relaxed);
        let compiled = match self.compiled.lock() {
            Ok(mut cache) => compile_with(&served, &mut cache),
            Err(_) => compile_with(&served, &mut CompileCache::default()),
        };
        let views = {
            let Ok(mut secondaries) = self.secondaries.lock() else { return };
            let plans: HashMap<String, SecondaryPlan> = compiled
                .resolvers()
                .iter()
                .flat_map(|plan| plan.secondaries.iter().map(|s| (s.id.clone(), s.clone())))
                .collect();
            // A secondary zone deleted or disabled drops its copy; enabling it again transfers anew.
            secondaries.retain(|id, _| plans.contains_key(id));
            let views = Arc::new(compiled.with_secondaries(Arc::new(secondaries.clone())));
            self.views.store(views.clone());
            self.start_transfers(plans);
            views
        };
        let wanted: Vec<Ipv4Addr> = views.addresses().collect();
        let missing: Vec<Ipv4Addr> = {
            let Ok(mut endpoints) = self.endpoints.lock() else { return };
            endpoints.retain(|address, _| wanted.contains(address));
            wanted.iter().copied().filter(|address| !endpoints.contains_key(address)).collect()
        };
        if let Ok(mut unserved) = self.unserved.lock() {
            unserved.retain(|address, _| wanted.contains(address));
        }
        for address in missing {
            match self.bind(address).await {
                Ok(endpoint) => {
                    if let Ok(mut endpoints) = self.endpoints.lock() {
                        endpoints.insert(address, endpoint);
                    }
                    if let Ok(mut unserved) = self.unserved.lock() {
                        unserved.remove(&address);
                    }
                }
                // A VPC's endpoint is a loopback address this process must serve: failing to is an error the
                // operator has to see (another server on the same `--dns-port`, most often).
                Err(error) if address.is_loopback() => {
                    tracing::error!(%address, port = self.config.port, %error, "cannot serve a VPC's DNS endpoint");
                    if let Ok(mut unserved) = self.unserved.lock() {
                        unserved.insert(address, error.to_string());
                    }
                }
                // Custom resolver addresses (10.x) are usually not local to this machine; they are served where a
                // test network namespace assigns them.
                Err(error) => tracing::debug!(%address, %error, "cannot serve DNS on this address"),
            }
        }
    }

    /// Starts a transfer task for every secondary zone that is new or whose zone or primaries changed, and stops the
    /// tasks of the ones gone.
    fn start_transfers(&self, plans: HashMap<String, SecondaryPlan>) {
        let Ok(mut transfers) = self.transfers.lock() else { return };
        transfers.retain(|id, (plan, task)| {
            let keep = plans.get(id) == Some(plan);
            if !keep {
                task.abort();
            }
            keep
        });
        for (id, plan) in plans {
            if transfers.contains_key(&id) {
                continue;
            }
            let (views, secondaries, task_plan) = (self.views.clone(), self.secondaries.clone(), plan.clone());
            let task = tokio::spawn(async move { keep_fresh(task_plan, views, secondaries).await });
            transfers.insert(id, (plan, task));
        }
    }

    /// Stops serving every address.
    pub fn shutdown(&self) {
        if let Ok(mut endpoints) = self.endpoints.lock() {
            endpoints.clear();
        }
    }

    /// How queries are answered (TTL, upstream).
    pub fn settings(&self) -> Settings {
        Settings { ttl: self.config.ttl, upstream: self.config.upstream }
    }

    async fn bind(&self, address: Ipv4Addr) -> std::io::Result<Endpoint> {
        let mut last_error = None;
        // With port 0 the UDP socket picks a port and TCP must get the same one; retry if TCP finds it taken.
        for _ in 0..5 {
            let udp = UdpSocket::bind(SocketAddrV4::new(address, self.config.port)).await?;
            let port = udp.local_addr()?.port();
            match TcpListener::bind(SocketAddrV4::new(address, port)).await {
                Ok(tcp) => return Ok(self.serve(address, port, Arc::new(udp), tcp)),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| std::io::Error::other("no port")))
    }

    fn serve(&self, address: Ipv4Addr, port: u16, udp: Arc<UdpSocket>, tcp: TcpListener) -> Endpoint {
        let settings = self.settings();
        let (udp_counters, tcp_counters) = (Counters::new("udp"), Counters::new("tcp"));
        let mut tasks = Vec::new();
        let limiter = std::num::NonZeroU32::new(self.config.rate_limit)
            .map(|rate| Arc::new(ClientLimiter::keyed(governor::Quota::per_second(rate))));
        if let Some(limiter) = limiter.clone() {
            tasks.push(tokio::spawn(async move {
                let mut ticks = tokio::time::interval(LIMITER_HOUSEKEEPING);
                loop {
                    ticks.tick().await;
                    limiter.retain_recent();
                    limiter.shrink_to_fit();
                }
            }));
        }
        for _ in 0..self.config.udp_workers.max(1) {
            let (udp, views, limiter, counters) =
                (udp.clone(), self.views.clone(), limiter.clone(), udp_counters.clone());
            let forwarder = self.forwarder.clone();
            tasks.push(tokio::spawn(async move {
                let mut received = Received::new();
                let mut answers: Vec<(SocketAddr, Vec<u8>)> = Vec::with_capacity(udp::BATCH);
                loop {
                    if received.receive(&udp).await.is_err() {
                        continue;
                    }
                    // One batch is answered from one revision of the views.
                    let views = views.load();
                    for (query, peer) in received.iter() {
                        if let Some(limiter) = &limiter
                            && limiter.check_key(&peer.ip()).is_err()
                        {
                            metrics::counter!("hubspoke_dns_rate_limited_total").increment(1);
                            continue;
                        }
                        match respond(&views, address, peer.ip(), query, Transport::Udp, settings) {
                            Reply::Send(bytes) => {
                                counters.count(&bytes);
                                answers.push((peer, bytes));
                            }
                            Reply::Forward { to, fallback, limit } => {
                                let (udp, query, counters) = (udp.clone(), query.to_vec(), counters.clone());
                                let forwarder = forwarder.clone();
                                tokio::spawn(async move {
                                    let answer = forwarder.relay(&to, &query, false, limit).await.unwrap_or(fallback);
                                    counters.count(&answer);
                                    let _ = udp.send_to(&answer, peer).await;
                                });
                            }
                            Reply::Drop => {}
                        }
                    }
                    udp::send_all(&udp, &answers).await;
                    answers.clear();
                }
            }));
        }
        let (views, forwarder) = (self.views.clone(), self.forwarder.clone());
        let permits = Arc::new(Semaphore::new(TCP_CONNECTIONS));
        tasks.push(tokio::spawn(async move {
            loop {
                let Ok((stream, peer)) = tcp.accept().await else { continue };
                // Answers are whole messages written at once; nothing is gained by holding them back.
                let _ = stream.set_nodelay(true);
                let Ok(permit) = permits.clone().try_acquire_owned() else { continue };
                let (views, counters, forwarder) = (views.clone(), tcp_counters.clone(), forwarder.clone());
                tokio::spawn(async move {
                    let _permit = permit;
                    let _ = serve_tcp(stream, address, peer.ip(), views, settings, counters, &forwarder).await;
                });
            }
        }));
        Endpoint { port, tasks }
    }
}

async fn serve_tcp(
    stream: TcpStream,
    address: Ipv4Addr,
    client: std::net::IpAddr,
    views: Arc<ArcSwap<Views>>,
    settings: Settings,
    counters: Counters,
    forwarder: &Forwarder,
) -> std::io::Result<()> {
    let (reader, mut stream) = stream.into_split();
    // Clients may send many queries back to back (RFC 7766 pipelining); one read then takes in several.
    let mut reader = tokio::io::BufReader::new(reader);
    loop {
        let length = match tokio::time::timeout(TCP_IDLE, reader.read_u16()).await {
            Ok(Ok(length)) => length as usize,
            _ => return Ok(()),
        };
        let mut query = vec![0u8; length];
        tokio::time::timeout(TCP_IDLE, reader.read_exact(&mut query))
            .await
            .map_err(|_| std::io::ErrorKind::TimedOut)??;
        let reply = respond(&views.load(), address, client, &query, Transport::Tcp, settings);
        let answer = match reply {
            Reply::Send(bytes) => Some(bytes),
            Reply::Forward { to, fallback, limit } => {
                Some(forwarder.relay(&to, &query, true, limit).await.unwrap_or(fallback))
            }
            Reply::Drop => None,
        };
        if let Some(answer) = answer {
            counters.count(&answer);
            // The length and the message leave in one write: written apart, the message waited for the peer's
            // acknowledgement of the two length bytes (Nagle's algorithm), which held TCP at a third of Knot's rate.
            let mut framed = Vec::with_capacity(2 + answer.len());
            framed.extend_from_slice(&(answer.len() as u16).to_be_bytes());
            framed.extend_from_slice(&answer);
            stream.write_all(&framed).await?;
        }
    }
}

/// Transfers one secondary zone now and again on its SOA's refresh interval (its retry interval after a failure),
/// publishing every new state of its copy with the views.
async fn keep_fresh(
    plan: SecondaryPlan,
    views: Arc<ArcSwap<Views>>,
    secondaries: Arc<Mutex<HashMap<String, Arc<Transferred>>>>,
) {
    loop {
        let result = transfer(&plan.id, &plan.zone, &plan.transfer_from).await;
        let state = {
            let Ok(mut secondaries) = secondaries.lock() else { return };
            let previous = secondaries.get(&plan.id).map(|copy| (**copy).clone()).unwrap_or_default();
            let state = match result {
                Ok((zone, from)) => Transferred {
                    zone: Some(Arc::new(zone)),
                    from: Some(from),
                    at: Some(std::time::SystemTime::now()),
                    error: None,
                },
                Err(error) => {
                    tracing::warn!(secondary = %plan.id, zone = %plan.zone, %error, "secondary zone transfer failed");
                    Transferred { error: Some(error.to_string()), ..previous }
                }
            };
            secondaries.insert(plan.id.clone(), Arc::new(state.clone()));
            views.store(Arc::new(views.load().with_secondaries(Arc::new(secondaries.clone()))));
            state
        };
        tokio::time::sleep(state.next_in()).await;
    }
}

/// The wall clock in milliseconds since the epoch, the unit of the world's timestamps.
fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as i64)
}
