//! Which family of translator takes each operator: one `match` naming every operator wasmparser
//! knows (written out, not generated at build time). `Operator` is `#[non_exhaustive]`, so the
//! compiler cannot insist on every variant; the test below does instead: it counts wasmparser's
//! operators and the ones named here, so an operator a new wasmparser adds fails the tests until
//! it is given a family or named unsupported. The families are the files beside this one;
//! operators of proposals not supported yet are refused with the proposal's name.

use wasmparser::Operator;

/// Who translates an operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Control,
    Variable,
    Call,
    Memory,
    Table,
    Numeric,
    Simd,
    Exception,
    /// A proposal not supported yet, by name.
    Unsupported(&'static str),
}

/// The family of `op`.
pub fn family(op: &Operator<'_>) -> Family {
    use Operator as O;
    match op {
        O::Unreachable
        | O::Nop
        | O::Block { .. }
        | O::Loop { .. }
        | O::If { .. }
        | O::Else
        | O::End
        | O::Br { .. }
        | O::BrIf { .. }
        | O::BrTable { .. }
        | O::Return => Family::Control,
        O::Drop
        | O::Select
        | O::LocalGet { .. }
        | O::LocalSet { .. }
        | O::LocalTee { .. }
        | O::GlobalGet { .. }
        | O::GlobalSet { .. }
        | O::TypedSelect { .. }
        | O::TypedSelectMulti { .. } => Family::Variable,
        O::Call { .. }
        | O::CallIndirect { .. }
        | O::ReturnCall { .. }
        | O::ReturnCallIndirect { .. }
        | O::CallRef { .. }
        | O::ReturnCallRef { .. } => Family::Call,
        O::I32Load { .. }
        | O::I64Load { .. }
        | O::F32Load { .. }
        | O::F64Load { .. }
        | O::I32Load8S { .. }
        | O::I32Load8U { .. }
        | O::I32Load16S { .. }
        | O::I32Load16U { .. }
        | O::I64Load8S { .. }
        | O::I64Load8U { .. }
        | O::I64Load16S { .. }
        | O::I64Load16U { .. }
        | O::I64Load32S { .. }
        | O::I64Load32U { .. }
        | O::I32Store { .. }
        | O::I64Store { .. }
        | O::F32Store { .. }
        | O::F64Store { .. }
        | O::I32Store8 { .. }
        | O::I32Store16 { .. }
        | O::I64Store8 { .. }
        | O::I64Store16 { .. }
        | O::I64Store32 { .. }
        | O::MemorySize { .. }
        | O::MemoryGrow { .. }
        | O::MemoryInit { .. }
        | O::DataDrop { .. }
        | O::MemoryCopy { .. }
        | O::MemoryFill { .. } => Family::Memory,
        O::TableInit { .. }
        | O::ElemDrop { .. }
        | O::TableCopy { .. }
        | O::RefNull { .. }
        | O::RefIsNull
        | O::RefFunc { .. }
        | O::TableFill { .. }
        | O::TableGet { .. }
        | O::TableSet { .. }
        | O::TableGrow { .. }
        | O::TableSize { .. } => Family::Table,
        O::I32Const { .. }
        | O::I64Const { .. }
        | O::F32Const { .. }
        | O::F64Const { .. }
        | O::I32Eqz
        | O::I32Eq
        | O::I32Ne
        | O::I32LtS
        | O::I32LtU
        | O::I32GtS
        | O::I32GtU
        | O::I32LeS
        | O::I32LeU
        | O::I32GeS
        | O::I32GeU
        | O::I64Eqz
        | O::I64Eq
        | O::I64Ne
        | O::I64LtS
        | O::I64LtU
        | O::I64GtS
        | O::I64GtU
        | O::I64LeS
        | O::I64LeU
        | O::I64GeS
        | O::I64GeU
        | O::F32Eq
        | O::F32Ne
        | O::F32Lt
        | O::F32Gt
        | O::F32Le
        | O::F32Ge
        | O::F64Eq
        | O::F64Ne
        | O::F64Lt
        | O::F64Gt
        | O::F64Le
        | O::F64Ge
        | O::I32Clz
        | O::I32Ctz
        | O::I32Popcnt
        | O::I32Add
        | O::I32Sub
        | O::I32Mul
        | O::I32DivS
        | O::I32DivU
        | O::I32RemS
        | O::I32RemU
        | O::I32And
        | O::I32Or
        | O::I32Xor
        | O::I32Shl
        | O::I32ShrS
        | O::I32ShrU
        | O::I32Rotl
        | O::I32Rotr
        | O::I64Clz
        | O::I64Ctz
        | O::I64Popcnt
        | O::I64Add
        | O::I64Sub
        | O::I64Mul
        | O::I64DivS
        | O::I64DivU
        | O::I64RemS
        | O::I64RemU
        | O::I64And
        | O::I64Or
        | O::I64Xor
        | O::I64Shl
        | O::I64ShrS
        | O::I64ShrU
        | O::I64Rotl
        | O::I64Rotr
        | O::F32Abs
        | O::F32Neg
        | O::F32Ceil
        | O::F32Floor
        | O::F32Trunc
        | O::F32Nearest
        | O::F32Sqrt
        | O::F32Add
        | O::F32Sub
        | O::F32Mul
        | O::F32Div
        | O::F32Min
        | O::F32Max
        | O::F32Copysign
        | O::F64Abs
        | O::F64Neg
        | O::F64Ceil
        | O::F64Floor
        | O::F64Trunc
        | O::F64Nearest
        | O::F64Sqrt
        | O::F64Add
        | O::F64Sub
        | O::F64Mul
        | O::F64Div
        | O::F64Min
        | O::F64Max
        | O::F64Copysign
        | O::I32WrapI64
        | O::I32TruncF32S
        | O::I32TruncF32U
        | O::I32TruncF64S
        | O::I32TruncF64U
        | O::I64ExtendI32S
        | O::I64ExtendI32U
        | O::I64TruncF32S
        | O::I64TruncF32U
        | O::I64TruncF64S
        | O::I64TruncF64U
        | O::F32ConvertI32S
        | O::F32ConvertI32U
        | O::F32ConvertI64S
        | O::F32ConvertI64U
        | O::F32DemoteF64
        | O::F64ConvertI32S
        | O::F64ConvertI32U
        | O::F64ConvertI64S
        | O::F64ConvertI64U
        | O::F64PromoteF32
        | O::I32ReinterpretF32
        | O::I64ReinterpretF64
        | O::F32ReinterpretI32
        | O::F64ReinterpretI64
        | O::I32Extend8S
        | O::I32Extend16S
        | O::I64Extend8S
        | O::I64Extend16S
        | O::I64Extend32S
        | O::I32TruncSatF32S
        | O::I32TruncSatF32U
        | O::I32TruncSatF64S
        | O::I32TruncSatF64U
        | O::I64TruncSatF32S
        | O::I64TruncSatF32U
        | O::I64TruncSatF64S
        | O::I64TruncSatF64U
        | O::I64Add128
        | O::I64Sub128
        | O::I64MulWideS
        | O::I64MulWideU => Family::Numeric,
        O::V128Load { .. }
        | O::V128Load8x8S { .. }
        | O::V128Load8x8U { .. }
        | O::V128Load16x4S { .. }
        | O::V128Load16x4U { .. }
        | O::V128Load32x2S { .. }
        | O::V128Load32x2U { .. }
        | O::V128Load8Splat { .. }
        | O::V128Load16Splat { .. }
        | O::V128Load32Splat { .. }
        | O::V128Load64Splat { .. }
        | O::V128Load32Zero { .. }
        | O::V128Load64Zero { .. }
        | O::V128Store { .. }
        | O::V128Load8Lane { .. }
        | O::V128Load16Lane { .. }
        | O::V128Load32Lane { .. }
        | O::V128Load64Lane { .. }
        | O::V128Store8Lane { .. }
        | O::V128Store16Lane { .. }
        | O::V128Store32Lane { .. }
        | O::V128Store64Lane { .. }
        | O::V128Const { .. }
        | O::I8x16Shuffle { .. }
        | O::I8x16ExtractLaneS { .. }
        | O::I8x16ExtractLaneU { .. }
        | O::I8x16ReplaceLane { .. }
        | O::I16x8ExtractLaneS { .. }
        | O::I16x8ExtractLaneU { .. }
        | O::I16x8ReplaceLane { .. }
        | O::I32x4ExtractLane { .. }
        | O::I32x4ReplaceLane { .. }
        | O::I64x2ExtractLane { .. }
        | O::I64x2ReplaceLane { .. }
        | O::F32x4ExtractLane { .. }
        | O::F32x4ReplaceLane { .. }
        | O::F64x2ExtractLane { .. }
        | O::F64x2ReplaceLane { .. }
        | O::I8x16Swizzle
        | O::I8x16Splat
        | O::I16x8Splat
        | O::I32x4Splat
        | O::I64x2Splat
        | O::F32x4Splat
        | O::F64x2Splat
        | O::I8x16Eq
        | O::I8x16Ne
        | O::I8x16LtS
        | O::I8x16LtU
        | O::I8x16GtS
        | O::I8x16GtU
        | O::I8x16LeS
        | O::I8x16LeU
        | O::I8x16GeS
        | O::I8x16GeU
        | O::I16x8Eq
        | O::I16x8Ne
        | O::I16x8LtS
        | O::I16x8LtU
        | O::I16x8GtS
        | O::I16x8GtU
        | O::I16x8LeS
        | O::I16x8LeU
        | O::I16x8GeS
        | O::I16x8GeU
        | O::I32x4Eq
        | O::I32x4Ne
        | O::I32x4LtS
        | O::I32x4LtU
        | O::I32x4GtS
        | O::I32x4GtU
        | O::I32x4LeS
        | O::I32x4LeU
        | O::I32x4GeS
        | O::I32x4GeU
        | O::I64x2Eq
        | O::I64x2Ne
        | O::I64x2LtS
        | O::I64x2GtS
        | O::I64x2LeS
        | O::I64x2GeS
        | O::F32x4Eq
        | O::F32x4Ne
        | O::F32x4Lt
        | O::F32x4Gt
        | O::F32x4Le
        | O::F32x4Ge
        | O::F64x2Eq
        | O::F64x2Ne
        | O::F64x2Lt
        | O::F64x2Gt
        | O::F64x2Le
        | O::F64x2Ge
        | O::V128Not
        | O::V128And
        | O::V128AndNot
        | O::V128Or
        | O::V128Xor
        | O::V128Bitselect
        | O::V128AnyTrue
        | O::I8x16Abs
        | O::I8x16Neg
        | O::I8x16Popcnt
        | O::I8x16AllTrue
        | O::I8x16Bitmask
        | O::I8x16NarrowI16x8S
        | O::I8x16NarrowI16x8U
        | O::I8x16Shl
        | O::I8x16ShrS
        | O::I8x16ShrU
        | O::I8x16Add
        | O::I8x16AddSatS
        | O::I8x16AddSatU
        | O::I8x16Sub
        | O::I8x16SubSatS
        | O::I8x16SubSatU
        | O::I8x16MinS
        | O::I8x16MinU
        | O::I8x16MaxS
        | O::I8x16MaxU
        | O::I8x16AvgrU
        | O::I16x8ExtAddPairwiseI8x16S
        | O::I16x8ExtAddPairwiseI8x16U
        | O::I16x8Abs
        | O::I16x8Neg
        | O::I16x8Q15MulrSatS
        | O::I16x8AllTrue
        | O::I16x8Bitmask
        | O::I16x8NarrowI32x4S
        | O::I16x8NarrowI32x4U
        | O::I16x8ExtendLowI8x16S
        | O::I16x8ExtendHighI8x16S
        | O::I16x8ExtendLowI8x16U
        | O::I16x8ExtendHighI8x16U
        | O::I16x8Shl
        | O::I16x8ShrS
        | O::I16x8ShrU
        | O::I16x8Add
        | O::I16x8AddSatS
        | O::I16x8AddSatU
        | O::I16x8Sub
        | O::I16x8SubSatS
        | O::I16x8SubSatU
        | O::I16x8Mul
        | O::I16x8MinS
        | O::I16x8MinU
        | O::I16x8MaxS
        | O::I16x8MaxU
        | O::I16x8AvgrU
        | O::I16x8ExtMulLowI8x16S
        | O::I16x8ExtMulHighI8x16S
        | O::I16x8ExtMulLowI8x16U
        | O::I16x8ExtMulHighI8x16U
        | O::I32x4ExtAddPairwiseI16x8S
        | O::I32x4ExtAddPairwiseI16x8U
        | O::I32x4Abs
        | O::I32x4Neg
        | O::I32x4AllTrue
        | O::I32x4Bitmask
        | O::I32x4ExtendLowI16x8S
        | O::I32x4ExtendHighI16x8S
        | O::I32x4ExtendLowI16x8U
        | O::I32x4ExtendHighI16x8U
        | O::I32x4Shl
        | O::I32x4ShrS
        | O::I32x4ShrU
        | O::I32x4Add
        | O::I32x4Sub
        | O::I32x4Mul
        | O::I32x4MinS
        | O::I32x4MinU
        | O::I32x4MaxS
        | O::I32x4MaxU
        | O::I32x4DotI16x8S
        | O::I32x4ExtMulLowI16x8S
        | O::I32x4ExtMulHighI16x8S
        | O::I32x4ExtMulLowI16x8U
        | O::I32x4ExtMulHighI16x8U
        | O::I64x2Abs
        | O::I64x2Neg
        | O::I64x2AllTrue
        | O::I64x2Bitmask
        | O::I64x2ExtendLowI32x4S
        | O::I64x2ExtendHighI32x4S
        | O::I64x2ExtendLowI32x4U
        | O::I64x2ExtendHighI32x4U
        | O::I64x2Shl
        | O::I64x2ShrS
        | O::I64x2ShrU
        | O::I64x2Add
        | O::I64x2Sub
        | O::I64x2Mul
        | O::I64x2ExtMulLowI32x4S
        | O::I64x2ExtMulHighI32x4S
        | O::I64x2ExtMulLowI32x4U
        | O::I64x2ExtMulHighI32x4U
        | O::F32x4Ceil
        | O::F32x4Floor
        | O::F32x4Trunc
        | O::F32x4Nearest
        | O::F32x4Abs
        | O::F32x4Neg
        | O::F32x4Sqrt
        | O::F32x4Add
        | O::F32x4Sub
        | O::F32x4Mul
        | O::F32x4Div
        | O::F32x4Min
        | O::F32x4Max
        | O::F32x4PMin
        | O::F32x4PMax
        | O::F64x2Ceil
        | O::F64x2Floor
        | O::F64x2Trunc
        | O::F64x2Nearest
        | O::F64x2Abs
        | O::F64x2Neg
        | O::F64x2Sqrt
        | O::F64x2Add
        | O::F64x2Sub
        | O::F64x2Mul
        | O::F64x2Div
        | O::F64x2Min
        | O::F64x2Max
        | O::F64x2PMin
        | O::F64x2PMax
        | O::I32x4TruncSatF32x4S
        | O::I32x4TruncSatF32x4U
        | O::F32x4ConvertI32x4S
        | O::F32x4ConvertI32x4U
        | O::I32x4TruncSatF64x2SZero
        | O::I32x4TruncSatF64x2UZero
        | O::F64x2ConvertLowI32x4S
        | O::F64x2ConvertLowI32x4U
        | O::F32x4DemoteF64x2Zero
        | O::F64x2PromoteLowF32x4
        | O::I8x16RelaxedSwizzle
        | O::I32x4RelaxedTruncF32x4S
        | O::I32x4RelaxedTruncF32x4U
        | O::I32x4RelaxedTruncF64x2SZero
        | O::I32x4RelaxedTruncF64x2UZero
        | O::F32x4RelaxedMadd
        | O::F32x4RelaxedNmadd
        | O::F64x2RelaxedMadd
        | O::F64x2RelaxedNmadd
        | O::I8x16RelaxedLaneselect
        | O::I16x8RelaxedLaneselect
        | O::I32x4RelaxedLaneselect
        | O::I64x2RelaxedLaneselect
        | O::F32x4RelaxedMin
        | O::F32x4RelaxedMax
        | O::F64x2RelaxedMin
        | O::F64x2RelaxedMax
        | O::I16x8RelaxedQ15mulrS
        | O::I16x8RelaxedDotI8x16I7x16S
        | O::I32x4RelaxedDotI8x16I7x16AddS => Family::Simd,
        O::Pause => Family::Unsupported("acquire/release atomics"),
        O::StructNewDesc { .. }
        | O::StructNewDefaultDesc { .. }
        | O::RefGetDesc { .. }
        | O::RefCastDescEqNonNull { .. }
        | O::RefCastDescEqNullable { .. }
        | O::BrOnCastDescEq { .. }
        | O::BrOnCastDescEqFail { .. } => Family::Unsupported("custom descriptors"),
        O::TryTable { .. }
        | O::Throw { .. }
        | O::ThrowRef
        | O::Try { .. }
        | O::Catch { .. }
        | O::Rethrow { .. }
        | O::Delegate { .. }
        | O::CatchAll => Family::Exception,
        O::RefEq
        | O::StructNew { .. }
        | O::StructNewDefault { .. }
        | O::StructGet { .. }
        | O::StructGetS { .. }
        | O::StructGetU { .. }
        | O::StructSet { .. }
        | O::ArrayNew { .. }
        | O::ArrayNewDefault { .. }
        | O::ArrayNewFixed { .. }
        | O::ArrayNewData { .. }
        | O::ArrayNewElem { .. }
        | O::ArrayGet { .. }
        | O::ArrayGetS { .. }
        | O::ArrayGetU { .. }
        | O::ArraySet { .. }
        | O::ArrayLen
        | O::ArrayFill { .. }
        | O::ArrayCopy { .. }
        | O::ArrayInitData { .. }
        | O::ArrayInitElem { .. }
        | O::RefTestNonNull { .. }
        | O::RefTestNullable { .. }
        | O::RefCastNonNull { .. }
        | O::RefCastNullable { .. }
        | O::AnyConvertExtern
        | O::ExternConvertAny
        | O::RefI31
        | O::I31GetS
        | O::I31GetU
        | O::BrOnCast { .. }
        | O::BrOnCastFail { .. } => Family::Unsupported("gc (instructions)"),
        O::MemoryDiscard { .. } => Family::Unsupported("memory control"),
        O::GlobalAtomicGet { .. }
        | O::GlobalAtomicSet { .. }
        | O::GlobalAtomicRmwAdd { .. }
        | O::GlobalAtomicRmwSub { .. }
        | O::GlobalAtomicRmwAnd { .. }
        | O::GlobalAtomicRmwOr { .. }
        | O::GlobalAtomicRmwXor { .. }
        | O::GlobalAtomicRmwXchg { .. }
        | O::GlobalAtomicRmwCmpxchg { .. }
        | O::TableAtomicGet { .. }
        | O::TableAtomicSet { .. }
        | O::TableAtomicRmwXchg { .. }
        | O::TableAtomicRmwCmpxchg { .. }
        | O::StructAtomicGet { .. }
        | O::StructAtomicGetS { .. }
        | O::StructAtomicGetU { .. }
        | O::StructAtomicSet { .. }
        | O::StructAtomicRmwAdd { .. }
        | O::StructAtomicRmwSub { .. }
        | O::StructAtomicRmwAnd { .. }
        | O::StructAtomicRmwOr { .. }
        | O::StructAtomicRmwXor { .. }
        | O::StructAtomicRmwXchg { .. }
        | O::StructAtomicRmwCmpxchg { .. }
        | O::ArrayAtomicGet { .. }
        | O::ArrayAtomicGetS { .. }
        | O::ArrayAtomicGetU { .. }
        | O::ArrayAtomicSet { .. }
        | O::ArrayAtomicRmwAdd { .. }
        | O::ArrayAtomicRmwSub { .. }
        | O::ArrayAtomicRmwAnd { .. }
        | O::ArrayAtomicRmwOr { .. }
        | O::ArrayAtomicRmwXor { .. }
        | O::ArrayAtomicRmwXchg { .. }
        | O::ArrayAtomicRmwCmpxchg { .. }
        | O::RefI31Shared => Family::Unsupported("shared-everything threads"),
        O::ContNew { .. }
        | O::ContBind { .. }
        | O::Suspend { .. }
        | O::Resume { .. }
        | O::ResumeThrow { .. }
        | O::ResumeThrowRef { .. }
        | O::Switch { .. } => Family::Unsupported("stack switching"),
        O::MemoryAtomicNotify { .. }
        | O::MemoryAtomicWait32 { .. }
        | O::MemoryAtomicWait64 { .. }
        | O::AtomicFence { .. }
        | O::I32AtomicLoad { .. }
        | O::I64AtomicLoad { .. }
        | O::I32AtomicLoad8U { .. }
        | O::I32AtomicLoad16U { .. }
        | O::I64AtomicLoad8U { .. }
        | O::I64AtomicLoad16U { .. }
        | O::I64AtomicLoad32U { .. }
        | O::I32AtomicStore { .. }
        | O::I64AtomicStore { .. }
        | O::I32AtomicStore8 { .. }
        | O::I32AtomicStore16 { .. }
        | O::I64AtomicStore8 { .. }
        | O::I64AtomicStore16 { .. }
        | O::I64AtomicStore32 { .. }
        | O::I32AtomicRmwAdd { .. }
        | O::I64AtomicRmwAdd { .. }
        | O::I32AtomicRmw8AddU { .. }
        | O::I32AtomicRmw16AddU { .. }
        | O::I64AtomicRmw8AddU { .. }
        | O::I64AtomicRmw16AddU { .. }
        | O::I64AtomicRmw32AddU { .. }
        | O::I32AtomicRmwSub { .. }
        | O::I64AtomicRmwSub { .. }
        | O::I32AtomicRmw8SubU { .. }
        | O::I32AtomicRmw16SubU { .. }
        | O::I64AtomicRmw8SubU { .. }
        | O::I64AtomicRmw16SubU { .. }
        | O::I64AtomicRmw32SubU { .. }
        | O::I32AtomicRmwAnd { .. }
        | O::I64AtomicRmwAnd { .. }
        | O::I32AtomicRmw8AndU { .. }
        | O::I32AtomicRmw16AndU { .. }
        | O::I64AtomicRmw8AndU { .. }
        | O::I64AtomicRmw16AndU { .. }
        | O::I64AtomicRmw32AndU { .. }
        | O::I32AtomicRmwOr { .. }
        | O::I64AtomicRmwOr { .. }
        | O::I32AtomicRmw8OrU { .. }
        | O::I32AtomicRmw16OrU { .. }
        | O::I64AtomicRmw8OrU { .. }
        | O::I64AtomicRmw16OrU { .. }
        | O::I64AtomicRmw32OrU { .. }
        | O::I32AtomicRmwXor { .. }
        | O::I64AtomicRmwXor { .. }
        | O::I32AtomicRmw8XorU { .. }
        | O::I32AtomicRmw16XorU { .. }
        | O::I64AtomicRmw8XorU { .. }
        | O::I64AtomicRmw16XorU { .. }
        | O::I64AtomicRmw32XorU { .. }
        | O::I32AtomicRmwXchg { .. }
        | O::I64AtomicRmwXchg { .. }
        | O::I32AtomicRmw8XchgU { .. }
        | O::I32AtomicRmw16XchgU { .. }
        | O::I64AtomicRmw8XchgU { .. }
        | O::I64AtomicRmw16XchgU { .. }
        | O::I64AtomicRmw32XchgU { .. }
        | O::I32AtomicRmwCmpxchg { .. }
        | O::I64AtomicRmwCmpxchg { .. }
        | O::I32AtomicRmw8CmpxchgU { .. }
        | O::I32AtomicRmw16CmpxchgU { .. }
        | O::I64AtomicRmw8CmpxchgU { .. }
        | O::I64AtomicRmw16CmpxchgU { .. }
        | O::I64AtomicRmw32CmpxchgU { .. } => Family::Unsupported("threads and atomics"),
        O::RefAsNonNull => Family::Table,
        O::BrOnNull { .. } | O::BrOnNonNull { .. } => Family::Control,
        // Only operators wasmparser adds after its pinned version get here (see the test).
        _ => Family::Unsupported("an operator this compiler does not know"),
    }
}

#[cfg(test)]
mod tests {
    /// The number of operators wasmparser defines.
    macro_rules! count_operators {
        ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
            [$(stringify!($op)),*].len()
        };
    }

    #[test]
    fn every_operator_of_wasmparser_is_named() {
        let known = wasmparser::for_each_operator!(count_operators);
        let source = include_str!("dispatch.rs");
        let body = &source[..source.find("#[cfg(test)]").expect("tests follow the match")];
        let named = body.matches("O::").count();
        assert_eq!(
            named, known,
            "wasmparser has {known} operators and the dispatch names {named}: give the new ones a family"
        );
    }
}
