//! Runtime functions compiled code calls, through the table whose address is in the instance
//! header (`VmctxLayout::LIBCALLS`). Declared once, below: the slot, the signature compiled code
//! uses (`Libcall::signature`, read by the compiler's translator) and the Rust function type the
//! runtime's table entry must have (`fn_types`, used by the runtime's `libcalls.rs`, so a
//! definition that disagrees does not compile). Every libcall takes the caller's vmctx first and
//! uses the C ABI.

/// A parameter or result type of a libcall, as compiled code passes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbiType {
    I32,
    I64,
}

macro_rules! libcalls {
    ($($(#[$doc:meta])* $name:ident = $slot:literal: ($($param:ident),*) $(-> $result:ident)?;)*) => {
        /// A runtime function; the discriminant is its slot in the libcall table.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u32)]
        pub enum Libcall {
            $($(#[$doc])* $name = $slot,)*
        }

        /// Number of slots in the libcall table.
        pub const LIBCALL_COUNT: usize = [$(Libcall::$name),*].len();

        impl Libcall {
            /// Every libcall, in slot order.
            pub const ALL: [Libcall; LIBCALL_COUNT] = [$(Libcall::$name),*];

            /// The parameters after the vmctx, and the result.
            pub fn signature(self) -> (&'static [AbiType], Option<AbiType>) {
                match self {
                    $(Libcall::$name => (
                        &[$(libcalls!(@abi $param)),*],
                        libcalls!(@result $($result)?),
                    ),)*
                }
            }
        }

        /// The Rust type of each table entry: `extern "C" fn(vmctx, params...) -> result`.
        pub mod fn_types {
            $(
                #[allow(non_camel_case_types)]
                #[doc = concat!("The table entry of [`super::Libcall::", stringify!($name), "`].")]
                pub type $name = extern "C" fn(*mut u8, $($param),*) $(-> $result)?;
            )*
        }
    };
    (@abi u32) => { AbiType::I32 };
    (@abi u64) => { AbiType::I64 };
    (@result) => { None };
    (@result u32) => { Some(AbiType::I32) };
    (@result u64) => { Some(AbiType::I64) };
}

libcalls! {
    // Addresses, lengths and sizes travel as u64 whatever the memory's or table's index type
    // (compiled code zero-extends i32 operands), so 32- and 64-bit memories share the calls.
    // A call that finds its operands out of bounds returns a nonzero status and the compiled
    // code traps right after it, so the trap is raised in the wasm function, with its frames.
    /// `(memory, delta_pages) -> old size in pages`, or `u64::MAX` when it cannot grow.
    MemoryGrow = 0: (u32, u64) -> u64;
    /// `(memory, dst, value, len) -> status`: 0, or 1 when out of bounds (nothing done).
    MemoryFill = 1: (u32, u64, u32, u64) -> u32;
    /// `(dst_memory, src_memory, dst, src, len) -> status`: 0, or 1 when out of bounds (nothing done).
    MemoryCopy = 2: (u32, u32, u64, u64, u64) -> u32;
    /// `(memory, data, dst, src, len) -> status`: 0, or 1 when out of bounds (nothing done).
    MemoryInit = 3: (u32, u32, u64, u32, u32) -> u32;
    /// `(data)`.
    DataDrop = 4: (u32);
    /// `(table, init, delta) -> old size`, or `u64::MAX` when it cannot grow.
    TableGrow = 5: (u32, u64, u64) -> u64;
    /// `(table, dst, value, len) -> status`: 0, or 1 when out of bounds (nothing done).
    TableFill = 6: (u32, u64, u64, u64) -> u32;
    /// `(dst_table, src_table, dst, src, len) -> status`: 0, or 1 when out of bounds (nothing done).
    TableCopy = 7: (u32, u32, u64, u64, u64) -> u32;
    /// `(table, elem, dst, src, len) -> status`: 0, or 1 when out of bounds (nothing done).
    TableInit = 8: (u32, u32, u64, u32, u32) -> u32;
    /// `(elem)`.
    ElemDrop = 9: (u32);
    /// `(tag) -> exception`: a new exception object of tag `tag` (see
    /// [`crate::vmctx::VMException`]), its payload for compiled code to fill. Never fails: a
    /// full exception heap is collected first.
    ExnAlloc = 10: (u32) -> u64;
    /// `(exception, frame_pointer, wasm_offset)`: throw `exception` from the frame whose frame
    /// pointer is given, to the nearest landing pad among its callers' call sites; never
    /// returns. An exception no wasm frame catches ends the host's call with it, and with its
    /// backtrace: the throwing instruction (the module offset `wasm_offset`), then the callers.
    Throw = 11: (u64, u64, u32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_dense_and_in_order() {
        for (i, libcall) in Libcall::ALL.iter().enumerate() {
            assert_eq!(*libcall as usize, i);
        }
    }

    #[test]
    fn signatures_read_as_declared() {
        assert_eq!(
            Libcall::MemoryGrow.signature(),
            (&[AbiType::I32, AbiType::I64][..], Some(AbiType::I64))
        );
        assert_eq!(Libcall::ElemDrop.signature(), (&[AbiType::I32][..], None));
        assert_eq!(
            Libcall::TableFill.signature(),
            (
                &[AbiType::I32, AbiType::I64, AbiType::I64, AbiType::I64][..],
                Some(AbiType::I32)
            )
        );
    }
}
