//! The most recent requests, kept in memory for the status page: a bounded ring, so a
//! suite run of many thousand requests costs the same memory as a short rehearsal.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

/// One finished request. Path only: query strings and bodies are never kept, so no secret
/// (password, token, recovery key) can reach the page.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// RFC 3339, UTC, milliseconds.
    pub time: String,
    pub transaction_id: String,
    pub api: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

pub struct RecentRequests {
    capacity: usize,
    ring: Mutex<VecDeque<RequestRecord>>,
}

/// Enough for several scenarios of a rehearsal, small enough to render at once.
pub const DEFAULT_CAPACITY: usize = 1000;

impl RecentRequests {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            ring: Mutex::new(VecDeque::with_capacity(capacity.max(1))),
        }
    }

    pub fn push(&self, record: RequestRecord) {
        let mut ring = self.ring.lock().expect("request ring lock");
        if ring.len() == self.capacity {
            ring.pop_front();
        }
        ring.push_back(record);
    }

    /// Oldest first; only those of `transaction_id` when given.
    pub fn list(&self, transaction_id: Option<&str>) -> Vec<RequestRecord> {
        let ring = self.ring.lock().expect("request ring lock");
        ring.iter()
            .filter(|r| transaction_id.is_none_or(|t| r.transaction_id == t))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u16, transaction_id: &str) -> RequestRecord {
        RequestRecord {
            time: format!("t{n}"),
            transaction_id: transaction_id.into(),
            api: "hs1-pro".into(),
            method: "GET".into(),
            path: "/hs1-pro/devices".into(),
            status: n,
            duration_ms: 1,
            error_code: None,
        }
    }

    #[test]
    fn keeps_only_the_newest_requests() {
        let recent = RecentRequests::new(3);
        for n in 1..=5 {
            recent.push(record(n, "a"));
        }
        let statuses: Vec<u16> = recent.list(None).iter().map(|r| r.status).collect();
        assert_eq!(statuses, [3, 4, 5]);
    }

    #[test]
    fn filters_by_transaction_id() {
        let recent = RecentRequests::new(10);
        recent.push(record(1, "@TCID:A"));
        recent.push(record(2, "@TCID:B"));
        recent.push(record(3, "@TCID:A"));
        let statuses: Vec<u16> = recent.list(Some("@TCID:A")).iter().map(|r| r.status).collect();
        assert_eq!(statuses, [1, 3]);
        assert!(recent.list(Some("@TCID:C")).is_empty());
    }
}
