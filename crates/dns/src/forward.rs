//! Forwarding queries to upstream servers: over a few long-lived UDP sockets shared by every query, and over TCP.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a forwarded query may wait for each target.
pub(crate) const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(2);

/// How many UDP sockets each upstream's queries are spread over. Each is bound to its own random port, so an off-path
/// spoofer must guess the port as well as the 16-bit query id; a socket per query would make that guess harder still
/// but costs a bind, a connect and a close per query, which was most of a forwarded query's CPU.
const LANES: usize = 4;
/// Most upstreams given shared sockets; queries to any further ones get a socket each.
const MAX_UPSTREAMS: usize = 64;

/// Queries to upstream servers over UDP through shared sockets, each connected to its upstream (so the kernel drops
/// datagrams from anyone else, and a port that refuses is known at once rather than after the timeout), with each
/// outgoing query under a fresh random id so that answers find their query.
#[derive(Default)]
pub(crate) struct Forwarder {
    lanes: Mutex<HashMap<SocketAddr, Arc<[Arc<Lane>]>>>,
    receivers: Mutex<Vec<JoinHandle<()>>>,
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        if let Ok(receivers) = self.receivers.lock() {
            receivers.iter().for_each(JoinHandle::abort);
        }
    }
}

/// One socket connected to an upstream, and the queries waiting for an answer on it by outgoing id.
struct Lane {
    socket: UdpSocket,
    waiting: Mutex<HashMap<u16, oneshot::Sender<Vec<u8>>>>,
}

impl Forwarder {
    /// Relays a query to each target in turn until one answers: over TCP for a TCP client, else over UDP and then
    /// over TCP when the UDP answer is truncated (the TCP answer is sent when it fits the client's `limit`, else the
    /// truncated one, and the client retries over TCP itself).
    pub(crate) async fn relay(&self, targets: &[SocketAddr], query: &[u8], tcp: bool, limit: usize) -> Option<Vec<u8>> {
        for target in targets {
            let answer = if tcp {
                ask_tcp(*target, query).await
            } else {
                match self.ask_udp(*target, query).await {
                    Some(answer) if answer[2] & 0x02 != 0 => match ask_tcp(*target, query).await {
                        Some(whole) if whole.len() <= limit => Some(whole),
                        _ => Some(answer),
                    },
                    other => other,
                }
            };
            if answer.is_some() {
                return answer;
            }
        }
        None
    }

