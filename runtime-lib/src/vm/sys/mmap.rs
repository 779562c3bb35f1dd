//! Address-space reservations for linear memories.

use super::OsError;
use core::ptr;

/// A range of address space, unmapped on drop.
#[derive(Debug)]
pub struct Reservation {
    base: *mut u8,
    len: usize,
}

// SAFETY: the reservation is plain address space; who may touch it is governed by its owner.
unsafe impl Send for Reservation {}
// SAFETY: as above; the struct itself is immutable.
unsafe impl Sync for Reservation {}

pub fn page_size() -> usize {
    // Asked once: every instantiation and grow rounds to it.
    static PAGE_SIZE: spin::Once<usize> = spin::Once::new();
    // SAFETY: sysconf has no preconditions.
    *PAGE_SIZE.call_once(|| unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize })
}

#[allow(clippy::len_without_is_empty)]
impl Reservation {
    /// Reserve `len` bytes of inaccessible address space (rounded up to pages).
    pub fn new(len: usize) -> Result<Reservation, OsError> {
        Reservation::near(0, len)
    }

    /// Reserve `len` bytes (rounded up to pages) at `hint` if that range is free, else
    /// wherever the kernel chooses: the caller compares [`Reservation::base`] with `hint`.
    /// (A hint, not `MAP_FIXED`, which would replace whatever is mapped there; and not
    /// `MAP_FIXED_NOREPLACE`, which tools that emulate the kernel, such as valgrind, may not
    /// know.) `hint` 0 lets the kernel choose.
    pub fn near(hint: usize, len: usize) -> Result<Reservation, OsError> {
        let len = len.max(1).next_multiple_of(page_size());
        // SAFETY: an anonymous PROT_NONE mapping, at a hint the kernel only follows into free
        // address space, aliases nothing.
        let base = unsafe {
            libc::mmap(
                hint as *mut libc::c_void,
                len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(OsError::last());
        }
        Ok(Reservation {
            base: base.cast(),
            len,
        })
    }

    pub fn base(&self) -> *mut u8 {
        self.base
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Make `[offset, offset + len)` readable and writable (zero-filled on first touch).
    pub fn make_accessible(&self, offset: usize, len: usize) -> Result<(), OsError> {
        if len == 0 {
            return Ok(());
        }
        assert!(offset + len <= self.len, "inside the reservation");
        // SAFETY: the range lies inside our own mapping (checked above).
        let rc = unsafe {
            libc::mprotect(
                self.base.add(offset).cast(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
            )
        };
        if rc != 0 {
            return Err(OsError::last());
        }
        Ok(())
    }
}

impl Reservation {
    /// Make `[offset, offset + len)` inaccessible again.
    pub fn make_inaccessible(&self, offset: usize, len: usize) -> Result<(), OsError> {
        if len == 0 {
            return Ok(());
        }
        assert!(offset + len <= self.len, "inside the reservation");
        // SAFETY: the range lies inside our own mapping (checked above).
        let rc = unsafe { libc::mprotect(self.base.add(offset).cast(), len, libc::PROT_NONE) };
        if rc != 0 {
            return Err(OsError::last());
        }
        Ok(())
    }

    /// Give the first `len` bytes back to the kernel: they read as zero on next touch.
    pub fn discard(&self, len: usize) -> Result<(), OsError> {
        if len == 0 {
            return Ok(());
        }
        assert!(len <= self.len, "inside the reservation");
        // SAFETY: private anonymous memory of ours; MADV_DONTNEED refills it with zeros.
        let rc = unsafe { libc::madvise(self.base.cast(), len, libc::MADV_DONTNEED) };
        if rc != 0 {
            return Err(OsError::last());
        }
        Ok(())
    }
}

impl Reservation {
    /// Move the first `len` bytes (accessible) to the start of `target` (a reservation at least
    /// as long), where they become accessible: a linear memory growing past its reservation.
    /// Linux moves the pages themselves (`mremap`); elsewhere, or when that fails, they are
    /// copied. Either way this reservation's first `len` bytes are no longer to be used, but
    /// stay mapped until it is dropped.
    ///
    /// They must stay mapped: a plain `mremap` leaves a hole in this reservation, which the
    /// kernel may hand to another thread's `mmap` (another store's memory) before this one is
    /// dropped, and dropping it would unmap that memory with it. `MREMAP_DONTUNMAP` (Linux 5.7)
    /// leaves zero pages behind instead; a kernel without it copies.
    pub fn move_into(&self, len: usize, target: &Reservation) -> Result<(), OsError> {
        assert!(
            len <= self.len && len <= target.len,
            "inside both reservations"
        );
        if len == 0 {
            return Ok(());
        }
        #[cfg(target_os = "linux")]
        {
            // SAFETY: both ranges are ours and distinct; MREMAP_FIXED replaces the start of
            // `target`'s mapping with our pages, and MREMAP_DONTUNMAP keeps our range mapped
            // (empty) so no other mapping can take its place.
            let moved = unsafe {
                libc::mremap(
                    self.base.cast(),
                    len,
                    len,
                    libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED | libc::MREMAP_DONTUNMAP,
                    target.base.cast::<libc::c_void>(),
                )
            };
            if moved != libc::MAP_FAILED {
                return Ok(());
            }
        }
        target.make_accessible(0, len)?;
        // SAFETY: `len` bytes are accessible in both mappings, which do not overlap.
        unsafe { ptr::copy_nonoverlapping(self.base, target.base, len) };
        Ok(())
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        // SAFETY: we own the mapping and nobody uses it after its owner dropped it.
        unsafe {
            libc::munmap(self.base.cast(), self.len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_carries_the_bytes_and_leaves_its_source_mapped() {
        let page = page_size();
        let source = Reservation::new(4 * page).expect("reserves");
        source.make_accessible(0, 2 * page).expect("maps");
        // SAFETY: two accessible pages of ours.
        unsafe { source.base().add(page + 3).write(7) };
        let target = Reservation::new(8 * page).expect("reserves");
        source.move_into(2 * page, &target).expect("moves");
        // SAFETY: the first two pages of the target are accessible after the move.
        assert_eq!(unsafe { target.base().add(page + 3).read() }, 7);
        // A hole in the source's range would fail with ENOMEM: it must still be ours.
        source.make_inaccessible(0, 2 * page).expect("still mapped");
        source.make_accessible(0, 4 * page).expect("still mapped");
    }

    #[test]
    fn a_free_range_is_reserved_where_asked_and_a_taken_one_elsewhere() {
        let page = page_size();
        // A range just unmapped is free, unless another test's thread maps into it first:
        // then try another.
        let (free, placed) = (0..10)
            .find_map(|_| {
                let probe = Reservation::new(64 * page).expect("reserves");
                let free = probe.base() as usize + 16 * page;
                drop(probe);
                let placed = Reservation::near(free, 8 * page).expect("reserves");
                (placed.base() as usize == free).then_some((free, placed))
            })
            .expect("a free range is reserved where asked");
        let elsewhere = Reservation::near(free, 8 * page).expect("reserves");
        assert_ne!(elsewhere.base() as usize, free);
        // The first reservation is intact: a taken range is never replaced.
        placed.make_accessible(0, 8 * page).expect("still mapped");
    }
}
