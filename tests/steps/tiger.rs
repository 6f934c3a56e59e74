//! Steps about gematik's suite wiring (`config/tiger`): the tags and device check that the
//! combination plugin (`cutest`) derives from each item's live `GET /` and `GET /devices`.

use cucumber::{given, then};
use serde_json::Value;

use super::world::TimWorld;

/// One combine item as the plugin sees it after `prepare-items`.
#[derive(Clone, Debug)]
pub struct Item {
    pub alias: String,
    pub tags: Vec<&'static str>,
    pub homeserver: String,
    pub devices: usize,
}

/// The plugin's tag expressions over the info's `clientInfo` flags (testsuite-contract §1.1).
pub fn derived_tags(info: &Value) -> Vec<&'static str> {
    let c = &info["clientInfo"];
    let flag = |name: &str| {
        c[name]
            .as_bool()
            .unwrap_or_else(|| panic!("{name} not a boolean in {info}"))
    };
    let (send, insurance, pro, v3) = (
        flag("canSendMessages"),
        flag("isInsurance"),
        flag("isPro"),
        flag("isVersionThree"),
    );
    let rules = [
        ("client", send && !insurance && !pro),
        ("canSendMessages", send),
        ("orgAdmin", flag("canAdministrateFhirOrganization")),
        ("practitioner", flag("canAdministrateFhirPractitioner")),
        ("epaClient", send && insurance && !pro),
        ("proClient", send && pro && !insurance),
        ("epaOrProClient", send && (insurance || pro)),
        ("epaClientV3", send && insurance && v3 && !pro),
        ("proClientV3", send && pro && v3 && !insurance),
        ("refImpl", flag("isReferenceImplementation")),
    ];
    rules.into_iter().filter(|(_, on)| *on).map(|(tag, _)| tag).collect()
}

#[given("the combine items of config/tiger/combine_items.json, each read live from this driver")]
async fn read_items(w: &mut TimWorld) {
    let root = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"));
    let text = std::fs::read_to_string(root.join("config/tiger/combine_items.json")).expect("combine items");
    let items: Vec<Value> = serde_json::from_str(&text).expect("combine items JSON");
    assert!(!items.is_empty());
    w.combine.clear();
    for item in items {
        let alias = item["value"].as_str().expect("value").to_string();
        let url = url::Url::parse(item["url"].as_str().expect("url")).expect("an item URL");
        // The committed items name make run's address; this run's driver serves the same APIs.
        let base = format!("{}{}", w.base, url.path().trim_end_matches('/'));
        let get = |path: &'static str| {
            let url = format!("{base}{path}");
            async move {
                let resp = TimWorld::http().get(&url).send().await.expect("item answers");
                assert_eq!(resp.status().as_u16(), 200, "{url}");
                resp.json::<Value>().await.expect("JSON")
            }
        };
        let info = get("/").await;
        let devices = get("/devices").await["devices"].as_array().map_or(0, Vec::len);
        w.combine.push(Item {
            alias,
            tags: derived_tags(&info),
            homeserver: info["homeserver"].as_str().expect("homeserver").to_string(),
            devices,
        });
    }
}

#[then("every item passes the plugin's device check")]
async fn device_check(w: &mut TimWorld) {
    for i in &w.combine {
        // ITEM.hasTag("orgAdmin") ? devices.size() >= 1 : devices.size() >= 3
        let needed = if i.tags.contains(&"orgAdmin") { 1 } else { 3 };
        assert!(
            i.devices >= needed,
            "{} has {} devices, needs {needed}",
            i.alias,
            i.devices
        );
    }
}

#[then(expr = "two {word} items are on distinct homeservers")]
async fn distinct_homeservers(w: &mut TimWorld, tag: String) {
    let homeservers: std::collections::BTreeSet<&str> = tagged(w, &tag).map(|i| i.homeserver.as_str()).collect();
    assert!(homeservers.len() >= 2, "{tag} on {homeservers:?}");
}

#[then(expr = "an item tagged {word} exists")]
async fn tagged_exists(w: &mut TimWorld, tag: String) {
    assert!(tagged(w, &tag).next().is_some(), "no {tag} item in {:?}", w.combine);
}

#[then(expr = "an {word} item reports exactly the homeserver of a {word} item")]
async fn same_homeserver(w: &mut TimWorld, admin: String, client: String) {
    let ok = tagged(w, &admin).any(|a| tagged(w, &client).any(|c| c.homeserver == a.homeserver));
    assert!(
        ok,
        "no {admin} shares its homeserver string with a {client}: {:?}",
        w.combine
    );
}

fn tagged<'a>(w: &'a TimWorld, tag: &'a str) -> impl Iterator<Item = &'a Item> {
    w.combine.iter().filter(move |i| i.tags.contains(&tag))
}
