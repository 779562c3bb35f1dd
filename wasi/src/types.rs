//! Preview1 data types as they sit in guest memory (little-endian, the witx layouts), and the
//! flag bits the functions take.

/// `filetype`.
pub mod filetype {
    pub const UNKNOWN: u8 = 0;
    pub const BLOCK_DEVICE: u8 = 1;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    pub const SOCKET_STREAM: u8 = 6;
    pub const SYMBOLIC_LINK: u8 = 7;

    /// The file type of a host `st_mode`.
    pub fn of_mode(mode: libc::mode_t) -> u8 {
        match mode & libc::S_IFMT {
            libc::S_IFREG => REGULAR_FILE,
            libc::S_IFDIR => DIRECTORY,
            libc::S_IFLNK => SYMBOLIC_LINK,
            libc::S_IFCHR => CHARACTER_DEVICE,
            libc::S_IFBLK => BLOCK_DEVICE,
            libc::S_IFSOCK => SOCKET_STREAM,
            _ => UNKNOWN,
        }
    }
}

/// `fdflags`.
pub mod fdflags {
    pub const APPEND: u16 = 1 << 0;
    pub const DSYNC: u16 = 1 << 1;
    pub const NONBLOCK: u16 = 1 << 2;
    pub const RSYNC: u16 = 1 << 3;
    pub const SYNC: u16 = 1 << 4;
    pub const ALL: u16 = APPEND | DSYNC | NONBLOCK | RSYNC | SYNC;
    /// The flags only `path_open` can set (`fd_fdstat_set_flags` cannot change them).
    pub const SYNC_ANY: u16 = DSYNC | RSYNC | SYNC;

    /// Host `open`/`fcntl` flags for these flags.
    pub fn to_host(flags: u16) -> libc::c_int {
        let mut host = 0;
        if flags & APPEND != 0 {
            host |= libc::O_APPEND;
        }
        if flags & NONBLOCK != 0 {
            host |= libc::O_NONBLOCK;
        }
        if flags & DSYNC != 0 {
            host |= libc::O_DSYNC;
        }
        if flags & SYNC != 0 {
            host |= libc::O_SYNC;
        }
        #[cfg(target_os = "linux")]
        if flags & RSYNC != 0 {
            host |= libc::O_RSYNC;
        }
        host
    }
}

/// `oflags` of `path_open`.
pub mod oflags {
    pub const CREAT: u16 = 1 << 0;
    pub const DIRECTORY: u16 = 1 << 1;
    pub const EXCL: u16 = 1 << 2;
    pub const TRUNC: u16 = 1 << 3;
    pub const ALL: u16 = CREAT | DIRECTORY | EXCL | TRUNC;
}

/// `lookupflags`.
pub const LOOKUP_SYMLINK_FOLLOW: u32 = 1;

/// `fstflags` of the `*_set_times` functions.
pub mod fstflags {
    pub const ATIM: u16 = 1 << 0;
    pub const ATIM_NOW: u16 = 1 << 1;
    pub const MTIM: u16 = 1 << 2;
    pub const MTIM_NOW: u16 = 1 << 3;
}

/// Nanoseconds since the epoch from a host `(seconds, nanoseconds)` pair.
pub fn timestamp(sec: i64, nsec: i64) -> u64 {
    (sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(nsec as u64)
}

/// `filestat`: 64 bytes.
#[allow(clippy::unnecessary_cast)] // `stat` field types differ between hosts.
pub fn encode_filestat(st: &libc::stat) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[0..8].copy_from_slice(&(st.st_dev as u64).to_le_bytes());
    out[8..16].copy_from_slice(&(st.st_ino as u64).to_le_bytes());
    out[16] = filetype::of_mode(st.st_mode);
    out[24..32].copy_from_slice(&(st.st_nlink as u64).to_le_bytes());
    out[32..40].copy_from_slice(&(st.st_size as u64).to_le_bytes());
    let times = [
        timestamp(st.st_atime, st.st_atime_nsec),
        timestamp(st.st_mtime, st.st_mtime_nsec),
        timestamp(st.st_ctime, st.st_ctime_nsec),
    ];
    for (i, t) in times.iter().enumerate() {
        out[40 + 8 * i..48 + 8 * i].copy_from_slice(&t.to_le_bytes());
    }
    out
}

/// `fdstat`: 24 bytes.
pub fn encode_fdstat(filetype: u8, flags: u16, base: u64, inheriting: u64) -> [u8; 24] {
    let mut out = [0u8; 24];
    out[0] = filetype;
    out[2..4].copy_from_slice(&flags.to_le_bytes());
    out[8..16].copy_from_slice(&base.to_le_bytes());
    out[16..24].copy_from_slice(&inheriting.to_le_bytes());
    out
}

/// The 24-byte header of a `dirent`; the name follows it, unterminated.
pub fn encode_dirent(next: u64, ino: u64, name_len: u32, filetype: u8) -> [u8; 24] {
    let mut out = [0u8; 24];
    out[0..8].copy_from_slice(&next.to_le_bytes());
    out[8..16].copy_from_slice(&ino.to_le_bytes());
    out[16..20].copy_from_slice(&name_len.to_le_bytes());
    out[20] = filetype;
    out
}
