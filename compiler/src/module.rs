//! Parse and validate a whole module (wasmparser) into the metadata the runtime needs plus the
//! function bodies left to translate, each with the validator that checks it during translation.

use wasmaot_abi::metadata::{
    ConstExpr, ConstOp, DataKind, DataSegment, ElemKind, ElemSegment, Export, ExternKind, FuncType,
    GlobalType, HeapType, Import, ImportKind, Limits, MemoryStrategy, MemoryType, ModuleMeta,
    Names, RefType, TableType, ValType,
};
use wasmparser::{
    CompositeInnerType, ElementItems, ElementKind, ExternalKind, FuncToValidate, FunctionBody,
    KnownCustom, Name, Operator, Parser, Payload, TypeRef, ValidPayload, Validator,
    ValidatorResources, WasmFeatures,
};

use crate::debug_lines::DebugSections;
use crate::error::{CompileError, Result};

/// One function body waiting for translation.
pub struct FunctionInput<'a> {
    pub validator: FuncToValidate<ValidatorResources>,
    pub body: FunctionBody<'a>,
}

/// A validated module: its metadata (code info still empty) and its function bodies.
pub struct ParsedModule<'a> {
    pub meta: ModuleMeta,
    pub functions: Vec<FunctionInput<'a>>,
    /// The features it was validated against; function bodies are read with the same.
    pub features: WasmFeatures,
    /// Its DWARF sections, for source lines in backtraces.
    pub debug: DebugSections<'a>,
}

/// Parse and validate `bytes` completely, function bodies included, without translating.
pub fn validate(bytes: &[u8]) -> Result<ModuleMeta> {
    let parsed = parse(bytes)?;
    let mut allocs = wasmparser::FuncValidatorAllocations::default();
    for function in parsed.functions {
        let mut validator = function.validator.into_validator(allocs);
        validator.validate(&function.body)?;
        allocs = validator.into_allocations();
    }
    Ok(parsed.meta)
}

/// The WebAssembly features accepted: 2.0 (SIMD included), relaxed SIMD, multi-memory,
/// memory64, custom page sizes, extended constant expressions, wide arithmetic, tail calls,
/// typed function references and exception handling (the standard form and the legacy one). GC is on for the validator only because recursion groups of
/// function types (3.0's type section) need it: GC's own types, heap types and instructions
/// are refused as unsupported where they appear.
pub fn features() -> WasmFeatures {
    WasmFeatures::WASM2
        | WasmFeatures::RELAXED_SIMD
        | WasmFeatures::MULTI_MEMORY
        | WasmFeatures::MEMORY64
        | WasmFeatures::CUSTOM_PAGE_SIZES
        | WasmFeatures::EXTENDED_CONST
        | WasmFeatures::WIDE_ARITHMETIC
        | WasmFeatures::TAIL_CALL
        | WasmFeatures::FUNCTION_REFERENCES
        | WasmFeatures::EXCEPTIONS
        | WasmFeatures::LEGACY_EXCEPTIONS
        | WasmFeatures::GC
}

