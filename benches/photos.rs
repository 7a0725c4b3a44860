//! The photo pipeline on a generated 12-megapixel JPEG (target: under 300 ms in release), and
//! two decompression bombs (target: refused in under 50 ms).
//!
//!     cargo bench --bench photos
//!
//! Peak memory: `cargo bench --bench photo_memory` (reads VmHWM; see that file).

#![allow(clippy::expect_used, reason = "a benchmark fails loudly on bad setup")]

use std::hint::black_box;
use std::io::Cursor;

use criterion::{Criterion, criterion_group, criterion_main};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

fn twelve_megapixel_jpeg() -> Vec<u8> {
    // A gradient with detail, so the encoder and decoder do real work.
    let image = RgbImage::from_fn(4000, 3000, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 251) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut out, ImageFormat::Jpeg)
        .expect("encode");
    out.into_inner()
}

fn png_bomb() -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::new_luma8(20_000, 1)
        .write_to(&mut out, ImageFormat::Png)
        .expect("encode");
    let mut bytes = out.into_inner();
    bytes[20..24].copy_from_slice(&20_000u32.to_be_bytes());
    let mut crc = 0xFFFF_FFFFu32;
    for byte in &bytes[12..29] {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    bytes[29..33].copy_from_slice(&(!crc).to_be_bytes());
    bytes
}

/// 8000x8000, 16-bit RGBA, one colour: about 0.5 MB that would decode to 512 MB.
fn flat_rgba16() -> Vec<u8> {
    use image::ImageEncoder;
    let samples = vec![0u8; 8000 * 8000 * 8];
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&samples, 8000, 8000, image::ExtendedColorType::Rgba16)
        .expect("encode");
    out
}

fn pipeline(c: &mut Criterion) {
    let photo = twelve_megapixel_jpeg();
    let bomb = png_bomb();
    let flat = flat_rgba16();
    assert!(
        cuentas::photos::process(&bomb).is_err(),
        "the bomb is refused"
    );
    let mut group = c.benchmark_group("photo pipeline");
    group.sample_size(10);
    group.bench_function("12mp jpeg to 400x400", |b| {
        b.iter(|| cuentas::photos::process(black_box(&photo)).expect("processed"));
    });
    group.bench_function("20000x20000 png bomb refused", |b| {
        b.iter(|| cuentas::photos::process(black_box(&bomb)).expect_err("refused"));
    });
    group.bench_function("16-bit rgba 8000x8000 png refused", |b| {
        b.iter(|| cuentas::photos::process(black_box(&flat)).expect_err("refused"));
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
