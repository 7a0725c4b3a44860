//! Profile photos: the image pipeline (sniff, decode under limits, orient, crop, resize,
//! re-encode). Where they are kept is `media.rs`.
//!
//! The format is decided by the file's content, never its name or declared type. Re-encoding
//! to a fresh JPEG drops every byte of the original that is not pixels: EXIF (GPS included),
//! comments, and anything a polyglot file hid.

use std::io::Cursor;
use std::sync::Arc;

use image::codecs::jpeg::JpegEncoder;
use image::error::ImageError;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use tokio::sync::Semaphore;

use crate::token::is_token_shaped;

/// The folder (or key prefix) of the media store, and the URL segment after `/media/`.
pub const PHOTO_DIR: &str = "fotos_perfil";
/// Stored photos are square, this many pixels a side.
pub const PHOTO_SIZE: u32 = 400;
/// Larger images are refused before their pixels are decoded.
pub const MAX_SIDE: u32 = 8000;
const JPEG_QUALITY: u8 = 85;

/// Why an upload is not a usable photo; each maps to a message for the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhotoProblem {
    #[error("not an image in a supported format")]
    NotAnImage,
    #[error("the image is too large")]
    TooLarge,
    #[error("the image is damaged")]
    Damaged,
}

impl PhotoProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::NotAnImage => "error-photo-format",
            Self::TooLarge => "error-photo-dimensions",
            Self::Damaged => "error-photo-damaged",
        }
    }
}

impl From<PhotoProblem> for crate::domain::Problem {
    fn from(problem: PhotoProblem) -> Self {
        Self::new(problem.message_key())
    }
}

/// The most memory one image may take to decode: its pixels (width × height × bytes per
/// pixel of the decoder's colour type) times what its decoder needs on top. Larger images
/// are refused before any pixel is decoded. 128 MiB is a 40-megapixel RGB photo.
pub const MAX_DECODE_BYTES: u64 = 128 * MIB;
/// What all the images being decoded at once may take together; a decode waits for its share.
pub const DECODE_BUDGET_BYTES: u64 = 2 * MAX_DECODE_BYTES;
const MIB: u64 = 1024 * 1024;

/// An upload that passed the checks that need no pixels: its format, and what decoding it
/// will take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inspected {
    format: ImageFormat,
    /// Bytes of memory the decode is expected to take at its peak.
    pub cost: u64,
}

/// Reads only the header: the format (from the content), the dimensions and colour type, and
/// from them the memory the decode would take. Refuses what is not a supported image, a cut
/// JPEG, and anything over [`MAX_SIDE`] or [`MAX_DECODE_BYTES`].
pub fn inspect(bytes: &[u8]) -> Result<Inspected, PhotoProblem> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| PhotoProblem::NotAnImage)?;
    let format = match reader.format() {
        Some(
            format @ (ImageFormat::Jpeg
            | ImageFormat::Png
            | ImageFormat::Gif
            | ImageFormat::WebP
            | ImageFormat::Bmp),
        ) => format,
        _ => return Err(PhotoProblem::NotAnImage),
    };
    // The JPEG decoder fills in a cut-off file with grey; a complete one ends its scan data
    // with an EOI marker.
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(PhotoProblem::Damaged);
    }
    let decoder = decoder_of(bytes, format)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(PhotoProblem::TooLarge);
    }
    if width == 0 || height == 0 {
        return Err(PhotoProblem::Damaged);
    }
    let pixels = u64::from(width)
        .saturating_mul(u64::from(height))
        .saturating_mul(u64::from(decoder.color_type().bytes_per_pixel()));
    let factor = match format {
        // A progressive JPEG keeps every coefficient (two bytes per sample) until the end.
        ImageFormat::Jpeg if jpeg_is_progressive(bytes) => 3,
        // GIF frames are composed on a canvas; WebP decodes through its own planes.
        ImageFormat::Gif | ImageFormat::WebP => 2,
        _ => 1,
    };
    let cost = pixels.saturating_mul(factor).saturating_add(RESIZE_BYTES);
    if cost > MAX_DECODE_BYTES {
        return Err(PhotoProblem::TooLarge);
    }
    Ok(Inspected { format, cost })
}

/// The shrink's own memory: an 800×800 copy (at most 8 bytes a pixel), Lanczos3's 800×400
/// pass in 16-byte float pixels, and the 400×400 result.
const RESIZE_BYTES: u64 = 800 * 800 * 8 + 800 * 400 * 16 + 400 * 400 * 8;

