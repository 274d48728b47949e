//! Every fuzz target in one binary: `OPSDECK_FUZZ_TARGET` names the parser
//! (`opsdeck::fuzzing::TARGETS`); `scripts/fuzz` sets it and the corpus folder.
#![no_main]

use std::sync::OnceLock;

fn target() -> &'static str {
    static TARGET: OnceLock<String> = OnceLock::new();
    TARGET.get_or_init(|| match std::env::var("OPSDECK_FUZZ_TARGET") {
        Ok(t) if opsdeck::fuzzing::TARGETS.contains(&t.as_str()) => t,
        _ => {
            eprintln!(
                "set OPSDECK_FUZZ_TARGET to one of: {}",
                opsdeck::fuzzing::TARGETS.join(", ")
            );
            std::process::exit(2);
        }
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    opsdeck::fuzzing::run(target(), data);
});
