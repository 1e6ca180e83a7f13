//! The sign-in throttling rule (issue 14; docs/decisions.md), as pure functions over three
//! counters an attempt touches:
//!
//! - the name *from this client address*: five failures lock the name for that address for
//!   `WINDOW` after the last of them; attempts while locked are counted (and so keep it locked);
//! - the name from anywhere: beyond five failures each further attempt waits a delay that
//!   doubles from one second up to `NAME_MAX_DELAY`, so guessing from many addresses is slowed
//!   while the owner is never shut out for long;
//! - the client address across names (spraying): beyond twenty failures its attempts wait a
//!   delay that doubles up to `ADDRESS_MAX_DELAY`.
//!
//! A counter whose last failure is older than `WINDOW` counts nothing. An attempt is counted
//! as a failure *before* its password is checked (and uncounted when it proves right), so a
//! parallel burst cannot get more guesses than the rule gives.

use chrono::{DateTime, Duration, Utc};
use jumpup_store::sessions::ThrottleRow;

pub const WINDOW: Duration = Duration::minutes(15);
pub const PAIR_LIMIT: i64 = 5;
pub const NAME_FREE: i64 = 5;
pub const NAME_MAX_DELAY: Duration = Duration::seconds(60);
pub const ADDRESS_FREE: i64 = 20;
pub const ADDRESS_MAX_DELAY: Duration = Duration::minutes(15);
/// Registrations one client address may send within `WINDOW`.
pub const REGISTRATIONS_PER_ADDRESS: i64 = 5;

/// The counters' keys for an attempt on `name` from `address`, both as digests: the database
/// keeps neither a client address nor whatever was typed as a name. Digests have one length,
/// so one name's keys are never a prefix of another's.
#[derive(Debug)]
pub struct Keys {
    pub pair: String,
    pub name: String,
    pub address: String,
}

impl Keys {
    pub fn of(name: &str, address: &str) -> Keys {
        Keys {
            pair: format!("{}{}", pair_prefix(name), digest("address", address)),
            name: name_key(name),
            address: format!("addr:{}", digest("address", address)),
        }
    }
}

/// The prefix of every per-address counter of `name`.
pub fn pair_prefix(name: &str) -> String {
    format!("pair:{}:", digest("name", name))
}

pub fn name_key(name: &str) -> String {
    format!("name:{}", digest("name", name))
}

pub fn registration_key(address: &str) -> String {
    format!("register:{}", digest("address", address))
}

fn digest(kind: &str, text: &str) -> String {
    jumpup_domain::digest::sha256_hex(format!("jumpup-{kind}-v1:{text}").as_bytes())
        .chars()
        .take(32)
        .collect()
}

/// A counter as it stands at `now`: nothing once its last failure left the window.
pub fn current(row: Option<ThrottleRow>, now: DateTime<Utc>) -> Option<ThrottleRow> {
    row.filter(|r| r.last_at > now - WINDOW)
}

/// What an attempt may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Checked (and counted as a failure until the password proves right).
    Try,
    /// The name is locked for this address until then; the attempt is counted.
    Locked { until: DateTime<Utc> },
    /// Too soon after the last failure for this name or address: not heard, not counted.
    Wait { until: DateTime<Utc> },
}

/// Judges an attempt by its three counters (each as [`current`] gives it).
pub fn judge(
    pair: Option<ThrottleRow>,
    name: Option<ThrottleRow>,
    address: Option<ThrottleRow>,
    now: DateTime<Utc>,
) -> Verdict {
    if let Some(p) = pair
        && p.failures >= PAIR_LIMIT
    {
        return Verdict::Locked {
            until: now + WINDOW,
        };
    }
    let until = [name, address]
        .into_iter()
        .flatten()
        .map(|c| c.next_at)
        .max();
    match until {
        Some(until) if until > now => Verdict::Wait { until },
        _ => Verdict::Try,
    }
}