fn decoder_of(bytes: &[u8], format: ImageFormat) -> Result<impl ImageDecoder + '_, PhotoProblem> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    reader.into_decoder().map_err(problem_of)
}

/// Turns uploaded bytes into the stored JPEG: 400×400, upright, centre-cropped.
pub fn process(bytes: &[u8]) -> Result<Vec<u8>, PhotoProblem> {
    let inspected = inspect(bytes)?;
    process_inspected(bytes, inspected)
}

fn process_inspected(bytes: &[u8], inspected: Inspected) -> Result<Vec<u8>, PhotoProblem> {
    let mut decoder = decoder_of(bytes, inspected.format)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    // GIFs decode to their first frame.
    let picture = DynamicImage::from_decoder(decoder).map_err(problem_of)?;
    // The centre square, cropped as a view (no copy) and shrunk; turned upright only then,
    // at 400×400 (the centre square of the turned image is the turned centre square).
    let mut small = square_of(&picture);
    drop(picture);
    small.apply_orientation(orientation);
    let mut out = Vec::with_capacity(64 * 1024);
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(&small.to_rgb8())
        .map_err(|_| PhotoProblem::Damaged)?;
    Ok(out)
}

/// The centre square of `picture`, PHOTO_SIZE a side, in its own pixel type: a box filter
/// down to twice the size (fast, no intermediate copy of the source), then Lanczos3.
fn square_of(picture: &DynamicImage) -> DynamicImage {
    let (width, height) = (picture.width(), picture.height());
    let side = width.min(height);
    let (x, y) = ((width - side) / 2, (height - side) / 2);
    let filter = image::imageops::FilterType::Lanczos3;
    macro_rules! shrink {
        ($source:expr) => {{
            let view = image::imageops::crop_imm($source, x, y, side, side);
            if side > 2 * PHOTO_SIZE {
                let halfway = image::imageops::thumbnail(&*view, 2 * PHOTO_SIZE, 2 * PHOTO_SIZE);
                image::imageops::resize(&halfway, PHOTO_SIZE, PHOTO_SIZE, filter)
            } else {
                image::imageops::resize(&*view, PHOTO_SIZE, PHOTO_SIZE, filter)
            }
        }};
    }
    match picture {
        DynamicImage::ImageLuma8(buffer) => DynamicImage::ImageLuma8(shrink!(buffer)),
        DynamicImage::ImageLumaA8(buffer) => DynamicImage::ImageLumaA8(shrink!(buffer)),
        DynamicImage::ImageRgb8(buffer) => DynamicImage::ImageRgb8(shrink!(buffer)),
        DynamicImage::ImageRgba8(buffer) => DynamicImage::ImageRgba8(shrink!(buffer)),
        DynamicImage::ImageLuma16(buffer) => DynamicImage::ImageLuma16(shrink!(buffer)),
        DynamicImage::ImageLumaA16(buffer) => DynamicImage::ImageLumaA16(shrink!(buffer)),
        DynamicImage::ImageRgb16(buffer) => DynamicImage::ImageRgb16(shrink!(buffer)),
        DynamicImage::ImageRgba16(buffer) => DynamicImage::ImageRgba16(shrink!(buffer)),
        // Float images (not produced by the accepted formats): through 8-bit RGBA pixels.
        other => DynamicImage::ImageRgba8(shrink!(other)),
    }
}

/// True when an end-of-image marker follows the first start-of-scan marker.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let marker = |code: u8| move |w: &[u8]| w == [0xFF, code];
    bytes
        .windows(2)
        .position(marker(0xDA))
        .is_some_and(|scan| bytes[scan..].windows(2).any(marker(0xD9)))
}

/// True when the JPEG's frame header (read segment by segment up to the first scan) is a
/// progressive one (SOF2, SOF6, SOF10, SOF14).
fn jpeg_is_progressive(bytes: &[u8]) -> bool {
    let mut at = 2;
    while let (Some(&0xFF), Some(&code)) = (bytes.get(at), bytes.get(at + 1)) {
        match code {
            0xC2 | 0xC6 | 0xCA | 0xCE => return true,
            0xDA | 0xD9 => return false,
            // Fill bytes and markers without a length.
            0xFF => at += 1,
            0x01 | 0xD0..=0xD7 => at += 2,
            _ => {
                let Some(length) = bytes.get(at + 2..at + 4) else {
                    return false;
                };
                at += 2 + usize::from(u16::from_be_bytes([length[0], length[1]]));
            }
        }
    }
    false
}

fn problem_of(error: ImageError) -> PhotoProblem {
    match error {
        // Dimensions over MAX_SIDE, or more memory than they may take.
        ImageError::Limits(_) => PhotoProblem::TooLarge,
        ImageError::Unsupported(_) => PhotoProblem::NotAnImage,
        _ => PhotoProblem::Damaged,
    }
}

