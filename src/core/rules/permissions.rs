//! The TI-M permission configuration ("Berechtigungskonfiguration"): who may invite this
//! account. The homeserver's invite checker enforces the config the client writes into global
//! account data; this module decides what that config is. Pure: JSON in, JSON out.
//!
//! The config has one default (`allow all` / `block all`) and one exception set whose meaning
//! flips with it: exceptions of `allow all` are a block list, those of `block all` an allow
//! list. Users manage two lists, so the list of the inactive mode is kept in a second,
//! client-private account data event and comes back when the mode is switched back.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::core::Mxid;
use crate::core::rules::room_policy::Product;

/// The only group TI-M defines: users whose homeserver is an insurance (ePA) server.
pub const INSURED_GROUP: &str = "isInsuredPerson";

/// Account data type the homeserver reads, per product (A_26389).
pub fn config_event_type(product: Product) -> &'static str {
    match product {
        Product::Pro => "de.gematik.tim.account.permissionconfig.pro.v1",
        Product::Epa => "de.gematik.tim.account.permissionconfig.epa.v1",
    }
}

/// Client-private account data holding both lists, so the inactive one survives mode switches
/// and logins on other devices.
pub const KEPT_LISTS_EVENT_TYPE: &str = "io.github.tim-client.permission_lists.v1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    AllowAll,
    BlockAll,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::AllowAll => "AllowAll",
            Mode::BlockAll => "BlockAll",
        }
    }

    pub fn parse(raw: &str) -> Option<Mode> {
        match raw.trim().trim_matches('"') {
            "AllowAll" => Some(Mode::AllowAll),
            "BlockAll" => Some(Mode::BlockAll),
            _ => None,
        }
    }

    fn default_setting(self) -> &'static str {
        match self {
            Mode::AllowAll => "allow all",
            Mode::BlockAll => "block all",
        }
    }
}

/// Which of the two user-facing lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    Allowed,
    Blocked,
}

impl List {
    /// The mode in which this list is the config's exception set (and may be edited).
    fn active_in(self) -> Mode {
        match self {
            List::Allowed => Mode::BlockAll,
            List::Blocked => Mode::AllowAll,
        }
    }
}

/// Users, servers and groups of one list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entries {
    pub users: BTreeSet<String>,
    pub servers: BTreeSet<String>,
    pub groups: BTreeSet<String>,
}

impl Entries {
    fn union(&mut self, other: &Entries) {
        self.users.extend(other.users.iter().cloned());
        self.servers.extend(other.servers.iter().cloned());
        self.groups.extend(other.groups.iter().cloned());
    }

    fn subtract(&mut self, other: &Entries) {
        self.users.retain(|u| !other.users.contains(u));
        self.servers.retain(|s| !other.servers.contains(s));
        self.groups.retain(|g| !other.groups.contains(g));
    }

    /// Reads the exception fields of a config; tolerates the map form, plain string lists,
    /// the legacy `domainExceptions` and bare group strings.
    fn from_config(config: &Value) -> Entries {
        let server_field = if config.get("serverExceptions").is_some() {
            &config["serverExceptions"]
        } else {
            &config["domainExceptions"]
        };
        Entries {
            users: keys_or_strings(&config["userExceptions"]),
            servers: keys_or_strings(server_field),
            groups: match &config["groupExceptions"] {
                Value::Array(items) => items
                    .iter()
                    .filter_map(|g| g["groupName"].as_str().or_else(|| g.as_str()))
                    .map(String::from)
                    .collect(),
                _ => BTreeSet::new(),
            },
        }
    }

    fn to_json(&self) -> Value {
        json!({"users": self.users, "servers": self.servers, "groups": self.groups})
    }

    fn from_json(v: &Value) -> Entries {
        let strings = |k: &str| keys_or_strings(&v[k]);
        Entries {
            users: strings("users"),
            servers: strings("servers"),
            groups: strings("groups"),
        }
    }

    fn matches(&self, inviter: &Mxid, inviter_insured: bool) -> bool {
        self.users.contains(inviter.as_str())
            || self.servers.contains(inviter.server_name())
            || (inviter_insured && self.groups.contains(INSURED_GROUP))
    }
}

fn keys_or_strings(v: &Value) -> BTreeSet<String> {
    match v {
        Value::Object(map) => map.keys().cloned().collect(),
        Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(String::from)).collect(),
        _ => BTreeSet::new(),
    }
}

/// Why a list change is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PermissionError {
    /// Lists are edited only in the mode in which they count (suite: 403).
    WrongMode { list: List, mode: Mode },
    /// A malformed MXID, server name or unknown group (400).
    Invalid(String),
}

