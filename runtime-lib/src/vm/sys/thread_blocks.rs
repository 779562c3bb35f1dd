// The shape of the per-thread blocks `thread_blocks.c` reserves: read by the crate and by
// `build.rs` (which passes them to the C compiler), so the two cannot disagree.

/// How many blocks each thread has: one per user, see `per_thread::Block`.
pub const BLOCKS: usize = 4;
/// The size of each block in bytes (aligned to 16).
pub const BLOCK_SIZE: usize = 1024;
