//! The bench's own driver configuration and accounts: a separate driver process on its own
//! port and state directory, so neither `make run` nor the cucumber accounts are touched.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::BenchResult;

/// A local homeserver of `scripts/fachdienst-up.sh`.
#[derive(Clone, Copy)]
pub struct Homeserver {
    pub name: &'static str,
    pub url: &'static str,
}

pub const HS1: Homeserver = Homeserver {
    name: "127.0.0.11",
    url: "http://127.0.0.1:8008",
};
pub const HS2: Homeserver = Homeserver {
    name: "127.0.0.12",
    url: "http://127.0.0.1:8018",
};

/// One API of the bench driver: `count` devices with accounts `bench-<prefix>-<n>`.
pub struct ApiPlan {
    pub prefix: &'static str,
    pub hs: Homeserver,
    pub count: u32,
}

/// An account to provision: (localpart-based MXID, password).
pub fn account(prefix: &str, hs: Homeserver, n: u32) -> (String, String) {
    let local = format!("bench-{prefix}-{n}");
    (format!("@{local}:{}", hs.name), format!("{local}-password"))
}

/// Writes the driver config (and the raw floor's accounts as a provisioning-only file).
pub struct Layout {
    pub dir: PathBuf,
    pub bind: String,
}

/// As `make run` serves it: logins check the local federation list (config/driver.toml).
const FEDERATION: &str = "\n[federation]\nlist_url = \"http://127.0.0.1:8480/tim-provider-services/FederationList/federationList.jws\"\nca_url = \"http://127.0.0.1:8480/\"\nroots = \".fachdienst/state/fedlist/pki/root.crt.pem\"\n\n";

impl Layout {
    pub fn driver_config(&self, apis: &[ApiPlan]) -> BenchResult<PathBuf> {
        let mut toml = String::new();
        writeln!(
            toml,
            "# Written by tim-bench; every run rewrites it.\n[server]\nbind = \"{}\"\nstate_dir = \"{}\"\ntls = true\n{FEDERATION}",
            self.bind,
            self.dir.join("driver-state").display()
        )?;
        for api in apis {
            write_api(&mut toml, api)?;
            forget_leases_and_logins(&self.dir.join("driver-state").join(api.prefix))?;
        }
        let path = self.dir.join("driver.toml");
        std::fs::create_dir_all(&self.dir)?;
        std::fs::write(&path, toml)?;
        Ok(path)
    }

    /// The raw client's accounts in the driver config's shape, only for provisioning.
    pub fn raw_accounts(&self, apis: &[ApiPlan]) -> BenchResult<PathBuf> {
        let mut toml = String::from("# Written by tim-bench: raw floor accounts (provisioning only).\n");
        for api in apis {
            write_api(&mut toml, api)?;
        }
        let path = self.dir.join("raw-accounts.toml");
        std::fs::write(&path, toml)?;
        Ok(path)
    }
}

fn write_api(toml: &mut String, api: &ApiPlan) -> BenchResult<()> {
    writeln!(
        toml,
        "[[api]]\nprefix = \"{}\"\nkind = \"pro-client\"\nhomeserver_name = \"{}\"\nhomeserver_url = \"{}\"\n",
        api.prefix, api.hs.name, api.hs.url
    )?;
    for n in 1..=api.count {
        let (mxid, password) = account(api.prefix, api.hs, n);
        writeln!(
            toml,
            "[[api.device]]\nid = {n}\nname = \"{} device {n}\"\nmxid = \"{mxid}\"\npassword = \"{password}\"\ndisplay_name = \"Bench {} {n}\"\n",
            api.prefix, api.prefix
        )?;
    }
    Ok(())
}

/// Registers the accounts of a config file on the local homeservers (idempotent).
pub fn provision(project: &Path, config: &Path) -> BenchResult<()> {
    let status = std::process::Command::new("python3")
        .arg(project.join("scripts/provision-accounts.py"))
        .arg(config)
        .status()?;
    if !status.success() {
        return Err(format!("provisioning {} failed", config.display()).into());
    }
    Ok(())
}

/// A driver restores the leases and logins it had (`claims.json`, `logins/`); a run starts
/// without those of an earlier, interrupted run (its devices would still be claimed).
fn forget_leases_and_logins(api_state: &std::path::Path) -> std::io::Result<()> {
    for path in [api_state.join("claims.json"), api_state.join("logins")] {
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match removed {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}
