//! Failed API-key exchanges counted per client address, so that nobody can guess API keys at the speed of the network.
//!
//! Only failures count: the CLI exchanges a key on every command and a test suite may run hundreds of them, so
//! limiting every exchange would hurt honest clients first. But once an address is over its limit, every exchange from
//! it is refused, a right key included, until its window ends: otherwise the guess that succeeds would still stand
//! out among the refused ones. (A general rate limiter such as `governor` counts every request and cannot look without
//! spending, which is why this small fixed-window counter is ours.)

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many addresses are tracked at most; past that, expired windows are dropped and, if that is not enough, the
/// oldest windows go first. Bounds the memory an attacker with many addresses can make us hold.
const MAX_TRACKED_ADDRESSES: usize = 100_000;

/// One address's failures in its current window.
#[derive(Clone, Copy, Debug)]
struct Window {
    started: Instant,
    failures: u32,
}

/// Counts failed exchanges per address in fixed windows.
#[derive(Debug)]
pub struct LoginThrottle {
    /// Failures allowed per window; 0 turns the throttle off.
    limit: u32,
    window: Duration,
    windows: Mutex<HashMap<IpAddr, Window>>,
}

impl LoginThrottle {
    /// A throttle allowing `limit` failures per `window` and address (`limit` 0: no limit).
    pub fn new(limit: u32, window: Duration) -> LoginThrottle {
        LoginThrottle { limit, window, windows: Mutex::new(HashMap::new()) }
    }

    /// `Err(wait)` while `address` has used up its failures: how long until its window ends.
    pub fn check(&self, address: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.limit == 0 {
            return Ok(());
        }
        let windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match windows.get(&client_of(address)) {
            Some(window) if window.failures >= self.limit => {
                let ends = window.started + self.window;
                if now < ends { Err(ends - now) } else { Ok(()) }
            }
            _ => Ok(()),
        }
    }

    /// Counts one failed exchange from `address`.
    pub fn record_failure(&self, address: IpAddr, now: Instant) {
        if self.limit == 0 {
            return;
        }
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let address = client_of(address);
        if windows.len() >= MAX_TRACKED_ADDRESSES && !windows.contains_key(&address) {
            windows.retain(|_, window| now.duration_since(window.started) < self.window);
            if windows.len() >= MAX_TRACKED_ADDRESSES {
                // Drop the oldest tenth at once, so that a flood of new addresses pays this pass once per ten
                // thousand of them rather than once each.
                let mut starts: Vec<Instant> = windows.values().map(|window| window.started).collect();
                let cut = starts.len() / 10;
                let (_, cutoff, _) = starts.select_nth_unstable(cut);
                let cutoff = *cutoff;
                windows.retain(|_, window| window.started > cutoff);
            }
        }
        let window = windows.entry(address).or_insert(Window { started: now, failures: 0 });
        if now.duration_since(window.started) >= self.window {
            *window = Window { started: now, failures: 0 };
        }
        window.failures = window.failures.saturating_add(1);
    }
}

/// The client an address stands for: an IPv4 address (also when written as IPv4-mapped IPv6), or an IPv6 /64, since
/// one IPv6 host commonly holds a whole /64 and could otherwise try from a fresh address every time.
fn client_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};
    use std::time::{Duration, Instant};

    use super::LoginThrottle;

    const ONE: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const TWO: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn an_address_is_refused_after_its_failures_until_its_window_ends() {
        let throttle = LoginThrottle::new(3, Duration::from_secs(60));
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(throttle.check(ONE, start), Ok(()));
            throttle.record_failure(ONE, start);
        }
        assert_eq!(throttle.check(ONE, start + Duration::from_secs(10)), Err(Duration::from_secs(50)));
        assert_eq!(throttle.check(TWO, start), Ok(()), "other addresses are not affected");
        assert_eq!(throttle.check(ONE, start + Duration::from_secs(60)), Ok(()));
        // A failure after the window starts a new one.
        throttle.record_failure(ONE, start + Duration::from_secs(61));
        assert_eq!(throttle.check(ONE, start + Duration::from_secs(61)), Ok(()));
    }

    #[test]
    fn an_ipv6_host_counts_as_its_64() {
        let throttle = LoginThrottle::new(2, Duration::from_secs(60));
        let now = Instant::now();
        throttle.record_failure("2001:db8:1:2::1".parse().unwrap(), now);
        throttle.record_failure("2001:db8:1:2::ffff".parse().unwrap(), now);
        assert!(throttle.check("2001:db8:1:2:abcd::9".parse().unwrap(), now).is_err());
        assert!(throttle.check("2001:db8:1:3::1".parse().unwrap(), now).is_ok());
        throttle.record_failure("::ffff:192.0.2.1".parse().unwrap(), now);
        throttle.record_failure(ONE, now);
        assert!(throttle.check(ONE, now).is_err(), "IPv4-mapped IPv6 is the IPv4 address");
    }

    #[test]
    fn a_limit_of_zero_never_refuses() {
        let throttle = LoginThrottle::new(0, Duration::from_secs(60));
        let now = Instant::now();
        for _ in 0..100 {
            throttle.record_failure(ONE, now);
        }
        assert_eq!(throttle.check(ONE, now), Ok(()));
    }

    #[test]
    fn tracked_addresses_stay_bounded() {
        let throttle = LoginThrottle::new(5, Duration::from_secs(60));
        let now = Instant::now();
        for n in 0..(super::MAX_TRACKED_ADDRESSES as u32 + 10) {
            throttle.record_failure(IpAddr::V4(Ipv4Addr::from(n)), now);
        }
        assert!(throttle.windows.lock().unwrap().len() <= super::MAX_TRACKED_ADDRESSES);
    }
}