/// The proposals beyond WebAssembly 2.0's core (SIMD counted separately) that a valid module
/// needs, found by validating with every feature the validator knows but each in turn:
/// `simd`, `relaxed-simd`, `multi-memory`, `memory64`, `custom-page-sizes`, `extended-const`,
/// `wide-arithmetic`, `tail-call`, `function-references`, `gc`, and the ones not supported
/// yet, `exceptions` and `threads`.
pub fn proposals_used(bytes: &[u8]) -> Vec<&'static str> {
    let all = WasmFeatures::all();
    let needs = |without: WasmFeatures| {
        let mut validator = Validator::new_with_features(all.difference(without));
        validator.validate_all(bytes).is_err()
    };
    let mut used = Vec::new();
    for (name, feature) in [
        ("simd", WasmFeatures::SIMD | WasmFeatures::RELAXED_SIMD),
        ("relaxed-simd", WasmFeatures::RELAXED_SIMD),
        ("multi-memory", WasmFeatures::MULTI_MEMORY),
        ("memory64", WasmFeatures::MEMORY64),
        ("custom-page-sizes", WasmFeatures::CUSTOM_PAGE_SIZES),
        ("extended-const", WasmFeatures::EXTENDED_CONST),
        ("wide-arithmetic", WasmFeatures::WIDE_ARITHMETIC),
        ("tail-call", WasmFeatures::TAIL_CALL),
        // GC includes typed references: without both, a module using them fails.
        (
            "function-references",
            WasmFeatures::FUNCTION_REFERENCES | WasmFeatures::GC,
        ),
        ("gc", WasmFeatures::GC),
        (
            "exceptions",
            WasmFeatures::EXCEPTIONS | WasmFeatures::LEGACY_EXCEPTIONS,
        ),
        (
            "threads",
            WasmFeatures::THREADS | WasmFeatures::SHARED_EVERYTHING_THREADS,
        ),
    ] {
        if needs(feature) {
            used.push(name);
        }
    }
    used
}

/// Whether `bytes` is a valid module when every feature the validator knows is switched on
/// (so a refusal with fewer is about support, not validity).
pub fn valid_with_every_feature(bytes: &[u8]) -> bool {
    Validator::new_with_features(WasmFeatures::all())
        .validate_all(bytes)
        .is_ok()
}

/// Parse and validate `bytes` against every feature the compiler supports.
pub fn parse(bytes: &[u8]) -> Result<ParsedModule<'_>> {
    parse_with(bytes, features())
}

/// Parse and validate `bytes` against `features` (a subset of [`features`], e.g. WebAssembly
/// 2.0 alone, as its testsuite expects).
pub fn parse_with(bytes: &[u8], features: WasmFeatures) -> Result<ParsedModule<'_>> {
    let mut validator = Validator::new_with_features(features);
    let mut meta = empty_meta();
    let mut functions = Vec::new();
    let mut local_func_types = Vec::new();
    let mut func_names = Vec::new();
    let mut debug = DebugSections::default();
    let mut parser = Parser::new(0);
    parser.set_features(features);
    for payload in parser.parse_all(bytes) {
        let payload = payload?;
        match validator.payload(&payload)? {
            ValidPayload::Func(validator, body) => {
                functions.push(FunctionInput { validator, body })
            }
            ValidPayload::Parser(_) => {
                return Err(CompileError::unsupported("nested modules or components", 0))
            }
            ValidPayload::Ok | ValidPayload::End(_) => {}
        }
        match &payload {
            Payload::CodeSectionStart {
                unchecked_range: range,
                ..
            } => {
                debug.code_start = range.start;
                debug.code_len = range.end.saturating_sub(range.start);
            }
            Payload::CustomSection(reader) if reader.name().starts_with(".debug_") => {
                debug.sections.push((reader.name(), reader.data()));
            }
            _ => {}
        }
        read_payload(payload, &mut meta, &mut local_func_types, &mut func_names)?;
    }
    meta.func_types.extend(local_func_types);
    meta.func_names = Names::new(func_names);
    Ok(ParsedModule {
        meta,
        functions,
        features,
        debug,
    })
}

fn empty_meta() -> ModuleMeta {
    ModuleMeta {
        types: Vec::new(),
        imports: Vec::new(),
        func_types: Vec::new(),
        tables: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        tags: Vec::new(),
        global_inits: Vec::new(),
        table_inits: Vec::new(),
        rec_groups: Vec::new(),
        exports: Vec::new(),
        start: None,
        data: Vec::new(),
        elems: Vec::new(),
        func_names: Default::default(),
        tag_names: Vec::new(),
        memory_strategy: MemoryStrategy {
            reservation: 0,
            fixed_base: 0,
            fixed_vmctx: 0,
        },
        cpu_features: Vec::new(),
        landing_pads: Vec::new(),
        code_site_ends: Vec::new(),
        source_files: Vec::new(),
        instrumentation: Default::default(),
    }
}