    /// Asks one target over UDP; only an answer to the id the query went out under counts, and it comes back under
    /// the client's id.
    async fn ask_udp(&self, target: SocketAddr, query: &[u8]) -> Option<Vec<u8>> {
        if query.len() < 12 {
            return None;
        }
        let Some(lanes) = self.lanes_for(target) else { return ask_udp_alone(target, query).await };
        let lane = &lanes[rand::thread_rng().gen_range(0..lanes.len())];
        let (sender, receiver) = oneshot::channel();
        let id = {
            let mut waiting = lane.waiting.lock().ok()?;
            let mut rng = rand::thread_rng();
            let id = (0..16).map(|_| rng.r#gen::<u16>()).find(|id| !waiting.contains_key(id))?;
            waiting.insert(id, sender);
            id
        };
        let mut outgoing = query.to_vec();
        outgoing[..2].copy_from_slice(&id.to_be_bytes());
        let answer = match lane.socket.send(&outgoing).await {
            Ok(_) => tokio::time::timeout(UPSTREAM_TIMEOUT, receiver).await.ok().and_then(Result::ok),
            Err(_) => None,
        };
        if answer.is_none()
            && let Ok(mut waiting) = lane.waiting.lock()
        {
            waiting.remove(&id);
        }
        let mut answer = answer?;
        answer[..2].copy_from_slice(&query[..2]);
        Some(answer)
    }

    /// The shared sockets of one upstream, bound and connected on first use; none when there are too many upstreams
    /// or binding fails (each query then has a socket of its own).
    fn lanes_for(&self, target: SocketAddr) -> Option<Arc<[Arc<Lane>]>> {
        let mut all = self.lanes.lock().ok()?;
        if let Some(lanes) = all.get(&target) {
            return Some(lanes.clone());
        }
        if all.len() >= MAX_UPSTREAMS {
            return None;
        }
        let unspecified: SocketAddr =
            if target.is_ipv4() { "0.0.0.0:0".parse().ok()? } else { "[::]:0".parse().ok()? };
        let mut lanes = Vec::with_capacity(LANES);
        for _ in 0..LANES {
            let socket = std::net::UdpSocket::bind(unspecified).ok()?;
            socket.connect(target).ok()?;
            socket.set_nonblocking(true).ok()?;
            let lane =
                Arc::new(Lane { socket: UdpSocket::from_std(socket).ok()?, waiting: Mutex::new(HashMap::new()) });
            let receiver = tokio::spawn(receive(lane.clone()));
            if let Ok(mut receivers) = self.receivers.lock() {
                receivers.push(receiver);
            }
            lanes.push(lane);
        }
        let lanes: Arc<[Arc<Lane>]> = lanes.into();
        all.insert(target, lanes.clone());
        Some(lanes)
    }
}

/// Hands every answer arriving on a lane to the query waiting for it; anything else (a late answer, noise) is
/// dropped. When the upstream refuses (nothing listens on its port), every query waiting on the lane gives up at
/// once, so the next target is tried without waiting for the timeout.
async fn receive(lane: Arc<Lane>) {
    let mut buffer = vec![0u8; 65535];
    loop {
        match lane.socket.recv(&mut buffer).await {
            Ok(length) if length >= 12 => {
                let id = u16::from_be_bytes([buffer[0], buffer[1]]);
                let waiter = lane.waiting.lock().ok().and_then(|mut waiting| waiting.remove(&id));
                if let Some(waiter) = waiter {
                    let _ = waiter.send(buffer[..length].to_vec());
                }
            }
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
                if let Ok(mut waiting) = lane.waiting.lock() {
                    waiting.clear();
                }
            }
            // Other errors (a full receive queue, an interrupted call) do not concern the queries waiting; a short
            // pause keeps a persistent one from spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(1)).await,
        }
    }
}

/// Asks one target over UDP from a socket of its own (when the shared sockets could not be had).
async fn ask_udp_alone(target: SocketAddr, query: &[u8]) -> Option<Vec<u8>> {
    let bind: SocketAddr = if target.is_ipv4() { "0.0.0.0:0".parse().ok()? } else { "[::]:0".parse().ok()? };
    let socket = UdpSocket::bind(bind).await.ok()?;
    socket.connect(target).await.ok()?;
    socket.send(query).await.ok()?;
    let mut buffer = vec![0u8; 65535];
    let length = tokio::time::timeout(UPSTREAM_TIMEOUT, socket.recv(&mut buffer)).await.ok()?.ok()?;
    (length >= 12 && buffer[..2] == query[..2]).then(|| buffer[..length].to_vec())
}

