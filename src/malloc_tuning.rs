//! glibc's malloc, tuned for this server before anything runs. Two of its defaults made the
//! resident memory grow under photo uploads and sign-ins (`benches/load/soak.sh`, README
//! "Performance"):
//!
//! - a freed block larger than the mmap threshold raises the threshold to its size (up to
//!   32 MiB), so from then on argon2's 19 MiB and the photo pipeline's buffers come from the
//!   heap and stay there when freed. A fixed threshold (`MALLOC_MMAP_THRESHOLD_`) keeps them
//!   mapped apart and hands them back to the system on free;
//! - each thread of the blocking pool may get an arena of its own (up to 8 per core), each
//!   keeping what it once held (`MALLOC_ARENA_MAX`).
//!
//! glibc reads these only from the environment at start-up, and setting the environment of a
//! running process is `unsafe` (forbidden here), so the process runs itself again, once, with
//! them set (the same process id: `exec`). Setting either variable yourself turns this off.

/// The settings, for the README and the tests.
pub const SETTINGS: [(&str, &str); 2] = [
    ("MALLOC_ARENA_MAX", "2"),
    ("MALLOC_MMAP_THRESHOLD_", "131072"),
];

/// Replaces this process with itself under the tuned malloc, unless already tuned (or the
/// user chose their own); returns only when nothing was done or `exec` failed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn exec_tuned() {
    use std::os::unix::process::CommandExt;
    if SETTINGS
        .iter()
        .any(|(name, _)| std::env::var_os(name).is_some())
    {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .envs(SETTINGS)
        .exec();
    eprintln!("could not restart with a tuned malloc ({error}); going on without");
}

/// Other systems' allocators are left as they are.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn exec_tuned() {}
