//! The host's only `bindgen!`: Rust types and traits for `wit/` (world
//! `eoex:plugin/plugin`). Nothing outside this crate sees them; `convert` maps them to
//! and from `eoex-abi`.

// The generated export wrappers build typed functions with `unsafe` once wasmtime has
// type-checked them against the world.
#![allow(unsafe_code)]

wasmtime::component::bindgen!({
    path: "../../wit",
    world: "eoex:plugin/plugin",
    imports: {
        // Answered from memory: no reason to suspend the guest's fiber.
        "eoex:host/context": trappable,
        "eoex:host/log": trappable,
        default: async | trappable,
    },
    exports: { default: async },
});
