//! Values in IBM's wire formats: timestamps and hrefs.

use hubspoke_iam::Timestamp;
use time::OffsetDateTime;
use time::macros::format_description;

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, UTC, as IBM's policy service writes its timestamps.
pub fn timestamp(at: Timestamp) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at.0) * 1_000_000)
        .ok()
        .and_then(|moment| moment.format(&format).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_millisecond_precision() {
        assert_eq!(timestamp(Timestamp(1_729_182_616_501)), "2024-10-17T16:30:16.501Z");
        assert_eq!(timestamp(Timestamp(0)), "1970-01-01T00:00:00.000Z");
    }
}
