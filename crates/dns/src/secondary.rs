//! Secondary zones: the copy of a zone a custom resolver transfers from its primaries (AXFR over TCP), kept in the
//! data plane and never in the VPC world.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::zone::Zone;

/// The state of one secondary zone's copy.
#[derive(Clone, Debug, Default)]
pub struct Transferred {
    /// The last copy transferred, if any transfer ever succeeded.
    pub zone: Option<Arc<Zone>>,
    /// The primary the copy came from.
    pub from: Option<SocketAddr>,
    /// When the copy was taken.
    pub at: Option<SystemTime>,
    /// Why the last attempt failed, when it did (the previous copy, if any, is still served).
    pub error: Option<String>,
}

impl Transferred {
    /// The copy's SOA serial.
    pub fn serial(&self) -> Option<u32> {
        match self.zone.as_ref()?.soa.as_ref().map(|soa| &soa.data) {
            Some(RData::SOA(soa)) => Some(soa.serial),
            _ => None,
        }
    }

    /// How long to wait before the next transfer: the SOA's refresh after a success, its retry after a failure,
    /// each kept between 5 seconds and an hour.
    pub fn next_in(&self) -> Duration {
        let (refresh, retry) = match self.zone.as_ref().and_then(|zone| zone.soa.as_ref()).map(|soa| &soa.data) {
            Some(RData::SOA(soa)) => (soa.refresh, soa.retry),
            _ => (3600, 30),
        };
        let seconds = if self.error.is_some() { retry } else { refresh };
        Duration::from_secs(u64::try_from(seconds).unwrap_or(30).clamp(5, 3600))
    }
}

/// Why a transfer failed.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The primary could not be reached or the connection broke.
    #[error("cannot transfer from `{0}`: {1}")]
    Io(SocketAddr, std::io::Error),
    /// The primary took too long.
    #[error("transfer from `{0}` timed out")]
    Timeout(SocketAddr),
    /// The primary refused or sent something that is not a zone transfer.
    #[error("transfer from `{0}` failed: {1}")]
    Protocol(SocketAddr, String),
    /// No primary is configured.
    #[error("no primary to transfer from")]
    NoPrimary,
}

/// How long one transfer may take.
const TRANSFER_TIMEOUT: Duration = Duration::from_secs(10);

/// Transfers `zone` from the first of `primaries` that serves it.
pub async fn transfer(id: &str, zone: &str, primaries: &[SocketAddr]) -> Result<(Zone, SocketAddr), TransferError> {
    let mut last = TransferError::NoPrimary;
    for primary in primaries {
        match tokio::time::timeout(TRANSFER_TIMEOUT, axfr(zone, *primary)).await {
            Ok(Ok(records)) => return Ok((Zone::transferred(zone, id, records), *primary)),
            Ok(Err(error)) => last = error,
            Err(_) => last = TransferError::Timeout(*primary),
        }
    }
    Err(last)
}

/// One AXFR (RFC 5936): the query over TCP, then messages until the closing SOA.
async fn axfr(zone: &str, primary: SocketAddr) -> Result<Vec<Record>, TransferError> {
    let io = |error| TransferError::Io(primary, error);
    let protocol = |text: String| TransferError::Protocol(primary, text);
    let apex = Name::from_ascii(format!("{}.", zone.trim_end_matches('.')))
        .map_err(|error| protocol(format!("`{zone}` is not a zone name: {error}")))?;
    let id = (SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos()) & 0xffff) as u16;
    let mut query = Message::new(id, MessageType::Query, OpCode::Query);
    query.add_query(Query::query(apex.clone(), RecordType::AXFR));
    let bytes = query.to_vec().map_err(|error| protocol(error.to_string()))?;
    let mut stream = TcpStream::connect(primary).await.map_err(io)?;
    let mut framed = (bytes.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&bytes);
    stream.write_all(&framed).await.map_err(io)?;
    let mut records: Vec<Record> = Vec::new();
    let mut soas = 0;
    while soas < 2 {
        let length = stream.read_u16().await.map_err(io)? as usize;
        let mut buffer = vec![0u8; length];
        stream.read_exact(&mut buffer).await.map_err(io)?;
        let message = Message::from_vec(&buffer).map_err(|error| protocol(error.to_string()))?;
        if message.metadata.id != id {
            return Err(protocol("an answer to another query".into()));
        }
        if message.metadata.response_code != ResponseCode::NoError {
            return Err(protocol(format!("the primary answered {}", message.metadata.response_code)));
        }
        if message.answers.is_empty() {
            return Err(protocol("an empty transfer message".into()));
        }
        for record in message.answers {
            if record.record_type() == RecordType::SOA {
                if records.is_empty() && record.name != apex {
                    return Err(protocol(format!("the transfer starts with the SOA of `{}`", record.name)));
                }
                soas += 1;
                // The closing SOA repeats the first; only the first is kept.
                if soas == 2 {
                    break;
                }
            } else if soas == 0 {
                return Err(protocol("the transfer does not start with an SOA".into()));
            }
            records.push(record);
        }
    }
    Ok(records)
}
