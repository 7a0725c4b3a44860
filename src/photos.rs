//! Profile photos: the image pipeline (sniff, decode under limits, orient, crop, resize,
//! re-encode) and their storage under `<media root>/fotos_perfil/`.
//!
//! The format is decided by the file's content, never its name or declared type. Re-encoding
//! to a fresh JPEG drops every byte of the original that is not pixels: EXIF (GPS included),
//! comments, and anything a polyglot file hid.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::codecs::jpeg::JpegEncoder;
use image::error::ImageError;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use tokio::sync::Semaphore;

use crate::token::{is_token_shaped, random_token};

/// The folder under the media root, and the URL segment after `/media/`.
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

/// Turns uploaded bytes into the stored JPEG: 400×400, upright, centre-cropped.
pub fn process(bytes: &[u8]) -> Result<Vec<u8>, PhotoProblem> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| PhotoProblem::NotAnImage)?;
    match reader.format() {
        Some(
            ImageFormat::Jpeg
            | ImageFormat::Png
            | ImageFormat::Gif
            | ImageFormat::WebP
            | ImageFormat::Bmp,
        ) => {}
        _ => return Err(PhotoProblem::NotAnImage),
    }
    // The JPEG decoder fills in a cut-off file with grey; a complete one ends its scan data
    // with an EOI marker.
    if reader.format() == Some(ImageFormat::Jpeg) && !jpeg_is_complete(bytes) {
        return Err(PhotoProblem::Damaged);
    }
    let mut reader = reader;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(u64::from(MAX_SIDE) * u64::from(MAX_SIDE) * 4);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(problem_of)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    // GIFs decode to their first frame.
    let mut picture = DynamicImage::from_decoder(decoder).map_err(problem_of)?;
    picture.apply_orientation(orientation);
    let side = picture.width().min(picture.height());
    if side == 0 {
        return Err(PhotoProblem::Damaged);
    }
    let square = picture.crop_imm(
        (picture.width() - side) / 2,
        (picture.height() - side) / 2,
        side,
        side,
    );
    let resized = square.resize_exact(
        PHOTO_SIZE,
        PHOTO_SIZE,
        image::imageops::FilterType::Lanczos3,
    );
    let mut out = Vec::with_capacity(64 * 1024);
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(&resized.to_rgb8())
        .map_err(|_| PhotoProblem::Damaged)?;
    Ok(out)
}

/// True when an end-of-image marker follows the first start-of-scan marker.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let marker = |code: u8| move |w: &[u8]| w == [0xFF, code];
    bytes
        .windows(2)
        .position(marker(0xDA))
        .is_some_and(|scan| bytes[scan..].windows(2).any(marker(0xD9)))
}

fn problem_of(error: ImageError) -> PhotoProblem {
    match error {
        // Dimensions over MAX_SIDE, or more memory than they may take.
        ImageError::Limits(_) => PhotoProblem::TooLarge,
        ImageError::Unsupported(_) => PhotoProblem::NotAnImage,
        _ => PhotoProblem::Damaged,
    }
}

/// Runs the pipeline on the blocking pool, at most one image per core at a time (a decoded
/// photo can take tens of megabytes).
#[derive(Clone)]
pub struct PhotoPipeline {
    permits: Arc<Semaphore>,
}

impl PhotoPipeline {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            permits: Arc::new(Semaphore::new(cores)),
        }
    }

    pub async fn process(
        &self,
        bytes: impl AsRef<[u8]> + Send + 'static,
    ) -> anyhow::Result<Result<Vec<u8>, PhotoProblem>> {
        let _permit = Arc::clone(&self.permits).acquire_owned().await?;
        Ok(tokio::task::spawn_blocking(move || process(bytes.as_ref())).await?)
    }
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

/// Photo files under the media root.
#[derive(Clone, Debug)]
pub struct MediaStore {
    dir: PathBuf,
}

impl MediaStore {
    pub fn new(media_root: &Path) -> Self {
        Self {
            dir: media_root.join(PHOTO_DIR),
        }
    }

    /// Writes the photo under a fresh random name (a temporary file renamed into place, so a
    /// failed write leaves nothing behind) and returns its path relative to the media root.
    pub fn save(&self, jpeg: &[u8]) -> std::io::Result<String> {
        let name = format!("{}.jpg", random_token());
        let temporary = self.dir.join(format!(".{name}.part"));
        let result = (|| {
            let mut file = std::fs::File::create_new(&temporary)?;
            file.write_all(jpeg)?;
            file.sync_all()?;
            std::fs::rename(&temporary, self.dir.join(&name))
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&temporary);
            return Err(e);
        }
        Ok(format!("{PHOTO_DIR}/{name}"))
    }

    /// The file for a stored relative path (`fotos_perfil/<name>`), when it has our shape.
    pub fn file_of(&self, relative: &str) -> Option<PathBuf> {
        let name = relative.strip_prefix(PHOTO_DIR)?.strip_prefix('/')?;
        is_photo_name(name).then(|| self.dir.join(name))
    }

    /// Removes a stored photo; one already gone is fine.
    pub fn remove(&self, relative: &str) -> std::io::Result<()> {
        match self.file_of(relative) {
            Some(path) => match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(format: ImageFormat, width: u32, height: u32) -> Vec<u8> {
        let picture = DynamicImage::new_rgb8(width, height);
        let mut out = Cursor::new(Vec::new());
        picture.write_to(&mut out, format).expect("encode");
        out.into_inner()
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
        let mut jpeg = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(image)
            .write_to(&mut jpeg, ImageFormat::Jpeg)
            .expect("encode");
        let jpeg = jpeg.into_inner();
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
