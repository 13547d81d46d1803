//! Embeds the catalogue (`checks/`) and the report templates (`reports/`) so one binary runs
//! anywhere: every file under those folders becomes a `(path, contents)` pair.

use std::path::{Path, PathBuf};

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (folder, name) in [
        ("checks", "embedded_checks.rs"),
        ("reports", "embedded_reports.rs"),
    ] {
        let base = root.join(folder);
        println!("cargo:rerun-if-changed={}", base.display());
        let mut files = Vec::new();
        collect(&base, &mut files);
        files.sort();
        let mut code = String::from("&[\n");
        for file in &files {
            let relative = file.strip_prefix(&base).expect("walked under base");
            let relative = relative.to_string_lossy().replace('\\', "/");
            println!("cargo:rerun-if-changed={}", file.display());
            code.push_str(&format!(
                "    ({relative:?}, include_bytes!({:?}) as &[u8]),\n",
                file.display().to_string()
            ));
        }
        code.push(']');
        std::fs::write(out.join(name), code).expect("OUT_DIR is writable");
    }
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, files);
        } else if !path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            files.push(path);
        }
    }
}
