//! The directory's seed file (`config/vzd-seed.json`, the directory's own input) holds the
//! card holder of every org-admin and practitioner device of the shipped driver configs, with
//! the name the driver's device stands for: the two files cannot drift apart unnoticed.

use std::path::Path;

use tim_client::testdriver::DriverConfig;
use tim_client::testdriver::config::ApiKind;
use tim_vzd_sim::Seed;

#[test]
fn every_card_holder_of_the_driver_configs_is_in_the_directory_seed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seed = Seed::load(&root.join("config/vzd-seed.json")).expect("the seed file loads");
    for file in ["config/driver.toml", "config/driver-bdd.toml"] {
        let config = DriverConfig::load(&root.join(file)).expect("the config loads");
        let mut holders = 0;
        for api in &config.apis {
            let listed = match api.kind {
                ApiKind::OrgAdmin => &seed.organizations,
                ApiKind::Practitioner => &seed.practitioners,
                _ => continue,
            };
            for device in &api.devices {
                let Some(tid) = device.telematik_id.as_deref() else {
                    continue;
                };
                let name = device
                    .cn
                    .as_deref()
                    .or(device.display_name.as_deref())
                    .unwrap_or(&device.name);
                let entry = listed.iter().find(|h| h.telematik_id == tid);
                assert_eq!(
                    entry.map(|h| h.name.as_str()),
                    Some(name),
                    "{file}: {} device {} ({tid})",
                    api.prefix,
                    device.id
                );
                holders += 1;
            }
        }
        assert!(holders > 0, "{file} has card holders");
    }
}
