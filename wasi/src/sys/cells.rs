//! Copies between the guest's memory (cells) and host buffers, as one `memcpy` each rather
//! than a byte at a time (a `stat` writes 64 bytes, a `read` of a path copies it).

use core::cell::Cell;

/// Copy `src` into `dst` (of the same length).
pub fn copy_into(dst: &[Cell<u8>], src: &[u8]) {
    assert_eq!(
        dst.len(),
        src.len(),
        "copy between buffers of different lengths"
    );
    // SAFETY: `Cell<u8>` has the layout of `u8`, and cells may be written through a shared
    // reference; `src` cannot overlap `dst` (a `&[u8]` over bytes reachable as cells would
    // have to be made by unsafe code, which hands out none), and no other reference to the
    // bytes of `dst` is used during the copy.
    unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), dst.as_ptr() as *mut u8, src.len()) }
}

/// Copy `src` (cells) into `dst` (of the same length).
pub fn copy_from(dst: &mut [u8], src: &[Cell<u8>]) {
    assert_eq!(
        dst.len(),
        src.len(),
        "copy between buffers of different lengths"
    );
    // SAFETY: `Cell<u8>` has the layout of `u8`; `dst` is borrowed mutably, so nothing else
    // (in particular not `src`) refers to its bytes; no cell of `src` is written meanwhile.
    unsafe {
        core::ptr::copy_nonoverlapping(src.as_ptr() as *const u8, dst.as_mut_ptr(), dst.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_go_both_ways() {
        let mut memory = [0u8; 8];
        let cells = Cell::from_mut(&mut memory[..]).as_slice_of_cells();
        copy_into(&cells[2..5], b"abc");
        let mut out = [0u8; 4];
        copy_from(&mut out, &cells[1..5]);
        assert_eq!(&out, b"\0abc");
        assert_eq!(memory, *b"\0\0abc\0\0\0");
    }
}
