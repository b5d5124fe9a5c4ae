//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod problems;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The gigasite binary built for these tests.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gigasite"))
}

/// A fresh folder under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let p = std::env::temp_dir().join(format!("gigasite-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Generates the seed-3 instance (400 parcels, 300 substations, 120 routes, 6 demand
/// points; known feasible) into `dir`, with extra `generate` flags.
pub fn generate_instance(dir: &Path, extra: &[&str]) {
    let out = bin()
        .arg("generate")
        .arg(dir)
        .args(["--seed", "3", "--parcels", "400", "--substations", "300"])
        .args(["--routes", "120", "--demand", "6"])
        .args(extra)
        .output()
        .expect("gigasite runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Steps `subset` (ascending positions in 0..n) to the next k-subset in lexicographic
/// order; false after the last one.
pub fn next_subset(subset: &mut [usize], n: usize) -> bool {
    let k = subset.len();
    let mut i = k;
    while i > 0 && subset[i - 1] == n - k + i - 1 {
        i -= 1;
    }
    if i == 0 {
        return false;
    }
    subset[i - 1] += 1;
    for j in i..k {
        subset[j] = subset[j - 1] + 1;
    }
    true
}
