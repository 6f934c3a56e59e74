//! What a process holds, read from /proc: the resources a leak shows up in.

use std::fmt;

/// One reading of a process's open files, resident memory, threads and CPU time.
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    pub fds: usize,
    pub rss_kib: u64,
    pub threads: u64,
    /// User + system CPU time in clock ticks (1/100 s on Linux).
    pub cpu_ticks: u64,
}

impl Usage {
    pub fn of(pid: u32) -> std::io::Result<Usage> {
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))?.count();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // Fields after the command name (which may contain spaces) are space-separated;
        // utime and stime are fields 14 and 15 of the whole line.
        let after_comm = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
        let fields: Vec<&str> = after_comm.split_whitespace().collect();
        let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        Ok(Usage {
            fds,
            rss_kib: field("VmRSS:"),
            threads: field("Threads:"),
            cpu_ticks: tick(11) + tick(12),
        })
    }

    pub fn rss_mib(&self) -> f64 {
        self.rss_kib as f64 / 1024.0
    }
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} fds, {:.1} MiB RSS, {} threads",
            self.fds,
            self.rss_mib(),
            self.threads
        )
    }
}

/// Clock ticks per second of /proc's CPU times (USER_HZ, 100 on every Linux ABI in use).
pub const TICKS_PER_SEC: f64 = 100.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_own_process() {
        let u = Usage::of(std::process::id()).expect("own /proc entry");
        assert!(u.fds >= 3, "stdin/out/err at least: {u}");
        assert!(u.rss_kib > 0 && u.threads >= 1, "{u}");
    }
}