/// Asks one target over TCP.
pub(crate) async fn ask_tcp(target: SocketAddr, query: &[u8]) -> Option<Vec<u8>> {
    let exchange = async {
        let mut stream = TcpStream::connect(target).await.ok()?;
        let mut framed = Vec::with_capacity(2 + query.len());
        framed.extend_from_slice(&(query.len() as u16).to_be_bytes());
        framed.extend_from_slice(query);
        stream.write_all(&framed).await.ok()?;
        let length = stream.read_u16().await.ok()? as usize;
        let mut buffer = vec![0u8; length];
        stream.read_exact(&mut buffer).await.ok()?;
        (length >= 12 && buffer[..2] == query[..2]).then_some(buffer)
    };
    tokio::time::timeout(UPSTREAM_TIMEOUT, exchange).await.ok()?
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A loopback upstream that answers each query with its own bytes, the QR bit set and the query's last byte
    /// doubled into the answer, after `delay`; it answers the queries of one batch in reverse order.
    async fn upstream(batch: usize, delay: Duration) -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let address = socket.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buffer = vec![0u8; 512];
            loop {
                let mut queries = Vec::new();
                while queries.len() < batch {
                    let (length, from) = socket.recv_from(&mut buffer).await.unwrap();
                    queries.push((buffer[..length].to_vec(), from));
                }
                tokio::time::sleep(delay).await;
                for (mut answer, from) in queries.into_iter().rev() {
                    answer[2] |= 0x80;
                    let last = *answer.last().unwrap();
                    answer.push(last.wrapping_mul(2));
                    socket.send_to(&answer, from).await.unwrap();
                }
            }
        });
        address
    }

    fn query(id: u16, marker: u8) -> Vec<u8> {
        let mut query = vec![0u8; 12];
        query[..2].copy_from_slice(&id.to_be_bytes());
        query.push(marker);
        query
    }

    /// Concurrent queries, all under one client id and answered out of order, each get their own answer back under
    /// the client's id.
    #[tokio::test]
    async fn shared_sockets_match_each_answer_to_its_query() {
        let upstream = upstream(20, Duration::from_millis(20)).await;
        let forwarder = Arc::new(Forwarder::default());
        let asks: Vec<_> = (0..20u8)
            .map(|marker| {
                let forwarder = forwarder.clone();
                tokio::spawn(async move { forwarder.relay(&[upstream], &query(0x4242, marker), false, 512).await })
            })
            .collect();
        for (marker, ask) in asks.into_iter().enumerate() {
            let answer = ask.await.unwrap().expect("an answer");
            assert_eq!(answer[..2], [0x42, 0x42], "the client's id is restored");
            assert_eq!(
                answer[12..],
                [marker as u8, (marker as u8).wrapping_mul(2)],
                "query {marker} got its own answer"
            );
        }
        let lanes = forwarder.lanes_for(upstream).unwrap();
        assert!(lanes.iter().all(|lane| lane.waiting.lock().unwrap().is_empty()), "nothing is left waiting");
    }

    /// An answer under the right id from any other address than the upstream asked is ignored, and the query still
    /// gets the real one.
    #[tokio::test]
    async fn answers_from_elsewhere_are_ignored() {
        let upstream = upstream(1, Duration::from_millis(100)).await;
        let forwarder = Arc::new(Forwarder::default());
        let ask = {
            let forwarder = forwarder.clone();
            tokio::spawn(async move { forwarder.relay(&[upstream], &query(7, 1), false, 512).await })
        };
        // Answer first, from another address, under exactly the id the query went out under.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let spoofer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut spoofed = 0;
        for lane in forwarder.lanes_for(upstream).unwrap().iter() {
            let pending: Vec<u16> = lane.waiting.lock().unwrap().keys().copied().collect();
            for id in pending {
                let mut fake = query(id, 99);
                fake[2] |= 0x80;
                spoofer.send_to(&fake, lane.socket.local_addr().unwrap()).await.unwrap();
                spoofed += 1;
            }
        }
        assert_eq!(spoofed, 1, "the query was waiting on one lane");
        let answer = ask.await.unwrap().expect("an answer");
        assert_eq!(answer[12..], [1, 2], "the upstream's answer, not a spoofed one");
    }

    /// A target that refuses (nothing listens on its port) is given up at once, and the next target answers, well
    /// before the 2 s a silent target would cost.
    #[tokio::test]
    async fn a_refusing_target_is_skipped_without_waiting_for_the_timeout() {
        let refusing = {
            let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            socket.local_addr().unwrap()
        };
        let upstream = upstream(1, Duration::ZERO).await;
        let forwarder = Forwarder::default();
        let started = std::time::Instant::now();
        let answer = forwarder.relay(&[refusing, upstream], &query(9, 3), false, 512).await.expect("an answer");
        assert_eq!(answer[12..], [3, 6]);
        assert!(started.elapsed() < UPSTREAM_TIMEOUT, "the refusing target cost {:?}", started.elapsed());
    }
}
