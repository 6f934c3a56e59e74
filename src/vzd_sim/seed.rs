//! The directory entries behind the driver's org-admin and practitioner devices, created once
//! (later runs keep what clients changed, e.g. endpoint links).

use serde_json::{Value, json};

use super::store::Store;
use crate::core::rules::fhir::TELEMATIK_ID_SYSTEM;
use crate::testdriver::DriverConfig;
use crate::testdriver::config::ApiKind;

/// Seeds Organizations (org admins' SMC-B) and Practitioners with a PractitionerRole
/// (practitioners' HBA, holder name = display name). Returns how many were created.
pub fn seed_from_driver_config(store: &Store, config: &DriverConfig) -> usize {
    let mut created = 0;
    for api in &config.apis {
        for device in &api.devices {
            let Some(tid) = device.telematik_id.as_deref() else {
                continue;
            };
            let holder = device
                .cn
                .clone()
                .or_else(|| device.display_name.clone())
                .unwrap_or_else(|| device.name.clone());
            let identifier = json!([{"system": TELEMATIK_ID_SYSTEM, "value": tid}]);
            let slug: String = tid
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            let resources: Vec<Value> = match api.kind {
                ApiKind::OrgAdmin => vec![json!({
                    "resourceType": "Organization", "id": format!("org-{slug}"), "active": true,
                    "identifier": identifier, "name": holder,
                })],
                ApiKind::Practitioner => {
                    let (given, family) = holder.rsplit_once(' ').unwrap_or(("", &holder));
                    vec![
                        json!({"resourceType": "Practitioner", "id": format!("pract-{slug}"), "active": true,
                               "identifier": identifier,
                               "name": [{"text": holder, "family": family, "given": given.split_whitespace().collect::<Vec<_>>()}]}),
                        json!({"resourceType": "PractitionerRole", "id": format!("role-{slug}"), "active": true,
                               "practitioner": {"reference": format!("Practitioner/pract-{slug}")}}),
                    ]
                }
                _ => Vec::new(),
            };
            for r in resources {
                let (t, id) = (
                    r["resourceType"].as_str().unwrap_or_default(),
                    r["id"].as_str().unwrap_or_default(),
                );
                if store.get(t, id).is_none() && store.put(tid, &r).is_ok() {
                    created += 1;
                }
            }
        }
    }
    created
}
