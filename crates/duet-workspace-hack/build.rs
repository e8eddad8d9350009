//! Empty: the build script exists so that the `[build-dependencies]` in Cargo.toml take part in
//! the feature resolution of build scripts and proc-macros (see Cargo.toml).
fn main() {}