/// Runs the pipeline on the blocking pool: at most one image per core at a time, and only as
/// many as fit together in [`DECODE_BUDGET_BYTES`] (each waits for its share of it, reckoned
/// from its header before any pixel is decoded).
#[derive(Clone)]
pub struct PhotoPipeline {
    cores: Arc<Semaphore>,
    /// The memory budget, one permit per MiB.
    memory: Arc<Semaphore>,
}

impl PhotoPipeline {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            cores: Arc::new(Semaphore::new(cores)),
            memory: Arc::new(Semaphore::new(mib(DECODE_BUDGET_BYTES) as usize)),
        }
    }

    pub async fn process(
        &self,
        bytes: impl AsRef<[u8]> + Send + 'static,
    ) -> anyhow::Result<Result<Vec<u8>, PhotoProblem>> {
        let started = std::time::Instant::now();
        let result = self.process_timed(bytes).await;
        crate::metrics::photo_processed(started.elapsed());
        result
    }

    async fn process_timed(
        &self,
        bytes: impl AsRef<[u8]> + Send + 'static,
    ) -> anyhow::Result<Result<Vec<u8>, PhotoProblem>> {
        let (bytes, inspected) = tokio::task::spawn_blocking(move || {
            let inspected = inspect(bytes.as_ref());
            (bytes, inspected)
        })
        .await?;
        let inspected = match inspected {
            Ok(inspected) => inspected,
            Err(problem) => return Ok(Err(problem)),
        };
        let _memory = Arc::clone(&self.memory)
            .acquire_many_owned(mib(inspected.cost))
            .await?;
        let _core = Arc::clone(&self.cores).acquire_owned().await?;
        Ok(
            tokio::task::spawn_blocking(move || process_inspected(bytes.as_ref(), inspected))
                .await?,
        )
    }
}

/// Whole MiB, rounded up (at most the budget, so a permit count always fits).
fn mib(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(MIB).min(DECODE_BUDGET_BYTES / MIB)).unwrap_or(u32::MAX)
}

impl Default for PhotoPipeline {
    fn default() -> Self {
        Self::new()
    }
}

