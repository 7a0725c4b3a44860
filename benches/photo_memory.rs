//! Peak memory of the photo pipeline, read from the kernel (`VmHWM` in `/proc/self/status`):
//! what one upload adds to the process's peak resident set, and what four at once add.
//!
//!     cargo bench --bench photo_memory
//!
//! Each case runs in a fresh child process (the peak never goes down), which reads its
//! input file, notes its peak so far, runs the pipeline and reports the growth. Targets:
//! any single accepted upload adds at most 200 MB; four at once at most 400 MB; the
//! 16-bit RGBA 8000x8000 PNG is refused having added next to nothing. Linux only.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a benchmark fails loudly on bad setup"
)]

use std::io::Cursor;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ExtendedColorType, ImageEncoder, ImageFormat, Rgb, RgbImage};

const MB: f64 = 1_000_000.0;

/// `VmHWM` (peak resident set) of this process, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a number");
    kib * 1024
}

/// A photo-like picture: smooth gradients with some texture, so the file stays under the
/// 5 MB upload limit the server enforces (a real upload is never bigger).
fn detailed(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            (x / 16 % 256) as u8,
            (y / 16 % 256) as u8,
            (((x + y) / 8) % 256) as u8 ^ ((x * y) % 7) as u8,
        ])
    })
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&detailed(width, height))
        .expect("encode");
    out
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(detailed(width, height))
        .write_to(&mut out, ImageFormat::Png)
        .expect("encode");
    out.into_inner()
}

/// The picture of the issue: 8000x8000, 16-bit RGBA, one colour (about 0.5 MB of PNG that
/// would decode to 512 MB).
fn one_colour_rgba16(side: u32) -> Vec<u8> {
    let row: Vec<u8> = [0x12u8, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xFF, 0xFF]
        .iter()
        .copied()
        .cycle()
        .take(side as usize * 8)
        .collect();
    let pixels = row.repeat(side as usize);
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(&pixels, side, side, ExtendedColorType::Rgba16)
        .expect("encode");
    out
}

/// In the child: runs `copies` uploads of `file` at once through the pipeline and prints
/// "<added bytes> <milliseconds> <accepted>".
fn child(file: &Path, copies: usize) {
    let bytes = std::fs::read(file).expect("input");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let pipeline = cuentas::photos::PhotoPipeline::new();
    let before = peak_rss();
    let started = Instant::now();
    let results = runtime.block_on(async {
        let uploads = (0..copies).map(|_| {
            let pipeline = pipeline.clone();
            let bytes = bytes.clone();
            tokio::spawn(async move { pipeline.process(bytes).await.expect("ran") })
        });
        let mut results = Vec::new();
        for upload in uploads.collect::<Vec<_>>() {
            results.push(upload.await.expect("joined"));
        }
        results
    });
    let elapsed = started.elapsed();
    let accepted = results.iter().all(Result::is_ok);
    println!(
        "{} {} {accepted}",
        peak_rss().saturating_sub(before),
        elapsed.as_millis()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        child(
            Path::new(&args[at + 1]),
            args[at + 2].parse().expect("copies"),
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs: [(&str, Vec<u8>, usize); 6] = [
        ("12 MP JPEG (4000x3000)", jpeg(4000, 3000), 1),
        (
            "40 MP JPEG (8000x5000), the largest accepted",
            jpeg(8000, 5000),
            1,
        ),
        ("8 MP PNG (3264x2448)", png(3264, 2448), 1),
        (
            "16-bit RGBA 8000x8000 PNG, refused",
            one_colour_rgba16(8000),
            1,
        ),
        ("four 40 MP JPEGs at once", jpeg(8000, 5000), 4),
        ("four 12 MP JPEGs at once", jpeg(4000, 3000), 4),
    ];
    println!(
        "{:<48} {:>10} {:>12} {:>9}",
        "case", "file (MB)", "added (MB)", "time (ms)"
    );
    let exe = std::env::current_exe().expect("self");
    for (i, (name, bytes, copies)) in inputs.iter().enumerate() {
        let file = dir.path().join(format!("{i}.img"));
        std::fs::write(&file, bytes).expect("write");
        // The fastest of three runs for the time; the largest growth for the memory.
        let mut added = 0u64;
        let mut millis = u64::MAX;
        let mut accepted = String::new();
        for _ in 0..3 {
            let output = Command::new(&exe)
                .args(["--child", &file.display().to_string(), &copies.to_string()])
                .output()
                .expect("child");
            assert!(output.status.success(), "{name}: {output:?}");
            let text = String::from_utf8(output.stdout).expect("utf-8");
            let mut fields = text.split_whitespace();
            added = added.max(fields.next().unwrap().parse().unwrap());
            millis = millis.min(fields.next().unwrap().parse().unwrap());
            accepted = fields.next().unwrap().to_owned();
        }
        println!(
            "{name:<48} {:>10.1} {:>12.1} {:>9} {}",
            bytes.len() as f64 / MB,
            added as f64 / MB,
            millis,
            if accepted == "true" { "" } else { "refused" }
        );
    }
}
