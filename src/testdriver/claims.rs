//! Device leases: who holds which test device, until when. Pure bookkeeping over a clock
//! value, so expiry, exclusivity and races are unit-tested without sleeping.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

/// A held lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub claimer_name: String,
    pub claimer_cn: Option<String>,
    pub duration: Duration,
    pub until: DateTime<Utc>,
}

impl Claim {
    /// Without client certificates (plain TLS) every caller counts as the holder.
    fn held_by(&self, caller_cn: Option<&str>) -> bool {
        match (self.claimer_cn.as_deref(), caller_cn) {
            (Some(held), Some(caller)) => held == caller,
            _ => true,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum ClaimError {
    UnknownDevice,
    /// Held by someone else and not expired.
    AlreadyClaimed,
    /// Not claimed (any more) by the caller.
    NotClaimed,
    /// Claimed with another client certificate.
    WrongClaimer,
    InvalidDuration,
}

/// All leases of one API. Callers hold it behind one mutex: every decision is atomic.
#[derive(Debug, Default)]
pub struct Leases {
    claims: HashMap<i64, Claim>,
    known: Vec<i64>,
}

/// Shortest lease the contract allows (`claimFor` ≥ 60 s).
pub const MIN_CLAIM_SECS: i64 = 60;

impl Leases {
    pub fn new(device_ids: impl IntoIterator<Item = i64>) -> Self {
        Self {
            claims: HashMap::new(),
            known: device_ids.into_iter().collect(),
        }
    }

    /// The live lease of a device, if any.
    pub fn current(&self, id: i64, now: DateTime<Utc>) -> Option<&Claim> {
        self.claims.get(&id).filter(|c| c.until > now)
    }

    pub fn claim(
        &mut self,
        id: i64,
        claimer_name: &str,
        claimer_cn: Option<&str>,
        secs: i64,
        now: DateTime<Utc>,
    ) -> Result<Claim, ClaimError> {
        if !self.known.contains(&id) {
            return Err(ClaimError::UnknownDevice);
        }
        if secs < MIN_CLAIM_SECS {
            return Err(ClaimError::InvalidDuration);
        }
        if self.current(id, now).is_some() {
            return Err(ClaimError::AlreadyClaimed);
        }
        let duration = Duration::seconds(secs);
        let claim = Claim {
            claimer_name: claimer_name.to_string(),
            claimer_cn: claimer_cn.map(String::from),
            duration,
            until: now + duration,
        };
        self.claims.insert(id, claim.clone());
        Ok(claim)
    }

    /// Every call under `/devices/{id}/…` extends the lease. A lease that ran out but that
    /// nobody else took is still the caller's: a slow scenario must not lose its device.
    pub fn touch(&mut self, id: i64, caller_cn: Option<&str>, now: DateTime<Utc>) -> Result<Claim, ClaimError> {
        if !self.known.contains(&id) {
            return Err(ClaimError::UnknownDevice);
        }
        let claim = self.claims.get_mut(&id).ok_or(ClaimError::NotClaimed)?;
        if !claim.held_by(caller_cn) {
            return Err(ClaimError::WrongClaimer);
        }
        claim.until = now + claim.duration;
        Ok(claim.clone())
    }

    pub fn unclaim(&mut self, id: i64, caller_cn: Option<&str>) -> Result<(), ClaimError> {
        if !self.known.contains(&id) {
            return Err(ClaimError::UnknownDevice);
        }
        if self.claims.get(&id).is_some_and(|c| !c.held_by(caller_cn)) {
            return Err(ClaimError::WrongClaimer);
        }
        self.claims.remove(&id);
        Ok(())
    }

    /// Devices nobody holds right now (cleanUp may reset these).
    pub fn free(&self, now: DateTime<Utc>) -> Vec<i64> {
        self.known
            .iter()
            .copied()
            .filter(|id| self.current(*id, now).is_none())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn a_claim_is_exclusive_until_it_expires() {
        let mut l = Leases::new([1]);
        l.claim(1, "a", None, 60, t0()).unwrap();
        assert_eq!(
            l.claim(1, "b", None, 60, t0() + Duration::seconds(59)),
            Err(ClaimError::AlreadyClaimed)
        );
        let c = l.claim(1, "b", None, 60, t0() + Duration::seconds(61)).unwrap();
        assert_eq!(c.claimer_name, "b");
    }

    #[test]
    fn every_call_extends_the_lease() {
        let mut l = Leases::new([1]);
        l.claim(1, "a", None, 60, t0()).unwrap();
        let c = l.touch(1, None, t0() + Duration::seconds(50)).unwrap();
        assert_eq!(c.until, t0() + Duration::seconds(110));
        assert!(l.current(1, t0() + Duration::seconds(100)).is_some());
    }

    #[test]
    fn an_expired_lease_nobody_took_still_belongs_to_the_caller() {
        let mut l = Leases::new([1]);
        l.claim(1, "a", None, 60, t0()).unwrap();
        assert!(l.free(t0() + Duration::seconds(61)).contains(&1));
        assert!(l.touch(1, None, t0() + Duration::seconds(61)).is_ok());
    }

    #[test]
    fn another_client_certificate_cannot_use_or_release_the_device() {
        let mut l = Leases::new([1]);
        l.claim(1, "a", Some("vendor A"), 60, t0()).unwrap();
        assert_eq!(l.touch(1, Some("vendor B"), t0()), Err(ClaimError::WrongClaimer));
        assert_eq!(l.unclaim(1, Some("vendor B")), Err(ClaimError::WrongClaimer));
        assert!(l.unclaim(1, Some("vendor A")).is_ok());
    }

    #[test]
    fn unknown_devices_and_short_leases_are_refused() {
        let mut l = Leases::new([1]);
        assert_eq!(l.claim(2, "a", None, 60, t0()), Err(ClaimError::UnknownDevice));
        assert_eq!(l.claim(1, "a", None, 59, t0()), Err(ClaimError::InvalidDuration));
        assert_eq!(l.touch(1, None, t0()), Err(ClaimError::NotClaimed));
    }

    #[test]
    fn concurrent_claimers_get_the_device_exactly_once() {
        let leases = std::sync::Arc::new(std::sync::Mutex::new(Leases::new([1])));
        let winners: usize = (0..16)
            .map(|i| {
                let leases = leases.clone();
                std::thread::spawn(move || {
                    leases
                        .lock()
                        .unwrap()
                        .claim(1, &format!("c{i}"), None, 60, t0())
                        .is_ok()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum();
        assert_eq!(winners, 1);
    }
}
