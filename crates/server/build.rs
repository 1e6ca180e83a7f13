//! Embeds the KRDS files listed in `vendor/krds/SHA256SUMS` (written by `scripts/refresh-krds`)
//! so the binary serves them with no file beside it: a table of path, SHA-256 and bytes.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("vendor/krds");
    let sums = root.join("SHA256SUMS");
    println!("cargo:rerun-if-changed={}", sums.display());
    let text =
        std::fs::read_to_string(&sums).expect("vendor/krds/SHA256SUMS (scripts/refresh-krds)");
    let mut table =
        String::from("/// The KRDS files: path under `vendor/krds/`, SHA-256, bytes.\n");
    table.push_str("pub static KRDS_FILES: &[(&str, &str, &[u8])] = &[\n");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (sum, path) = line.split_once("  ").expect("a `sha256sum` line");
        let file = root.join(path);
        println!("cargo:rerun-if-changed={}", file.display());
        writeln!(
            table,
            "    ({path:?}, {sum:?}, include_bytes!({:?})),",
            file.display().to_string()
        )
        .expect("a string takes writes");
    }
    table.push_str("];\n");
    let out =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("krds_files.rs");
    std::fs::write(out, table).expect("OUT_DIR is writable");
}
