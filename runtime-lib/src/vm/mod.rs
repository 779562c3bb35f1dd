//! The layer compiled code talks to: instance state (the vmctx and what it points at), linear
//! memories, tables, globals, function references, the runtime calls compiled code makes, trap
//! handling and the operating-system code under all of it. Everything here works with raw
//! pointers and raw value slots; the safe public API above (`Store` and its handles) is the only
//! way in from outside the crate. This layer imports nothing from the layers above it; the
//! few types the API shows as they are (`Module`, `Error`, `Trap`) are defined here and
//! re-exported.

pub mod code_registry;
pub mod error;
pub mod exceptions;
mod float_text;
pub mod func;
pub mod global;
pub mod instance;
pub mod libcalls;
pub mod limits;
pub mod memory;
pub mod module;
pub mod store;
pub mod sys;
pub mod table;
pub mod trap;
pub mod traps;
pub mod types;
pub mod vmctx_bytes;