fn read_payload(
    payload: Payload<'_>,
    meta: &mut ModuleMeta,
    local_funcs: &mut Vec<u32>,
    func_names: &mut Vec<(u32, String)>,
) -> Result<()> {
    match payload {
        Payload::TypeSection(reader) => {
            for group in reader.into_iter_with_offsets() {
                let (offset, group) = group?;
                let types = group.into_types();
                meta.rec_groups.push(types.len() as u32);
                for ty in types {
                    // Declared subtyping would make call_indirect's exact signature check
                    // wrong; it comes with GC, not supported.
                    if !ty.is_final || !ty.supertype_idxs.is_empty() {
                        return Err(CompileError::unsupported("gc (type subtyping)", offset));
                    }
                    match &ty.composite_type.inner {
                        CompositeInnerType::Func(f) => meta.types.push(FuncType {
                            params: val_types(f.params(), offset)?,
                            results: val_types(f.results(), offset)?,
                        }),
                        _ => {
                            return Err(CompileError::unsupported(
                                "gc (struct and array types)",
                                offset,
                            ))
                        }
                    }
                }
            }
        }
        Payload::ImportSection(reader) => {
            for import in reader.into_imports_with_offsets() {
                let (offset, import) = import?;
                let kind = match import.ty {
                    TypeRef::Func(t) => {
                        meta.func_types.push(t);
                        ImportKind::Func(t)
                    }
                    TypeRef::Table(t) => {
                        let t = table_type(&t, offset)?;
                        meta.tables.push(t);
                        ImportKind::Table(t)
                    }
                    TypeRef::Memory(m) => {
                        let m = memory_type(&m, offset)?;
                        meta.memories.push(m);
                        ImportKind::Memory(m)
                    }
                    TypeRef::Global(g) => {
                        let g = global_type(&g, offset)?;
                        meta.globals.push(g);
                        ImportKind::Global(g)
                    }
                    TypeRef::Tag(t) => {
                        meta.tags.push(t.func_type_idx);
                        ImportKind::Tag(t.func_type_idx)
                    }
                    TypeRef::FuncExact(_) => {
                        return Err(CompileError::unsupported(
                            "custom descriptors (exact imports)",
                            offset,
                        ))
                    }
                };
                meta.imports.push(Import {
                    module: import.module.to_string(),
                    name: import.name.to_string(),
                    kind,
                });
            }
        }
        Payload::FunctionSection(reader) => {
            for ty in reader {
                local_funcs.push(ty?);
            }
        }
        Payload::TableSection(reader) => {
            for table in reader {
                let table = table?;
                meta.table_inits.push(match table.init {
                    wasmparser::TableInit::RefNull => ConstExpr::RefNull,
                    wasmparser::TableInit::Expr(expr) => const_expr(&expr)?,
                });
                meta.tables.push(table_type(&table.ty, 0)?);
            }
        }
        Payload::MemorySection(reader) => {
            for memory in reader {
                meta.memories.push(memory_type(&memory?, 0)?);
            }
        }
        Payload::GlobalSection(reader) => {
            for global in reader {
                let global = global?;
                meta.globals.push(global_type(&global.ty, 0)?);
                meta.global_inits.push(const_expr(&global.init_expr)?);
            }
        }
        Payload::ExportSection(reader) => {
            for export in reader {
                let export = export?;
                let kind = match export.kind {
                    ExternalKind::Func | ExternalKind::FuncExact => ExternKind::Func,
                    ExternalKind::Table => ExternKind::Table,
                    ExternalKind::Memory => ExternKind::Memory,
                    ExternalKind::Global => ExternKind::Global,
                    ExternalKind::Tag => ExternKind::Tag,
                };
                meta.exports.push(Export {
                    name: export.name.to_string(),
                    kind,
                    index: export.index,
                });
            }
        }
        Payload::TagSection(reader) => {
            for tag in reader {
                meta.tags.push(tag?.func_type_idx);
            }
        }
        Payload::StartSection { func, .. } => meta.start = Some(func),
        Payload::ElementSection(reader) => {
            for elem in reader {
                meta.elems.push(elem_segment(elem?)?);
            }
        }
        Payload::DataSection(reader) => {
            for data in reader {
                let data = data?;
                let kind = match data.kind {
                    wasmparser::DataKind::Passive => DataKind::Passive,
                    wasmparser::DataKind::Active {
                        memory_index,
                        offset_expr,
                    } => DataKind::Active {
                        memory: memory_index,
                        offset: const_expr(&offset_expr)?,
                    },
                };
                meta.data.push(DataSegment {
                    kind,
                    bytes: data.data.to_vec(),
                });
            }
        }
        Payload::CustomSection(reader) => {
            if let KnownCustom::Name(names) = reader.as_known() {
                // A malformed name section is ignored, as the spec asks of custom sections.
                for name in names.into_iter().flatten() {
                    let (map, into) = match name {
                        Name::Function(map) => (map, &mut *func_names),
                        Name::Tag(map) => (map, &mut meta.tag_names),
                        _ => continue,
                    };
                    into.extend(
                        map.into_iter()
                            .flatten()
                            .map(|n| (n.index, n.name.to_string())),
                    );
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn elem_segment(elem: wasmparser::Element<'_>) -> Result<ElemSegment> {
    let kind = match elem.kind {
        ElementKind::Passive => ElemKind::Passive,
        ElementKind::Declared => ElemKind::Declared,
        ElementKind::Active {
            table_index,
            offset_expr,
        } => ElemKind::Active {
            table: table_index.unwrap_or(0),
            offset: const_expr(&offset_expr)?,
        },
    };
    let (element, items) = match elem.items {
        ElementItems::Functions(funcs) => {
            let items = funcs
                .into_iter()
                .map(|f| f.map(ConstExpr::RefFunc))
                .collect::<Result<Vec<_>, _>>()?;
            (ValType::FuncRef, items)
        }
        ElementItems::Expressions(ty, exprs) => {
            let element = ref_type(ty, elem.range.start)?;
            let mut items = Vec::new();
            for expr in exprs {
                items.push(const_expr(&expr?)?);
            }
            (element, items)
        }
    };
    Ok(ElemSegment {
        kind,
        element,
        items,
    })
}

/// A constant expression: one instruction and `end` (WebAssembly 2.0), or with extended-const
/// several, kept as a stack program for the runtime to run.
pub fn const_expr(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr> {
    let mut reader = expr.get_operators_reader();
    let mut ops = Vec::new();
    loop {
        let offset = reader.original_position();
        match reader.read()? {
            Operator::End => break,
            op => ops.push((op, offset)),
        }
    }
    if let [(op, _)] = ops.as_slice() {
        if let Some(single) = single_instruction(op) {
            return Ok(single);
        }
    }
    let ops = ops.iter().map(|(op, offset)| const_op(op, *offset));
    Ok(ConstExpr::Ops(ops.collect::<Result<_>>()?))
}

/// A constant expression of one instruction, as WebAssembly 2.0 has them.
fn single_instruction(op: &Operator<'_>) -> Option<ConstExpr> {
    Some(match *op {
        Operator::I32Const { value } => ConstExpr::I32(value),
        Operator::I64Const { value } => ConstExpr::I64(value),
        Operator::F32Const { value } => ConstExpr::F32(value.bits()),
        Operator::F64Const { value } => ConstExpr::F64(value.bits()),
        Operator::V128Const { value } => ConstExpr::V128(u128::from_le_bytes(*value.bytes())),
        Operator::RefNull { .. } => ConstExpr::RefNull,
        Operator::RefFunc { function_index } => ConstExpr::RefFunc(function_index),
        Operator::GlobalGet { global_index } => ConstExpr::GlobalGet(global_index),
        _ => return None,
    })
}

/// One operator of an extended constant expression (integer constants, globals, arithmetic).
fn const_op(op: &Operator<'_>, offset: u64) -> Result<ConstOp> {
    Ok(match *op {
        Operator::I32Const { value } => ConstOp::I32Const(value),
        Operator::I64Const { value } => ConstOp::I64Const(value),
        Operator::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
        Operator::I32Add => ConstOp::I32Add,
        Operator::I32Sub => ConstOp::I32Sub,
        Operator::I32Mul => ConstOp::I32Mul,
        Operator::I64Add => ConstOp::I64Add,
        Operator::I64Sub => ConstOp::I64Sub,
        Operator::I64Mul => ConstOp::I64Mul,
        _ => {
            return Err(CompileError::unsupported(
                "this operator in a constant expression",
                offset,
            ))
        }
    })
}

pub fn val_type(ty: wasmparser::ValType, offset: u64) -> Result<ValType> {
    Ok(match ty {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => ValType::V128,
        wasmparser::ValType::Ref(r) => ref_type(r, offset)?,
    })
}

fn val_types(types: &[wasmparser::ValType], offset: u64) -> Result<Vec<ValType>> {
    types.iter().map(|t| val_type(*t, offset)).collect()
}

/// A reference type: `funcref`, `externref`, `exnref` and the typed references of the
/// function-references proposal (a concrete heap type by its module type index). Other heap
/// types belong to GC, not supported.
fn ref_type(ty: wasmparser::RefType, offset: u64) -> Result<ValType> {
    use wasmparser::{AbstractHeapType as A, HeapType as H};
    let heap = match ty.heap_type() {
        H::Concrete(index) | H::Exact(index) => match index.as_module_index() {
            Some(index) => HeapType::Concrete(index),
            None => return Err(CompileError::unsupported("recursive type groups", offset)),
        },
        H::Abstract { shared: false, ty } => match ty {
            A::Func => HeapType::Func,
            A::Extern => HeapType::Extern,
            A::NoFunc => HeapType::NoFunc,
            A::NoExtern => HeapType::NoExtern,
            A::Exn => HeapType::Exn,
            A::NoExn => HeapType::NoExn,
            _ => {
                return Err(CompileError::unsupported(
                    "gc (heap types beyond func and extern)",
                    offset,
                ))
            }
        },
        H::Abstract { shared: true, .. } => {
            return Err(CompileError::unsupported(
                "shared-everything threads",
                offset,
            ))
        }
    };
    Ok(RefType {
        nullable: ty.is_nullable(),
        heap,
    }
    .val_type())
}

fn table_type(ty: &wasmparser::TableType, offset: u64) -> Result<TableType> {
    Ok(TableType {
        element: ref_type(ty.element_type, offset)?,
        limits: Limits {
            min: ty.initial,
            max: ty.maximum,
        },
        table64: ty.table64,
    })
}

fn memory_type(ty: &wasmparser::MemoryType, offset: u64) -> Result<MemoryType> {
    if ty.shared {
        return Err(CompileError::unsupported("shared memories", offset));
    }
    Ok(MemoryType {
        limits: Limits {
            min: ty.initial,
            max: ty.maximum,
        },
        memory64: ty.memory64,
        page_size_log2: ty.page_size_log2.unwrap_or(wasmaot_abi::WASM_PAGE_SHIFT),
    })
}

fn global_type(ty: &wasmparser::GlobalType, offset: u64) -> Result<GlobalType> {
    Ok(GlobalType {
        content: val_type(ty.content_type, offset)?,
        mutable: ty.mutable,
    })
}
