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
    /// When each released device was given back.
    released: HashMap<i64, DateTime<Utc>>,
}

/// Shortest lease the contract allows (`claimFor` ≥ 60 s).
pub const MIN_CLAIM_SECS: i64 = 60;

impl Leases {
    pub fn new(device_ids: impl IntoIterator<Item = i64>) -> Self {
        Self {
            claims: HashMap::new(),
            known: device_ids.into_iter().collect(),
            released: HashMap::new(),
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

    pub fn unclaim(&mut self, id: i64, caller_cn: Option<&str>, now: DateTime<Utc>) -> Result<(), ClaimError> {
        if !self.known.contains(&id) {
            return Err(ClaimError::UnknownDevice);
        }
        if self.claims.get(&id).is_some_and(|c| !c.held_by(caller_cn)) {
            return Err(ClaimError::WrongClaimer);
        }
        if let Some(claim) = self.claims.remove(&id) {
            self.released.insert(id, claim.until.min(now));
        }
        Ok(())
    }

    /// Since when a free device is free: the end of its last lease, if it had one since the
    /// driver started.
    pub fn free_since(&self, id: i64) -> Option<DateTime<Utc>> {
        self.claims
            .get(&id)
            .map(|c| c.until)
            .or_else(|| self.released.get(&id).copied())
    }

    /// Every lease on record, live or run out (see [`Leases::touch`]), for saving.
    pub fn all(&self) -> impl Iterator<Item = (i64, &Claim)> {
        self.claims.iter().map(|(id, c)| (*id, c))
    }

    /// Takes back saved leases: those of known devices that have not expired.
    pub fn restore(&mut self, saved: impl IntoIterator<Item = (i64, Claim)>, now: DateTime<Utc>) -> usize {
        let before = self.claims.len();
        for (id, claim) in saved {
            if self.known.contains(&id) && claim.until > now {
                self.claims.insert(id, claim);
            }
        }
        self.claims.len() - before
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
        assert_eq!(l.unclaim(1, Some("vendor B"), t0()), Err(ClaimError::WrongClaimer));
        assert!(l.unclaim(1, Some("vendor A"), t0()).is_ok());
    }

    #[test]
    fn restored_leases_keep_their_holder_until_they_expire() {
        let mut saved = Leases::new([1, 2]);
        saved.claim(1, "suite", Some("tiger"), 60, t0()).unwrap();
        saved.claim(2, "suite", None, 600, t0()).unwrap();
        let stored: Vec<(i64, Claim)> = saved.all().map(|(id, c)| (id, c.clone())).collect();

        let mut restarted = Leases::new([1, 2]);
        let later = t0() + Duration::seconds(120);
        assert_eq!(restarted.restore(stored, later), 1, "only the unexpired lease");
        assert_eq!(restarted.free(later), vec![1]);
        assert_eq!(
            restarted.touch(2, None, later).map(|c| c.claimer_name),
            Ok("suite".to_string())
        );
    }

    #[test]
    fn a_free_device_knows_since_when_it_is_free() {
        let mut l = Leases::new([1, 2, 3]);
        l.claim(1, "suite", None, 60, t0()).unwrap();
        l.claim(2, "suite", None, 600, t0()).unwrap();
        l.unclaim(2, None, t0() + Duration::seconds(30)).unwrap();
        assert_eq!(l.free_since(1), Some(t0() + Duration::seconds(60)), "expired");
        assert_eq!(l.free_since(2), Some(t0() + Duration::seconds(30)), "released");
        assert_eq!(l.free_since(3), None, "never claimed");
    }

    #[test]
    fn restoring_ignores_devices_that_are_no_longer_configured() {
        let mut saved = Leases::new([7]);
        saved.claim(7, "suite", None, 600, t0()).unwrap();
        let stored: Vec<(i64, Claim)> = saved.all().map(|(id, c)| (id, c.clone())).collect();
        assert_eq!(Leases::new([1]).restore(stored, t0()), 0);
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
