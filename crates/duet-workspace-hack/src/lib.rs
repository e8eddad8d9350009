#![forbid(unsafe_code)]
//! No code. This crate's Cargo.toml enables, in every build of the workspace, the dependency
//! features that only the tests' dev-dependencies would otherwise enable, so that the app's build
//! (`scripts/run.sh`) reuses the dependencies the test build (`scripts/test.sh`) compiled.
