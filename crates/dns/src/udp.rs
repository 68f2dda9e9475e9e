//! Datagrams in batches: on Linux one `recvmmsg` takes in up to [`BATCH`] queries and one `sendmmsg` sends their
//! answers, where a datagram at a time costs two system calls per query (most of a query's CPU under load was the
//! kernel's per-call path; BENCHMARKS.md). Elsewhere the same interface moves one datagram per call.

use std::io;
use std::net::SocketAddr;

use tokio::io::Interest;
use tokio::net::UdpSocket;

/// Most datagrams moved by one call.
pub const BATCH: usize = 32;
/// Room for one query. DNS queries over UDP are a few hundred bytes; a longer datagram is cut here and then answered
/// FORMERR like any other malformed query.
const DATAGRAM: usize = 4096;

/// Receive buffers for one worker, reused for every batch.
pub struct Received {
    buffers: Vec<[u8; DATAGRAM]>,
    lengths: [usize; BATCH],
    peers: [Option<SocketAddr>; BATCH],
    count: usize,
}

impl Received {
    pub fn new() -> Received {
        Received { buffers: vec![[0; DATAGRAM]; BATCH], lengths: [0; BATCH], peers: [None; BATCH], count: 0 }
    }

    /// The datagrams of the last batch with their senders (datagrams from a sender hubspoke cannot answer, such as a
    /// non-IP address, are left out).
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], SocketAddr)> {
        (0..self.count).filter_map(|n| Some((&self.buffers[n][..self.lengths[n]], self.peers[n]?)))
    }

    /// Waits for datagrams and takes in as many as are queued, up to [`BATCH`].
    pub async fn receive(&mut self, socket: &UdpSocket) -> io::Result<usize> {
        loop {
            socket.readable().await?;
            match socket.try_io(Interest::READABLE, || self.receive_now(socket)) {
                Ok(count) => {
                    self.count = count;
                    return Ok(count);
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => continue,
                Err(error) => return Err(error),
            }
        }
    }

    #[cfg(target_os = "linux")]
    fn receive_now(&mut self, socket: &UdpSocket) -> io::Result<usize> {
        use std::os::fd::AsRawFd;
        // SAFETY: every pointer handed to the kernel points into arrays that live until the call returns: `iovecs`
        // into `self.buffers` (DATAGRAM bytes each), `names` into `addresses`; the kernel writes at most `msg_len`
        // bytes to each buffer and at most `msg_namelen` bytes to each address.
        unsafe {
            let mut addresses: [libc::sockaddr_storage; BATCH] = std::mem::zeroed();
            let mut iovecs: [libc::iovec; BATCH] = std::mem::zeroed();
            let mut headers: [libc::mmsghdr; BATCH] = std::mem::zeroed();
            for n in 0..BATCH {
                iovecs[n] = libc::iovec { iov_base: self.buffers[n].as_mut_ptr().cast(), iov_len: DATAGRAM };
                headers[n].msg_hdr.msg_name = (&raw mut addresses[n]).cast();
                headers[n].msg_hdr.msg_namelen = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
                headers[n].msg_hdr.msg_iov = &raw mut iovecs[n];
                headers[n].msg_hdr.msg_iovlen = 1;
            }
            let received = libc::recvmmsg(
                socket.as_raw_fd(),
                headers.as_mut_ptr(),
                BATCH as libc::c_uint,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            );
            if received < 0 {
                return Err(io::Error::last_os_error());
            }
            let received = received as usize;
            for n in 0..received {
                self.lengths[n] = (headers[n].msg_len as usize).min(DATAGRAM);
                self.peers[n] = socket_address(&addresses[n]);
            }
            Ok(received)
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn receive_now(&mut self, socket: &UdpSocket) -> io::Result<usize> {
        let (length, peer) = socket.try_recv_from(&mut self.buffers[0])?;
        self.lengths[0] = length;
        self.peers[0] = Some(peer);
        Ok(1)
    }
}

impl Default for Received {
    fn default() -> Self {
        Received::new()
    }
}

/// The sender's address as the kernel wrote it.
#[cfg(target_os = "linux")]
fn socket_address(storage: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match i32::from(storage.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a `sockaddr_in`, which is smaller and less aligned.
            let address = unsafe { &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = std::net::Ipv4Addr::from(u32::from_be(address.sin_addr.s_addr));
            Some(SocketAddr::from((ip, u16::from_be(address.sin_port))))
        }
        libc::AF_INET6 => {
            // SAFETY: as above, for `sockaddr_in6`.
            let address = unsafe { &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            let ip = std::net::Ipv6Addr::from(address.sin6_addr.s6_addr);
            Some(SocketAddr::from((ip, u16::from_be(address.sin6_port))))
        }
        _ => None,
    }
}

/// Sends every answer, as many per call as the kernel takes. An answer the kernel refuses outright (the peer's port
/// was unreachable before, say) is dropped, as a single `send_to` would have dropped it.
pub async fn send_all(socket: &UdpSocket, answers: &[(SocketAddr, Vec<u8>)]) {
    let mut sent = 0;
    while sent < answers.len() {
        match socket.try_io(Interest::WRITABLE, || send_now(socket, &answers[sent..])) {
            Ok(count) => sent += count.max(1),
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                if socket.writable().await.is_err() {
                    return;
                }
            }
            Err(_) => sent += 1,
        }
    }
}

#[cfg(target_os = "linux")]
fn send_now(socket: &UdpSocket, answers: &[(SocketAddr, Vec<u8>)]) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    let count = answers.len().min(BATCH);
    // SAFETY: the headers point into `addresses`, `iovecs` and the answers' own buffers, all alive and unchanged
    // until the call returns; the kernel only reads them.
    unsafe {
        let mut addresses: [libc::sockaddr_storage; BATCH] = std::mem::zeroed();
        let mut iovecs: [libc::iovec; BATCH] = std::mem::zeroed();
        let mut headers: [libc::mmsghdr; BATCH] = std::mem::zeroed();
        for (n, (peer, bytes)) in answers[..count].iter().enumerate() {
            let length = write_address(*peer, &mut addresses[n]);
            iovecs[n] = libc::iovec { iov_base: bytes.as_ptr() as *mut libc::c_void, iov_len: bytes.len() };
            headers[n].msg_hdr.msg_name = (&raw mut addresses[n]).cast();
            headers[n].msg_hdr.msg_namelen = length;
            headers[n].msg_hdr.msg_iov = &raw mut iovecs[n];
            headers[n].msg_hdr.msg_iovlen = 1;
        }
        let sent = libc::sendmmsg(socket.as_raw_fd(), headers.as_mut_ptr(), count as libc::c_uint, libc::MSG_DONTWAIT);
        if sent < 0 { Err(io::Error::last_os_error()) } else { Ok(sent as usize) }
    }
}

/// Writes `peer` into `storage` as a `sockaddr_in` or `sockaddr_in6`; returns its length.
#[cfg(target_os = "linux")]
fn write_address(peer: SocketAddr, storage: &mut libc::sockaddr_storage) -> libc::socklen_t {
    match peer {
        SocketAddr::V4(v4) => {
            // SAFETY: `sockaddr_storage` is large and aligned enough for any socket address.
            let address = unsafe { &mut *(storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            address.sin_family = libc::AF_INET as libc::sa_family_t;
            address.sin_port = v4.port().to_be();
            address.sin_addr = libc::in_addr { s_addr: u32::from(*v4.ip()).to_be() };
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t
        }
        SocketAddr::V6(v6) => {
            // SAFETY: as above.
            let address = unsafe { &mut *(storage as *mut libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            address.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            address.sin6_port = v6.port().to_be();
            address.sin6_addr = libc::in6_addr { s6_addr: v6.ip().octets() };
            address.sin6_flowinfo = v6.flowinfo();
            address.sin6_scope_id = v6.scope_id();
            std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn send_now(socket: &UdpSocket, answers: &[(SocketAddr, Vec<u8>)]) -> io::Result<usize> {
    let (peer, bytes) = &answers[0];
    socket.try_send_to(bytes, *peer).map(|_| 1)
}
