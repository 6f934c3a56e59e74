//! The other clients measured beside the driver in the same run, each its own process that
//! answers "local TEXT" / "fed TEXT" on stdin with the delivery time in milliseconds: the
//! core itself with a message callback (`tim-core-peer`) and matrix-nio with E2EE
//! (`scripts/nio_bench_peer.py`), an independent client.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use crate::BenchResult;

/// How long a peer may take to log in its three clients and set up its two rooms.
const READY_WITHIN: Duration = Duration::from_secs(180);
const ANSWER_WITHIN: Duration = Duration::from_secs(30);

pub struct Peer {
    name: &'static str,
    child: Child,
    stdin: ChildStdin,
    answers: Lines<BufReader<ChildStdout>>,
}

impl Peer {
    /// Starts `program args`, its passwords in `env` (never on the command line), its stderr
    /// in `log`; returns once it printed `ready`.
    pub async fn start(
        name: &'static str,
        program: &Path,
        args: &[String],
        env: (&str, String),
        log: &Path,
    ) -> BenchResult<Peer> {
        let mut child = Command::new(program)
            .args(args)
            .env(env.0, env.1)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log)?)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("{name} peer {}: {e}", program.display()))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let mut answers = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
        match tokio::time::timeout(READY_WITHIN, answers.next_line()).await {
            Ok(Ok(Some(line))) if line == "ready" => Ok(Peer {
                name,
                child,
                stdin,
                answers,
            }),
            other => Err(format!("{name} peer did not get ready ({other:?}); see {}", log.display()).into()),
        }
    }

    /// One message from the peer's sender to its receiver on the same homeserver (`local`)
    /// or on the other one (`fed`): the time from the send's start to the receiver's callback.
    pub async fn deliver(&mut self, target: &str, text: &str) -> BenchResult<Duration> {
        self.stdin.write_all(format!("{target} {text}\n").as_bytes()).await?;
        self.stdin.flush().await?;
        let line = tokio::time::timeout(ANSWER_WITHIN, self.answers.next_line())
            .await
            .map_err(|_| format!("{} peer: no answer for '{text}'", self.name))??
            .ok_or_else(|| format!("{} peer ended", self.name))?;
        let ms: f64 = line
            .trim()
            .parse()
            .map_err(|_| format!("{} peer answered {line:?}", self.name))?;
        Ok(Duration::from_secs_f64(ms / 1000.0))
    }

    /// Ends the peer: stdin closes, it logs its clients out; killed if it takes too long.
    pub async fn stop(mut self) {
        drop(self.stdin);
        if tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}
