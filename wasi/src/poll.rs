//! `poll_oneoff`: wait until a clock subscription expires or a descriptor is ready to read or
//! write, then report one event per subscription that fired.

use crate::prelude::*;

use super::clock::{self, MONOTONIC, REALTIME};
use super::fd_table::Handle;
use super::guest::Guest;
use super::rights;
use super::sys::io;
use super::{Errno, WasiCtx};

const SUBSCRIPTION_SIZE: u32 = 48;
const EVENT_SIZE: usize = 32;

/// `eventtype`.
const EVENT_CLOCK: u8 = 0;
const EVENT_FD_READ: u8 = 1;
const EVENT_FD_WRITE: u8 = 2;
/// `subclockflags`: the timeout is an absolute time of the clock.
const ABSTIME: u16 = 1;
/// `eventrwflags`: the peer hung up.
const HANGUP: u16 = 1;

struct Event {
    userdata: u64,
    error: Errno,
    kind: u8,
    nbytes: u64,
    flags: u16,
}

impl Event {
    fn encode(&self) -> [u8; EVENT_SIZE] {
        let mut out = [0u8; EVENT_SIZE];
        out[0..8].copy_from_slice(&self.userdata.to_le_bytes());
        out[8..10].copy_from_slice(&(self.error as u16).to_le_bytes());
        out[10] = self.kind;
        out[16..24].copy_from_slice(&self.nbytes.to_le_bytes());
        out[24..26].copy_from_slice(&self.flags.to_le_bytes());
        out
    }

    fn new(userdata: u64, kind: u8, error: Errno) -> Event {
        Event {
            userdata,
            error,
            kind,
            nbytes: 0,
            flags: 0,
        }
    }
}

/// What the subscriptions ask for.
#[derive(Default)]
struct Wait {
    /// `(userdata, deadline on the monotonic clock in ns)`.
    clocks: Vec<(u64, u64)>,
    /// `(userdata, event type)`, parallel to `pollfds`.
    fds: Vec<(u64, u8)>,
    pollfds: Vec<libc::pollfd>,
    /// Keeps the polled descriptors open while waiting.
    handles: Vec<Handle>,
    /// Subscriptions that failed outright.
    failed: Vec<Event>,
}

pub fn poll_oneoff(
    ctx: &WasiCtx,
    guest: &Guest<'_>,
    subs: u32,
    events: u32,
    count: u32,
    nevents: u32,
) -> Result<(), Errno> {
    if count == 0 {
        return Err(Errno::Inval);
    }
    let input = guest.read_bytes(
        subs,
        count.checked_mul(SUBSCRIPTION_SIZE).ok_or(Errno::Fault)?,
    )?;
    let capacity = (count as usize) * EVENT_SIZE;
    guest.bytes(events, u32::try_from(capacity).map_err(|_| Errno::Fault)?)?;
    let mut wait = Wait::default();
    for sub in input.chunks_exact(SUBSCRIPTION_SIZE as usize) {
        subscribe(ctx, &mut wait, sub)?;
    }
    let fired = wait_for(&mut wait)?;
    let mut out = Vec::with_capacity(fired.len() * EVENT_SIZE);
    for event in &fired {
        out.extend_from_slice(&event.encode());
    }
    guest.write_bytes(events, &out)?;
    guest.write_size(nevents, fired.len())
}

fn field<const N: usize>(sub: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&sub[at..at + N]);
    out
}

/// Add one 48-byte subscription to `wait`.
fn subscribe(ctx: &WasiCtx, wait: &mut Wait, sub: &[u8]) -> Result<(), Errno> {
    let userdata = u64::from_le_bytes(field(sub, 0));
    match sub[8] {
        EVENT_CLOCK => {
            let id = u32::from_le_bytes(field(sub, 16));
            let timeout = u64::from_le_bytes(field(sub, 24));
            let flags = u16::from_le_bytes(field(sub, 40));
            match deadline(id, timeout, flags & ABSTIME != 0) {
                Ok(at) => wait.clocks.push((userdata, at)),
                Err(error) => wait.failed.push(Event::new(userdata, EVENT_CLOCK, error)),
            }
        }
        kind @ (EVENT_FD_READ | EVENT_FD_WRITE) => {
            let fd = u32::from_le_bytes(field(sub, 16));
            let (needed, events) = if kind == EVENT_FD_READ {
                (rights::FD_READ, libc::POLLIN)
            } else {
                (rights::FD_WRITE, libc::POLLOUT)
            };
            match ctx.handle(fd, needed | rights::POLL_FD_READWRITE) {
                Ok(handle) => {
                    wait.pollfds.push(libc::pollfd {
                        fd: handle.raw(),
                        events,
                        revents: 0,
                    });
                    wait.fds.push((userdata, kind));
                    wait.handles.push(handle);
                }
                Err(error) => wait.failed.push(Event::new(userdata, kind, error)),
            }
        }
        _ => return Err(Errno::Inval),
    }
    Ok(())
}

/// The monotonic-clock time at which a clock subscription expires.
fn deadline(id: u32, timeout: u64, absolute: bool) -> Result<u64, Errno> {
    let now = clock::now(libc::CLOCK_MONOTONIC)?;
    match (id, absolute) {
        (REALTIME | MONOTONIC, false) => Ok(now.saturating_add(timeout)),
        (MONOTONIC, true) => Ok(timeout),
        (REALTIME, true) => {
            let real = clock::now(libc::CLOCK_REALTIME)?;
            Ok(now.saturating_add(timeout.saturating_sub(real)))
        }
        (2 | 3, _) => Err(Errno::Notsup),
        _ => Err(Errno::Inval),
    }
}

/// Block until something in `wait` fires; the events, at least one.
fn wait_for(wait: &mut Wait) -> Result<Vec<Event>, Errno> {
    let mut fired = core::mem::take(&mut wait.failed);
    loop {
        let now = clock::now(libc::CLOCK_MONOTONIC)?;
        let first = wait.clocks.iter().map(|(_, at)| *at).min();
        let timeout = match first {
            _ if !fired.is_empty() => Some(0),
            Some(at) => Some(at.saturating_sub(now)),
            None if wait.pollfds.is_empty() => return Ok(fired),
            None => None,
        };
        let ready = io::poll(&mut wait.pollfds, timeout)?;
        if ready > 0 {
            for (pollfd, (userdata, kind)) in wait.pollfds.iter().zip(&wait.fds) {
                if pollfd.revents != 0 {
                    fired.push(fd_event(pollfd, *userdata, *kind));
                }
            }
        }
        let now = clock::now(libc::CLOCK_MONOTONIC)?;
        for (userdata, at) in &wait.clocks {
            if *at <= now {
                fired.push(Event::new(*userdata, EVENT_CLOCK, Errno::Success));
            }
        }
        if !fired.is_empty() {
            return Ok(fired);
        }
    }
}

/// The event for a descriptor `poll` reported.
fn fd_event(pollfd: &libc::pollfd, userdata: u64, kind: u8) -> Event {
    let mut event = Event::new(userdata, kind, Errno::Success);
    if pollfd.revents & libc::POLLNVAL != 0 {
        event.error = Errno::Badf;
        return event;
    }
    if pollfd.revents & libc::POLLHUP != 0 {
        event.flags = HANGUP;
    }
    if kind == EVENT_FD_READ {
        if let Some(available) = io::bytes_available(pollfd.fd) {
            event.nbytes = available;
        }
    }
    event
}
