//! Generates the contract client with progenitor from the patched contract.
fn main() {
    println!("cargo:rerun-if-changed={}", contract::spec_path().display());
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(contract::load_patched()).expect("patched contract is OpenAPI 3.0");
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged);
    let tokens = progenitor::Generator::new(&settings)
        .generate_tokens(&spec)
        .expect("progenitor generates the client");
    let code = prettyplease::unparse(&syn::parse2(tokens).expect("generated code parses"));
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("codegen.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
