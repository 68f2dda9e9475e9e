//! The DNS suite's processes: Knot and NSD set up to serve the zone file (one worker each, no response-rate
//! limiting), dnsperf, the CPU time a server process spent, and plain queries to check that servers agree.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RData, RecordType};

use super::world::ZONE;

/// A comparator process; killed on drop.
pub struct Comparator {
    child: Child,
    /// Where it answers.
    pub address: SocketAddr,
}

impl Comparator {
    /// Its process id (NSD's server processes are its children).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Comparator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on 127.0.0.1 for both UDP and TCP (the comparators need one given to them).
pub fn free_port() -> anyhow::Result<u16> {
    for _ in 0..20 {
        let udp = UdpSocket::bind("127.0.0.1:0")?;
        let port = udp.local_addr()?.port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    bail!("no port free for both UDP and TCP")
}

fn start(program: &str, args: &[&str], address: SocketAddr, cpu: u32, ready: &str) -> anyhow::Result<Comparator> {
    let child = Command::new("taskset")
        .args(["-c", &cpu.to_string(), program])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {program} (scripts/bench-setup installs Debian's knot, nsd and dnsperf)"))?;
    let comparator = Comparator { child, address };
    // Ready once it answers the zone's SOA.
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if ask(address, ready, RecordType::SOA).is_ok_and(|answer| answer.rcode == 0) {
            return Ok(comparator);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("{program} did not answer within 2 minutes")
}

/// knotd with one UDP and one TCP worker on `cpu`, serving the `zones` (zone, file); it is ready once the first
/// zone's SOA is answered.
pub fn knot(directory: &Path, zones: &[(String, PathBuf)], cpu: u32) -> anyhow::Result<Comparator> {
    let port = free_port()?;
    let mut config = format!(
        "server:\n  rundir: \"{dir}\"\n  user: root:root\n  listen: 127.0.0.1@{port}\n  udp-workers: 1\n  tcp-workers: 1\n  background-workers: 1\n\
         database:\n  storage: \"{dir}\"\n\
         log:\n  - target: stderr\n    any: warning\n\
         zone:\n",
        dir = directory.display(),
    );
    for (zone, file) in zones {
        config.push_str(&format!(
            "  - domain: {zone}.\n    file: \"{}\"\n    journal-content: none\n    zonefile-sync: -1\n",
            file.display()
        ));
    }
    let ready = zones.first().map_or(ZONE.to_owned(), |(zone, _)| zone.clone());
    let path = directory.join("knot.conf");
    std::fs::write(&path, config)?;
    start("knotd", &["-c", &path.display().to_string()], SocketAddr::from((Ipv4Addr::LOCALHOST, port)), cpu, &ready)
}

/// nsd with one server process on `cpu`, serving the `zones` (zone, file), with response-rate limiting off (it is on
/// by default and cuts a mixed load to about a thousand answers per second).
pub fn nsd(directory: &Path, zones: &[(String, PathBuf)], cpu: u32) -> anyhow::Result<Comparator> {
    let port = free_port()?;
    let mut config = format!(
        "server:\n  ip-address: 127.0.0.1@{port}\n  server-count: 1\n  username: \"\"\n  database: \"\"\n  zonesdir: \"{dir}\"\n\
         \x20 pidfile: \"{dir}/nsd.pid\"\n  xfrdfile: \"{dir}/xfrd.state\"\n  zonelistfile: \"{dir}/zone.list\"\n\
         \x20 xfrdir: \"{dir}\"\n  rrl-ratelimit: 0\n  rrl-whitelist-ratelimit: 0\n  verbosity: 0\n\
         remote-control:\n  control-enable: no\n",
        dir = directory.display(),
    );
    for (zone, file) in zones {
        config.push_str(&format!("zone:\n  name: {zone}\n  zonefile: \"{}\"\n", file.display()));
    }
    let ready = zones.first().map_or(ZONE.to_owned(), |(zone, _)| zone.clone());
    let path = directory.join("nsd.conf");
    std::fs::write(&path, config)?;
    start("nsd", &["-d", "-c", &path.display().to_string()], SocketAddr::from((Ipv4Addr::LOCALHOST, port)), cpu, &ready)
}

/// CPU time (user and system) of a process and of every process below it, in seconds (NSD's first process becomes
/// its zone-transfer daemon, whose child forks the server process).
pub fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    // The clock-tick rate of /proc's times, asked of `getconf` once per process.
    static TICKS_PER_SECOND: std::sync::OnceLock<Option<f64>> = std::sync::OnceLock::new();
    let ticks_per_second = TICKS_PER_SECOND
        .get_or_init(|| {
            let output = Command::new("getconf").arg("CLK_TCK").output().ok()?;
            String::from_utf8_lossy(&output.stdout).trim().parse().ok()
        })
        .context("`getconf CLK_TCK` gave no clock-tick rate")?;
    // Fields after the `)` that ends the process name (which may hold spaces): state is the 1st, ppid the 2nd,
    // utime the 12th and stime the 13th.
    let fields = |stat: &str| -> Option<(u32, u64)> {
        let rest = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        Some((
            fields.get(1)?.parse().ok()?,
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?,
        ))
    };
    let mut processes: Vec<(u32, u32, u64)> = Vec::new();
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Ok(process) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        if let Some((parent, used)) = fields(&stat) {
            processes.push((process, parent, used));
        }
    }
    let mut tree = vec![pid];
    let mut ticks = 0;
    while let Some(process) = tree.pop() {
        for &(other, parent, used) in &processes {
            if other == process {
                ticks += used;
            }
            if parent == process {
                tree.push(other);
            }
        }
    }
    Ok(ticks as f64 / ticks_per_second)
}

/// What dnsperf reported.
#[derive(Clone, Copy, Debug, Default)]
pub struct Load {
    /// Queries answered.
    pub completed: f64,
    /// Queries lost.
    pub lost: f64,
    /// Answered per second.
    pub qps: f64,
}

impl Load {
    /// Several dnsperf processes run at once, as one load.
    pub fn sum(loads: &[Load]) -> Load {
        loads.iter().fold(Load::default(), |total, load| Load {
            completed: total.completed + load.completed,
            lost: total.lost + load.lost,
            qps: total.qps + load.qps,
        })
    }
}

fn parse_dnsperf(output: &str) -> anyhow::Result<Load> {
    let number = |label: &str| -> anyhow::Result<f64> {
        let line = output
            .lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .with_context(|| format!("dnsperf printed no `{label}`: {output}"))?;
        Ok(line.split_whitespace().next().unwrap_or_default().parse()?)
    };
    Ok(Load {
        completed: number("Queries completed:")?,
        lost: number("Queries lost:")?,
        qps: number("Queries per second:")?,
    })
}

/// One dnsperf run on `cpu`: `clients` clients with `outstanding` queries in flight, for `seconds`.
pub struct Run<'a> {
    pub server: SocketAddr,
    pub queries: &'a Path,
    pub tcp: bool,
    pub clients: u32,
    pub outstanding: u32,
    pub seconds: u32,
}

impl Run<'_> {
    fn command(&self, cpu: u32) -> Command {
        let mut command = Command::new("timeout");
        command
            .arg((self.seconds + 30).to_string())
            .args(["taskset", "-c", &cpu.to_string(), "dnsperf", "-s"])
            .arg(self.server.ip().to_string())
            .args(["-p", &self.server.port().to_string(), "-d"])
            .arg(self.queries)
            .args(["-l", &self.seconds.to_string(), "-c", &self.clients.to_string()])
            .args(["-q", &self.outstanding.to_string()]);
        if self.tcp {
            command.args(["-m", "tcp"]);
        }
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        command
    }
}

