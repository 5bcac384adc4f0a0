//! The components of `plugins/`, built for wasm32-wasip2 by this crate's build script.

/// The business modules the host ships with, as (module name, component bytes).
pub const BUNDLED: &[(&str, &[u8])] = &[
    ("crm", CRM),
    ("erp", ERP),
    ("studio", STUDIO),
    ("support", SUPPORT),
];

const CRM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/crm.wasm"));
const ERP: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/erp.wasm"));
const STUDIO: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/studio.wasm"));
const SUPPORT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/support.wasm"));

/// Components for tests, as paths so that the server binary does not carry them. The
/// files exist on the machine that built this crate.
pub mod fixtures {
    /// Module `misbehave` (see `plugins/fixtures/misbehave`): `GET /ok`, `/loop`,
    /// `/alloc`, `/panic`, `/trespass`, `GET|POST /items`, `POST /items/fail`.
    pub const MISBEHAVE: &str = concat!(env!("OUT_DIR"), "/misbehave.wasm");

    /// Module `crm` at version 1.1.0 (see `plugins/fixtures/crm-next`): the source of
    /// `plugins/crm`, for upgrades from the bundled 1.0.0.
    pub const CRM_NEXT: &str = concat!(env!("OUT_DIR"), "/crm_next.wasm");

    /// Module `misbehave` at version 1.1.0, which asks for read access to
    /// `crm.contacts` (see `plugins/fixtures/misbehave-next`).
    pub const MISBEHAVE_NEXT: &str = concat!(env!("OUT_DIR"), "/misbehave_next.wasm");

    /// A component of the wrong world (see `plugins/fixtures/not-a-plugin`): a plain
    /// wasm32-wasip2 program, a `wasi:cli` command rather than an `eoex:plugin`.
    pub const NOT_A_PLUGIN: &str = concat!(env!("OUT_DIR"), "/not-a-plugin.wasm");

    /// Module `notes` (see `examples/notes`): a third-party module written only
    /// against the SDK, with no UI code of its own.
    pub const NOTES: &str = concat!(env!("OUT_DIR"), "/notes.wasm");

    /// The smallest valid core WebAssembly module (`\0asm`, version 1): a module, not a
    /// component.
    pub const CORE_MODULE: &[u8] = b"\0asm\x01\0\0\0";
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `\0asm`, then the component-model version and layer.
    const COMPONENT_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

    /// `\0asm`, then the core-module version 1.
    const CORE_MODULE_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

    #[test]
    fn artifacts_are_components() {
        let fixtures = [
            ("misbehave", fixtures::MISBEHAVE),
            ("crm-next", fixtures::CRM_NEXT),
            ("misbehave-next", fixtures::MISBEHAVE_NEXT),
            ("not-a-plugin", fixtures::NOT_A_PLUGIN),
            ("notes", fixtures::NOTES),
        ]
        .map(|(name, path)| {
            let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
            (name, bytes)
        });
        let all = BUNDLED.iter().map(|(name, bytes)| (*name, *bytes)).chain(
            fixtures
                .iter()
                .map(|(name, bytes)| (*name, bytes.as_slice())),
        );
        for (name, bytes) in all {
            assert_eq!(bytes.get(..8), Some(&COMPONENT_HEADER[..]), "{name}");
        }
    }

    #[test]
    fn core_module_is_a_core_module() {
        assert_eq!(fixtures::CORE_MODULE, &CORE_MODULE_HEADER[..]);
    }
}
