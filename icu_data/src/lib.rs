//! The ICU4X data of the locales cuentas ships (Spanish and English, with the regions of
//! `src/domain/region.rs`), for the markers its formats use: made by `generate.sh` with
//! `icu4x-datagen`. Use [`Baked`] with the formatters' `try_new_unstable` constructors.

extern crate alloc;

/// Serves the baked data.
#[derive(Clone, Copy, Debug, Default)]
pub struct Baked;

#[allow(clippy::all, clippy::pedantic)]
mod generated {
    include!("../data/mod.rs");
    impl_data_provider!(super::Baked);
}
