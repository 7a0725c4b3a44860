//! Lists every file under `static/` for `src/assets.rs`, which embeds them with
//! `include_bytes!`: the binary carries its assets and runs from any directory. Lists the
//! message ids of the Fluent catalogs for `src/i18n.rs`, which formats the messages without
//! arguments once.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = manifest_dir().join("static");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut code = String::from("&[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let name = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        let _ = writeln!(
            code,
            "    ({name:?}, include_bytes!({:?})),",
            file.display().to_string()
        );
    }
    code.push(']');
    write_out("static_files.rs", &code);
    list_message_ids();
}

/// `message_ids.rs`: every message id the catalogs under `locales/` define, in any language.
fn list_message_ids() {
    let root = manifest_dir().join("locales");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    let mut ids = BTreeSet::new();
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "ftl"))
    {
        println!("cargo:rerun-if-changed={}", file.display());
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        ids.extend(text.lines().filter_map(message_id).map(str::to_owned));
    }
    let mut code = String::from("&[\n");
    for id in &ids {
        let _ = writeln!(code, "    {id:?},");
    }
    code.push(']');
    write_out("message_ids.rs", &code);
}

/// The id a Fluent line defines (`name = …` at the start of a line), if it starts a message:
/// not a comment, a term (`-name`), an attribute or a continued value (indented).
fn message_id(line: &str) -> Option<&str> {
    let (id, _) = line.split_once('=')?;
    let id = id.trim_end();
    let mut chars = id.chars();
    let starts = chars.next()?.is_ascii_alphabetic();
    (starts && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')).then_some(id)
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default())
}

fn write_out(name: &str, code: &str) {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join(name);
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}

/// Every file below `dir`, folders included (hidden files skipped: editors leave them).
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            // A new folder must re-run the listing too.
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}
