//! The directory entries a fresh directory starts with, read from a seed file of its own
//! (`config/vzd-seed.json`): the Organizations behind the org-admin devices' SMC-Bs and the
//! Practitioners (with a PractitionerRole) behind the practitioners' HBAs. Created once; later
//! runs keep what clients changed (e.g. endpoint links).

use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};

use super::fhir::TELEMATIK_ID;
use super::store::Store;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    #[serde(default)]
    pub organizations: Vec<Holder>,
    #[serde(default)]
    pub practitioners: Vec<Holder>,
}

/// A card holder: the TelematikID and the name the directory shows.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Holder {
    pub telematik_id: String,
    pub name: String,
}

impl Seed {
    pub fn load(path: &Path) -> Result<Seed, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The FHIR resources of every holder, with stable ids derived from the TelematikID.
    fn resources(&self) -> Vec<(&str, Value)> {
        let mut out = Vec::new();
        for org in &self.organizations {
            let id = format!("org-{}", slug(&org.telematik_id));
            out.push((
                org.telematik_id.as_str(),
                json!({"resourceType": "Organization", "id": id, "active": true,
                       "identifier": [{"system": TELEMATIK_ID, "value": org.telematik_id}], "name": org.name}),
            ));
        }
        for p in &self.practitioners {
            let s = slug(&p.telematik_id);
            let (given, family) = p.name.rsplit_once(' ').unwrap_or(("", &p.name));
            let given: Vec<&str> = given.split_whitespace().collect();
            out.push((
                p.telematik_id.as_str(),
                json!({"resourceType": "Practitioner", "id": format!("pract-{s}"), "active": true,
                       "identifier": [{"system": TELEMATIK_ID, "value": p.telematik_id}],
                       "name": [{"text": p.name, "family": family, "given": given}]}),
            ));
            out.push((
                p.telematik_id.as_str(),
                json!({"resourceType": "PractitionerRole", "id": format!("role-{s}"), "active": true,
                       "practitioner": {"reference": format!("Practitioner/pract-{s}")}}),
            ));
        }
        out
    }
}

/// Creates the seed's resources that the store does not hold yet; returns how many.
pub fn seed(store: &Store, seed: &Seed) -> usize {
    let mut created = 0;
    for (owner, resource) in seed.resources() {
        let (t, id) = (
            resource["resourceType"].as_str().unwrap_or_default(),
            resource["id"].as_str().unwrap_or_default(),
        );
        if store.get(t, id).is_none() && store.put(owner, &resource).is_ok() {
            created += 1;
        }
    }
    created
}

fn slug(telematik_id: &str) -> String {
    telematik_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeding_creates_each_entry_once_and_keeps_later_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("vzd.sqlite")).unwrap();
        let seed_file: Seed = serde_json::from_value(json!({
            "organizations": [{"telematikId": "5-SMC-B-Test/1", "name": "Praxis Test"}],
            "practitioners": [{"telematikId": "1-HBA-Test/1", "name": "Dr. Erika Muster"}]
        }))
        .unwrap();
        assert_eq!(seed(&store, &seed_file), 3);
        let pract = store.get("Practitioner", "pract-1-HBA-Test-1").unwrap();
        assert_eq!(pract.resource["name"][0]["family"], "Muster");
        assert_eq!(pract.resource["name"][0]["given"], json!(["Dr.", "Erika"]));
        assert_eq!(pract.owner, "1-HBA-Test/1");

        let mut org = store.get("Organization", "org-5-SMC-B-Test-1").unwrap().resource;
        org["endpoint"] = json!([{"reference": "Endpoint/e1"}]);
        store.put("5-SMC-B-Test/1", &org).unwrap();
        assert_eq!(seed(&store, &seed_file), 0, "a second start creates nothing");
        let kept = store.get("Organization", "org-5-SMC-B-Test-1").unwrap().resource;
        assert_eq!(kept["endpoint"][0]["reference"], "Endpoint/e1");
    }

    #[test]
    fn unknown_seed_fields_are_refused() {
        let bad = serde_json::from_value::<Seed>(json!({"organisations": []}));
        assert!(bad.is_err());
    }
}