/// A counter with one more failure at `now`, its next attempt delayed by the doubling rule
/// once more than `free` failures stand.
pub fn count(
    row: Option<ThrottleRow>,
    now: DateTime<Utc>,
    free: i64,
    max_delay: Duration,
) -> ThrottleRow {
    let failures = row.map_or(0, |r| r.failures) + 1;
    ThrottleRow {
        failures,
        last_at: now,
        next_at: now + delay(failures, free, max_delay),
    }
}

/// The failure just counted taken back (the password proved right).
pub fn uncount(row: ThrottleRow) -> ThrottleRow {
    ThrottleRow {
        failures: (row.failures - 1).max(0),
        next_at: row.last_at,
        ..row
    }
}

fn delay(failures: i64, free: i64, max_delay: Duration) -> Duration {
    let beyond = failures - free;
    if beyond <= 0 {
        return Duration::zero();
    }
    // 1 s, 2 s, 4 s, ... (capped before the shift could overflow).
    let seconds = 1i64 << (beyond - 1).min(30);
    Duration::seconds(seconds).min(max_delay)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("a time")
    }

    #[test]
    fn five_failures_from_one_address_lock_the_name_there_and_attempts_while_locked_count() {
        let mut pair = None;
        for i in 0..5 {
            assert_eq!(judge(current(pair, at(i)), None, None, at(i)), Verdict::Try);
            pair = Some(count(pair, at(i), PAIR_LIMIT, WINDOW));
        }
        assert_eq!(
            judge(current(pair, at(10)), None, None, at(10)),
            Verdict::Locked {
                until: at(10) + WINDOW
            }
        );
        // Counted while locked, the lock runs from the latest attempt.
        pair = Some(count(pair, at(600), PAIR_LIMIT, WINDOW));
        let after_first = at(5 + 15 * 60);
        assert!(matches!(
            judge(current(pair, after_first), None, None, after_first),
            Verdict::Locked { .. }
        ));
        let later = at(601 + 15 * 60);
        assert_eq!(judge(current(pair, later), None, None, later), Verdict::Try);
    }

    #[test]
    fn a_name_guessed_from_many_addresses_waits_a_doubling_delay_up_to_a_minute() {
        let mut name = None;
        for i in 0..5 {
            name = Some(count(name, at(i), NAME_FREE, NAME_MAX_DELAY));
            assert_eq!(judge(None, name, None, at(i)), Verdict::Try, "free: {i}");
        }
        let delays: Vec<i64> = (0..9)
            .map(|i| {
                let now = at(100 * (i + 1));
                name = Some(count(name, now, NAME_FREE, NAME_MAX_DELAY));
                match judge(None, name, None, now) {
                    Verdict::Wait { until } => (until - now).num_seconds(),
                    other => panic!("{other:?}"),
                }
            })
            .collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn an_address_spraying_many_names_is_slowed_after_twenty_failures() {
        let mut address = None;
        for i in 0..20 {
            address = Some(count(address, at(i), ADDRESS_FREE, ADDRESS_MAX_DELAY));
        }
        assert_eq!(judge(None, None, address, at(20)), Verdict::Try);
        address = Some(count(address, at(20), ADDRESS_FREE, ADDRESS_MAX_DELAY));
        assert_eq!(
            judge(None, None, address, at(20)),
            Verdict::Wait { until: at(21) }
        );
        for i in 0..20 {
            address = Some(count(address, at(100 + i), ADDRESS_FREE, ADDRESS_MAX_DELAY));
        }
        match judge(None, None, address, at(120)) {
            Verdict::Wait { until } => assert_eq!(until - at(119), ADDRESS_MAX_DELAY),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_right_password_takes_its_counted_failure_back() {
        let counted = count(None, at(0), NAME_FREE, NAME_MAX_DELAY);
        assert_eq!(uncount(counted).failures, 0);
        assert_eq!(
            current(Some(counted), at(15 * 60)),
            None,
            "out of the window"
        );
    }
}