/// Runs dnsperf processes at once on `cpu` and returns each one's figures.
pub fn dnsperf(runs: &[Run], cpu: u32) -> anyhow::Result<Vec<Load>> {
    let children: Vec<Child> = runs
        .iter()
        .map(|run| run.command(cpu).spawn().context("running dnsperf (scripts/bench-setup installs Debian's dnsperf)"))
        .collect::<Result<_, _>>()?;
    children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output()?;
            if !output.status.success() {
                bail!("dnsperf failed: {}", String::from_utf8_lossy(&output.stderr));
            }
            parse_dnsperf(&String::from_utf8_lossy(&output.stdout))
        })
        .collect()
}

/// An answer, reduced to what must agree between servers: the response code and the A addresses, sorted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub rcode: u16,
    pub addresses: Vec<Ipv4Addr>,
}

/// Asks one question over UDP.
pub fn ask(server: SocketAddr, name: &str, kind: RecordType) -> anyhow::Result<Answer> {
    let mut message = Message::new(0x5ead, MessageType::Query, OpCode::Query);
    message.add_query(Query::query(Name::from_ascii(format!("{name}."))?, kind));
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    socket.set_read_timeout(Some(Duration::from_secs(2)))?;
    socket.send_to(&message.to_vec()?, server)?;
    let mut buffer = [0u8; 4096];
    let (length, _) = socket.recv_from(&mut buffer)?;
    let reply = Message::from_vec(&buffer[..length])?;
    let mut addresses: Vec<Ipv4Addr> =
        reply.answers.iter().filter_map(|r| if let RData::A(a) = &r.data { Some(a.0) } else { None }).collect();
    addresses.sort_unstable();
    Ok(Answer { rcode: u16::from(reply.metadata.response_code), addresses })
}