/// The account's mode and both lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionLists {
    pub mode: Mode,
    pub allowed: Entries,
    pub blocked: Entries,
}

impl Default for PermissionLists {
    /// What a fresh account gets: everybody may invite, nobody is blocked.
    fn default() -> Self {
        PermissionLists {
            mode: Mode::AllowAll,
            allowed: Entries::default(),
            blocked: Entries::default(),
        }
    }
}

impl PermissionLists {
    /// Combines the config the homeserver enforces (authoritative for mode and active list,
    /// since another client may have written it) with the kept lists (for the inactive one).
    /// A missing or unreadable config counts as `allow all`, the servers' default.
    pub fn from_account_data(config: Option<&Value>, kept: Option<&Value>) -> PermissionLists {
        let mut lists = PermissionLists::default();
        if let Some(kept) = kept {
            lists.allowed = Entries::from_json(&kept["allowed"]);
            lists.blocked = Entries::from_json(&kept["blocked"]);
        }
        if let Some(config) = config {
            lists.mode = match config["defaultSetting"].as_str() {
                Some("block all") => Mode::BlockAll,
                _ => Mode::AllowAll,
            };
            *lists.active_mut() = Entries::from_config(config);
        }
        lists
    }

    /// The config in the schema of the product: exception maps with empty objects as values,
    /// groups in object form (Pro only).
    pub fn config_content(&self, product: Product) -> Value {
        let active = self.entries(match self.mode {
            Mode::AllowAll => List::Blocked,
            Mode::BlockAll => List::Allowed,
        });
        let as_map =
            |set: &BTreeSet<String>| -> Map<String, Value> { set.iter().map(|k| (k.clone(), json!({}))).collect() };
        let mut config = json!({
            "defaultSetting": self.mode.default_setting(),
            "serverExceptions": as_map(&active.servers),
            "userExceptions": as_map(&active.users),
        });
        if product == Product::Pro {
            config["groupExceptions"] = active.groups.iter().map(|g| json!({"groupName": g})).collect();
        }
        config
    }

    pub fn kept_content(&self) -> Value {
        json!({"allowed": self.allowed.to_json(), "blocked": self.blocked.to_json()})
    }

    pub fn entries(&self, list: List) -> &Entries {
        match list {
            List::Allowed => &self.allowed,
            List::Blocked => &self.blocked,
        }
    }

    fn active_mut(&mut self) -> &mut Entries {
        match self.mode {
            Mode::AllowAll => &mut self.blocked,
            Mode::BlockAll => &mut self.allowed,
        }
    }

    fn editable(&mut self, list: List) -> Result<&mut Entries, PermissionError> {
        if list.active_in() != self.mode {
            return Err(PermissionError::WrongMode { list, mode: self.mode });
        }
        Ok(match list {
            List::Allowed => &mut self.allowed,
            List::Blocked => &mut self.blocked,
        })
    }

    /// Adds entries; adding one twice changes nothing.
    pub fn add(&mut self, list: List, entries: &Entries, product: Product) -> Result<(), PermissionError> {
        validate(entries, product)?;
        self.editable(list)?.union(entries);
        Ok(())
    }

    /// Removes entries completely (also after duplicate adds); unknown ones are ignored.
    pub fn remove(&mut self, list: List, entries: &Entries) -> Result<(), PermissionError> {
        self.editable(list)?.subtract(entries);
        Ok(())
    }

    /// Whether `inviter` may invite this account, as the invite checker decides it: the
    /// default, flipped once if the inviter matches any exception.
    pub fn allows(&self, inviter: &Mxid, inviter_insured: bool) -> bool {
        match self.mode {
            Mode::AllowAll => !self.blocked.matches(inviter, inviter_insured),
            Mode::BlockAll => self.allowed.matches(inviter, inviter_insured),
        }
    }
}