/// True for the names this server gives photos: 43 URL-safe characters and `.jpg`. Nothing
/// else is ever opened, so no path can leave the folder.
pub fn is_photo_name(name: &str) -> bool {
    name.strip_suffix(".jpg").is_some_and(is_token_shaped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
        encode(image::RgbImage::new(width, height), format)
    }

    #[test]
    fn every_accepted_format_becomes_a_400_square_jpeg() {
        for format in [
            ImageFormat::Png,
            ImageFormat::Jpeg,
            ImageFormat::Gif,
            ImageFormat::WebP,
            ImageFormat::Bmp,
        ] {
            let result = process(&encoded(format, 640, 360)).expect("accepted");
            let back = image::load_from_memory(&result).expect("decodes");
            assert_eq!((back.width(), back.height()), (400, 400), "{format:?}");
            assert_eq!(
                image::guess_format(&result).expect("format"),
                ImageFormat::Jpeg
            );
        }
    }

    #[test]
    fn text_truncated_and_huge_images_are_refused() {
        assert_eq!(
            process(b"hello, I am a text file"),
            Err(PhotoProblem::NotAnImage)
        );
        let jpeg = encoded(ImageFormat::Jpeg, 300, 300);
        assert_eq!(process(&jpeg[..jpeg.len() / 2]), Err(PhotoProblem::Damaged));
        let mut polyglot = b"<html><script>alert(1)</script>".to_vec();
        polyglot.extend_from_slice(&jpeg);
        assert_eq!(process(&polyglot), Err(PhotoProblem::NotAnImage));
    }

    /// The picture encoded in `format`.
    fn encode(picture: image::RgbImage, format: ImageFormat) -> Vec<u8> {
        let mut bytes = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(picture)
            .write_to(&mut bytes, format)
            .expect("encode");
        bytes.into_inner()
    }

    /// A JPEG whose EXIF says "rotate 90° clockwise to display" (orientation 6).
    fn rotated_jpeg() -> Vec<u8> {
        // 200 wide, 100 tall: left half red, right half blue.
        let image = image::RgbImage::from_fn(200, 100, |x, _| {
            if x < 100 {
                image::Rgb([250, 0, 0])
            } else {
                image::Rgb([0, 0, 250])
            }
        });
        let jpeg = encode(image, ImageFormat::Jpeg);
        let mut tiff = b"II*\0".to_vec();
        tiff.extend_from_slice(&8u32.to_le_bytes());
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
        tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&6u16.to_le_bytes());
        tiff.extend_from_slice(&0u16.to_le_bytes());
        tiff.extend_from_slice(&0u32.to_le_bytes());
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&u16::try_from(app1.len() + 2).expect("small").to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn the_exif_orientation_is_applied() {
        // Rotated 90° clockwise the red half is on top; the centre crop keeps top red and
        // bottom blue.
        let result = image::load_from_memory(&process(&rotated_jpeg()).expect("accepted"))
            .expect("decodes")
            .to_rgb8();
        // Unrotated, the left would be red and the right blue instead: check both sides.
        for x in [60, 340] {
            let top = result.get_pixel(x, 40);
            let bottom = result.get_pixel(x, 360);
            assert!(top[0] > 200 && top[2] < 60, "top is red at x={x}: {top:?}");
            assert!(
                bottom[2] > 200 && bottom[0] < 60,
                "bottom is blue at x={x}: {bottom:?}"
            );
        }
    }

    /// A PNG whose header promises `width` x `height` of `colour` (its pixels are never read).
    fn png_header(width: u32, height: u32, colour: image::ExtendedColorType) -> Vec<u8> {
        use image::ImageEncoder;
        let samples = vec![0u8; usize::from(colour.bits_per_pixel() / 8)];
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(&samples, 1, 1, colour)
            .expect("encode");
        out[16..20].copy_from_slice(&width.to_be_bytes());
        out[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&out[12..29]);
        out[29..33].copy_from_slice(&crc.to_be_bytes());
        out
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in data {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn the_decode_budget_counts_bytes_per_pixel_of_the_colour_type() {
        use image::ExtendedColorType::{Rgb8, Rgba16};
        // 6000 x 6000: 108 MB as RGB8 fits; 288 MB as RGBA16 does not.
        let rgb = inspect(&png_header(6000, 6000, Rgb8)).expect("within the budget");
        assert!(rgb.cost >= 6000 * 6000 * 3 && rgb.cost <= MAX_DECODE_BYTES);
        assert_eq!(
            inspect(&png_header(6000, 6000, Rgba16)),
            Err(PhotoProblem::TooLarge)
        );
        assert_eq!(
            process(&png_header(8000, 8000, Rgba16)),
            Err(PhotoProblem::TooLarge)
        );
        assert_eq!(
            inspect(&png_header(8001, 10, Rgb8)),
            Err(PhotoProblem::TooLarge)
        );
    }

    #[test]
    fn progressive_jpegs_are_told_from_their_frame_header() {
        let baseline = encoded(ImageFormat::Jpeg, 16, 16);
        assert!(!jpeg_is_progressive(&baseline));
        // SOI, an APP0 segment of 4 bytes, then a progressive frame header.
        let progressive = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46, 0xFF, 0xC2, 0x00,
        ];
        assert!(jpeg_is_progressive(&progressive));
        assert!(!jpeg_is_progressive(&[0xFF, 0xD8, 0xFF]));
    }

    #[test]
    fn a_portrait_and_a_landscape_are_cropped_to_their_centre() {
        // Three bands across the long side; only the middle one survives the crop.
        for (width, height) in [
            (1200, 400),
            (400, 1200),
            (300, 100),
            (2700, 900),
            (900, 2700),
        ] {
            let picture = image::RgbImage::from_fn(width, height, |x, y| {
                let along = if width > height {
                    x * 3 / width
                } else {
                    y * 3 / height
                };
                if along == 1 {
                    image::Rgb([0, 200, 0])
                } else {
                    image::Rgb([200, 0, 0])
                }
            });
            let png = encode(picture, ImageFormat::Png);
            let result = image::load_from_memory(&process(&png).expect("accepted"))
                .expect("decodes")
                .to_rgb8();
            for (x, y) in [(10, 10), (200, 200), (390, 390)] {
                let pixel = result.get_pixel(x, y);
                assert!(
                    pixel[1] > 150 && pixel[0] < 60,
                    "{width}x{height} at {x},{y}"
                );
            }
        }
    }

    #[test]
    fn names_have_one_shape() {
        let good = format!("{}.jpg", "a".repeat(43));
        assert!(is_photo_name(&good));
        for bad in [
            "../../etc/passwd",
            "x.jpg",
            &format!("{}.png", "a".repeat(43)),
            &format!("{}/.jpg", "a".repeat(42)),
        ] {
            assert!(!is_photo_name(bad), "{bad}");
        }
    }
}
