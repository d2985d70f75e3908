//! Feeds arbitrary bytes to the embedded server's request path: frames of
//! a few connections, decoded and applied to a fresh state, with the clock
//! moving. Nothing may panic, and every frame sent back must decode.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    zookit_server::fuzzing::request_path(input);
});