fn validate(entries: &Entries, product: Product) -> Result<(), PermissionError> {
    for user in &entries.users {
        Mxid::parse(user).map_err(|_| PermissionError::Invalid(format!("'{user}' is not a MXID")))?;
    }
    for server in &entries.servers {
        let plausible = !server.is_empty()
            && server
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !plausible {
            return Err(PermissionError::Invalid(format!("'{server}' is not a server name")));
        }
    }
    if let Some(group) = entries.groups.iter().find(|g| *g != INSURED_GROUP) {
        return Err(PermissionError::Invalid(format!("unknown group '{group}'")));
    }
    if product == Product::Epa && !entries.groups.is_empty() {
        return Err(PermissionError::Invalid("TI-M ePA has no group exceptions".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(list: &[&str]) -> Entries {
        Entries {
            users: list.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }
    fn mxid(s: &str) -> Mxid {
        Mxid::parse(s).unwrap()
    }

    #[test]
    fn a_block_list_is_the_exception_set_of_allow_all() {
        let mut p = PermissionLists::default();
        p.add(List::Blocked, &users(&["@evil:hs"]), Product::Pro).unwrap();
        assert_eq!(
            p.config_content(Product::Pro),
            json!({"defaultSetting": "allow all", "serverExceptions": {}, "userExceptions": {"@evil:hs": {}},
                   "groupExceptions": []})
        );
        assert!(!p.allows(&mxid("@evil:hs"), false));
        assert!(p.allows(&mxid("@good:hs"), false));
    }

    #[test]
    fn lists_are_edited_only_in_their_mode() {
        let mut p = PermissionLists::default();
        assert_eq!(
            p.add(List::Allowed, &users(&["@a:hs"]), Product::Pro),
            Err(PermissionError::WrongMode {
                list: List::Allowed,
                mode: Mode::AllowAll
            })
        );
        assert!(p.remove(List::Allowed, &users(&["@a:hs"])).is_err());
        p.mode = Mode::BlockAll;
        assert!(p.add(List::Blocked, &users(&["@a:hs"]), Product::Pro).is_err());
        assert!(p.add(List::Allowed, &users(&["@a:hs"]), Product::Pro).is_ok());
    }

    #[test]
    fn each_list_survives_a_mode_switch_through_the_stored_events() {
        let mut p = PermissionLists::default();
        p.add(List::Blocked, &users(&["@b:hs"]), Product::Pro).unwrap();
        p.mode = Mode::BlockAll;
        p.add(List::Allowed, &users(&["@a:hs"]), Product::Pro).unwrap();
        let config = p.config_content(Product::Pro);
        assert_eq!(config["userExceptions"], json!({"@a:hs": {}}));
        let back = PermissionLists::from_account_data(Some(&config), Some(&p.kept_content()));
        assert_eq!(back, p);
    }

    #[test]
    fn one_delete_removes_a_twice_added_entry() {
        let mut p = PermissionLists::default();
        p.add(List::Blocked, &users(&["@b:hs"]), Product::Pro).unwrap();
        p.add(List::Blocked, &users(&["@b:hs"]), Product::Pro).unwrap();
        p.remove(List::Blocked, &users(&["@b:hs"])).unwrap();
        assert!(p.blocked.users.is_empty());
    }

    #[test]
    fn block_all_lets_only_listed_servers_users_and_insured_through() {
        let mut p = PermissionLists {
            mode: Mode::BlockAll,
            ..Default::default()
        };
        let entries = Entries {
            servers: ["friends.org".to_string()].into(),
            groups: [INSURED_GROUP.to_string()].into(),
            ..Default::default()
        };
        p.add(List::Allowed, &entries, Product::Pro).unwrap();
        assert!(p.allows(&mxid("@x:friends.org"), false));
        assert!(p.allows(&mxid("@patient:kasse.de"), true));
        assert!(!p.allows(&mxid("@x:other.org"), false));
    }

    #[test]
    fn groups_are_pro_only_and_entries_are_validated() {
        let mut p = PermissionLists::default();
        let group = Entries {
            groups: [INSURED_GROUP.to_string()].into(),
            ..Default::default()
        };
        assert!(matches!(
            p.add(List::Blocked, &group, Product::Epa),
            Err(PermissionError::Invalid(_))
        ));
        assert!(matches!(
            p.add(List::Blocked, &users(&["not-a-mxid"]), Product::Pro),
            Err(PermissionError::Invalid(_))
        ));
        let bad_server = Entries {
            servers: ["a b".to_string()].into(),
            ..Default::default()
        };
        assert!(p.add(List::Blocked, &bad_server, Product::Pro).is_err());
        assert_eq!(p, PermissionLists::default());
    }

    #[test]
    fn other_known_config_forms_are_read() {
        let legacy = json!({"defaultSetting": "block all", "domainExceptions": ["a.org"],
                            "userExceptions": ["@u:a.org"], "groupExceptions": ["isInsuredPerson"]});
        let p = PermissionLists::from_account_data(Some(&legacy), None);
        assert_eq!(p.mode, Mode::BlockAll);
        assert!(p.allowed.servers.contains("a.org") && p.allowed.users.contains("@u:a.org"));
        assert!(p.allowed.groups.contains(INSURED_GROUP));
        let broken = json!({"foo": 1});
        assert_eq!(
            PermissionLists::from_account_data(Some(&broken), None),
            PermissionLists::default()
        );
    }

    #[test]
    fn epa_configs_carry_no_group_exceptions() {
        let p = PermissionLists::default();
        assert!(p.config_content(Product::Epa).get("groupExceptions").is_none());
    }
}
