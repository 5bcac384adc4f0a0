//! The components of `plugins/`, built for wasm32-wasip2 by this crate's build script.

/// The business modules the host ships with, as (module name, component bytes).
pub const BUNDLED: &[(&str, &[u8])] = &[("crm", CRM)];

const CRM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/crm.wasm"));

/// Components for tests, as paths so that the server binary does not carry them. The
/// files exist on the machine that built this crate.
pub mod fixtures {
    /// Module `misbehave` (see `plugins/fixtures/misbehave`): `GET /ok`, `/loop`,
    /// `/alloc`, `/panic`, `/trespass`, `GET|POST /items`, `POST /items/fail`.
    pub const MISBEHAVE: &str = concat!(env!("OUT_DIR"), "/misbehave.wasm");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `\0asm`, then the component-model version and layer.
    const COMPONENT_HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

    #[test]
    fn artifacts_are_components() {
        let fixture = std::fs::read(fixtures::MISBEHAVE).unwrap();
        let all = BUNDLED
            .iter()
            .map(|(name, bytes)| (*name, *bytes))
            .chain([("misbehave", fixture.as_slice())]);
        for (name, bytes) in all {
            assert_eq!(bytes.get(..8), Some(&COMPONENT_HEADER[..]), "{name}");
        }
    }
}
