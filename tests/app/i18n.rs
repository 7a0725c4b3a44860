//! The catalogs agree with each other and with every key the code and templates use.

use std::collections::BTreeSet;
use std::path::Path;

fn catalog_keys(lang: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("locales")
        .join(lang);
    let id = regex::Regex::new(r"(?m)^([a-z][a-z0-9-]*)\s*=").unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for capture in id.captures_iter(&text) {
            assert!(
                keys.insert(capture[1].to_owned()),
                "{lang}: {} defined twice",
                &capture[1]
            );
        }
    }
    keys
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn both_catalogs_define_the_same_keys() {
    let es = catalog_keys("es");
    let en = catalog_keys("en");
    let only_es: Vec<_> = es.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&es).collect();
    assert!(
        only_es.is_empty() && only_en.is_empty(),
        "only es: {only_es:?}; only en: {only_en:?}"
    );
}

#[test]
fn every_key_used_in_templates_and_code_exists() {
    let keys = catalog_keys("es");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    files_under(&root.join("templates"), &mut files);
    files_under(&root.join("src"), &mut files);
    // Templates name keys as `t("key")`; Rust code as string literals, counted as keys when
    // they start like one of the catalog's families (`error-`, `nav-`…).
    let families: BTreeSet<&str> = keys.iter().filter_map(|k| k.split('-').next()).collect();
    let in_rust = regex::Regex::new(r#""([a-z][a-z0-9]*(?:-[a-z0-9]+)+)""#).unwrap();
    let in_template = regex::Regex::new(r#"t\("([a-z][a-z0-9-]*)"\)"#).unwrap();
    let mut missing = Vec::new();
    let mut used = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let pattern = if file.extension().is_some_and(|e| e == "rs") {
            &in_rust
        } else {
            &in_template
        };
        for capture in pattern.captures_iter(&text) {
            let key = &capture[1];
            if families.contains(key.split('-').next().unwrap()) {
                used += 1;
                if !keys.contains(key) {
                    missing.push(format!("{}: {key}", file.display()));
                }
            }
        }
    }
    assert!(
        used > 20,
        "the scan found too few keys to be working ({used})"
    );
    assert!(
        missing.is_empty(),
        "keys missing from the catalogs: {missing:#?}"
    );
}

#[test]
fn every_key_resolves_in_both_languages() {
    use fluent_templates::fluent_bundle::FluentValue;
    let args = [
        ("min", FluentValue::from(8)),
        ("max", FluentValue::from(1024)),
        ("mb", FluentValue::from(5)),
        ("name", FluentValue::from("Ana")),
        ("email", FluentValue::from("ana@example.com")),
        ("hours", FluentValue::from(48)),
        ("minutes", FluentValue::from(60)),
        ("count", FluentValue::from(2)),
        ("date", FluentValue::from("2026-12-07 10:00 (UTC)")),
        ("browser", FluentValue::from("Firefox")),
        ("system", FluentValue::from("Linux")),
        ("device", FluentValue::from("Firefox en Linux")),
        ("address", FluentValue::from("192.0.2.1")),
        ("time", FluentValue::from("2026-11-30 09:00 (CET)")),
        ("left", FluentValue::from(3)),
        ("scope", FluentValue::from("perfil:escribir")),
    ];
    for key in catalog_keys("es") {
        let es = cuentas::i18n::Lang::Es.t_args(&key, &args);
        let en = cuentas::i18n::Lang::En.t_args(&key, &args);
        assert!(
            !es.is_empty() && !es.starts_with("Unknown localization"),
            "{key}: {es}"
        );
        assert!(
            !en.is_empty() && !en.starts_with("Unknown localization"),
            "{key}: {en}"
        );
    }
}
