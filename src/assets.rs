//! The static assets: the files of `static/` embedded in the binary (listed by `build.rs`) and
//! the few generated at start-up (the time-zone list), each served under a content-hashed name
//! (`css/app.3f2a9c01de.css`) that can be cached for a year: a changed file gets a new name.
//! Pages name an asset by its plain path through [`url`].

use std::collections::HashMap;
use std::sync::LazyLock;

use sha2::{Digest, Sha256};

/// The embedded files, by their path under `static/`.
const EMBEDDED: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/static_files.rs"));

/// The time-zone names for the profile form's suggestions (a JSON array of IANA names).
pub const TIME_ZONES: &str = "data/zonas-horarias.json";

/// One asset: its body, its type and its hashed public path.
pub struct Asset {
    pub body: &'static [u8],
    pub content_type: &'static str,
    /// `/static/css/app.3f2a9c01de.css`
    pub url: String,
    /// The content hash, quoted, as an `ETag`.
    pub etag: String,
}

struct Assets {
    list: Vec<Asset>,
    /// Plain path (`css/app.css`) → index.
    by_name: HashMap<&'static str, usize>,
    /// Hashed path (`css/app.3f2a9c01de.css`) → index.
    by_hashed: HashMap<String, usize>,
}

static ASSETS: LazyLock<Assets> = LazyLock::new(|| {
    let generated: Vec<(&'static str, &'static [u8])> =
        vec![(TIME_ZONES, time_zones_json().as_bytes())];
    let mut assets = Assets {
        list: Vec::new(),
        by_name: HashMap::new(),
        by_hashed: HashMap::new(),
    };
    for (name, body) in EMBEDDED.iter().copied().chain(generated) {
        let hash = hex(&Sha256::digest(body)[..5]);
        let hashed = hashed_name(name, &hash);
        let index = assets.list.len();
        assets.list.push(Asset {
            body,
            content_type: content_type(name),
            url: format!("/static/{hashed}"),
            etag: format!("\"{hash}\""),
        });
        assets.by_name.insert(name, index);
        assets.by_hashed.insert(hashed, index);
    }
    assets
});

/// The public path of the asset `name` (its path under `static/`), with its content hash.
/// An unknown name gives `/static/{name}`' s fallback, which answers 404: a test checks that
/// every name the templates use exists.
pub fn url(name: &str) -> &'static str {
    match ASSETS.by_name.get(name) {
        Some(&index) => &ASSETS.list[index].url,
        None => "/static/missing-asset",
    }
}

/// What a request for `/static/{path}` finds.
pub enum Lookup {
    /// A hashed name: the asset itself, cacheable for ever.
    Found(&'static Asset),
    /// A plain name (`css/app.css`, as pages linked before the hashes): where it lives now.
    MovedTo(&'static str),
    Missing,
}

pub fn lookup(path: &str) -> Lookup {
    let assets = &*ASSETS;
    if let Some(&index) = assets.by_hashed.get(path) {
        Lookup::Found(&assets.list[index])
    } else if let Some(&index) = assets.by_name.get(path) {
        Lookup::MovedTo(&assets.list[index].url)
    } else {
        Lookup::Missing
    }
}

/// The time-zone names as a JSON array, built once.
fn time_zones_json() -> &'static str {
    static JSON: LazyLock<String> = LazyLock::new(|| {
        let names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect();
        serde_json::to_string(&names).unwrap_or_else(|_| "[]".to_owned())
    });
    &JSON
}

/// `css/app.css` with hash `h` → `css/app.h.css` (the extension stays last for the browser
/// and for any proxy that types files by it).
fn hashed_name(name: &str, hash: &str) -> String {
    let file_start = name.rfind('/').map_or(0, |i| i + 1);
    match name[file_start..].rfind('.') {
        Some(dot) if dot > 0 => {
            let dot = file_start + dot;
            format!("{}.{hash}{}", &name[..dot], &name[dot..])
        }
        _ => format!("{name}.{hash}"),
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_goes_before_the_extension() {
        assert_eq!(hashed_name("css/app.css", "ab12"), "css/app.ab12.css");
        assert_eq!(hashed_name("a.b/file", "ab12"), "a.b/file.ab12");
        assert_eq!(hashed_name(".hidden", "ab12"), ".hidden.ab12");
    }

    #[test]
    fn every_asset_the_templates_name_is_embedded() {
        for name in [
            "css/app.css",
            "js/app.js",
            "img/favicon.svg",
            "img/default-avatar.svg",
            TIME_ZONES,
        ] {
            let url = url(name);
            assert!(url.starts_with("/static/"), "{name}");
            let Lookup::Found(asset) = lookup(&url["/static/".len()..]) else {
                panic!("{name} is not served at {url}");
            };
            assert!(!asset.body.is_empty(), "{name}");
        }
        assert!(matches!(lookup("css/app.css"), Lookup::MovedTo(_)));
        assert!(matches!(lookup("css/nope.css"), Lookup::Missing));
    }

    #[test]
    fn the_time_zone_list_is_every_zone_chrono_tz_knows() {
        let names: Vec<String> = serde_json::from_str(time_zones_json()).unwrap_or_default();
        assert_eq!(names.len(), chrono_tz::TZ_VARIANTS.len());
        assert!(names.iter().any(|n| n == "America/Mexico_City"));
    }
}
