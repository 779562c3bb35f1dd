//! Copies between the guest's memory (cells) and host buffers, as one `memcpy` each rather
//! than a byte at a time (a `stat` writes 64 bytes, a `read` of a path copies it).

use core::cell::Cell;
use core::mem::MaybeUninit;

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

/// Copy `src` (cells) and a NUL after it to the start of `dst` (longer than `src`), and return
/// those bytes: a C string made without first zeroing its buffer.
pub fn copy_with_nul<'d>(dst: &'d mut [MaybeUninit<u8>], src: &[Cell<u8>]) -> &'d mut [u8] {
    let len = src.len();
    assert!(dst.len() > len, "no room for the bytes and their NUL");
    dst[len].write(0);
    // SAFETY: `Cell<u8>` has the layout of `u8`; `dst` is borrowed mutably, so nothing else
    // (in particular not `src`) refers to its bytes, and it has room for `len` bytes (checked
    // above); no cell of `src` is written meanwhile.
    unsafe {
        core::ptr::copy_nonoverlapping(src.as_ptr() as *const u8, dst.as_mut_ptr().cast(), len)
    };
    // SAFETY: the first `len` bytes were just copied and the next one written.
    unsafe { &mut *(&mut dst[..=len] as *mut [MaybeUninit<u8>] as *mut [u8]) }
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
        let mut room = [MaybeUninit::new(7u8); 6];
        assert_eq!(copy_with_nul(&mut room, &cells[2..5]), b"abc\0");
        assert_eq!(copy_with_nul(&mut room, &cells[..0]), b"\0");
        assert_eq!(memory, *b"\0\0abc\0\0\0");
    }
}
