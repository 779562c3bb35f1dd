//! The serialized metadata of a small module, pinned byte for byte: a change to the format shows
//! here first, and must come with a new `ABI_VERSION` (the runtime refuses objects written with
//! another one). Refresh the file with `WASMAOT_BLESS=1 cargo test -p wasmaot-abi` and review
//! the diff.

use wasmaot_abi::code_sites::{CallSite, EncodedSites, FuncSites, SourceLine};
use wasmaot_abi::metadata::{
    ConstExpr, DataKind, DataSegment, ElemKind, ElemSegment, Export, ExternKind, FuncType,
    GlobalType, HeapType, Import, ImportKind, Instrumentation, LandingPad, Limits, MemoryStrategy,
    MemoryType, Names, RefType, TableType, ValType,
};
use wasmaot_abi::{ModuleMeta, ABI_VERSION};

fn small_module() -> ModuleMeta {
    let i32_to_i32 = FuncType {
        params: vec![ValType::I32],
        results: vec![ValType::I32],
    };
    ModuleMeta {
        types: vec![
            i32_to_i32,
            FuncType {
                params: vec![ValType::V128, ValType::F64],
                results: vec![],
            },
            // A type of a recursion group naming itself.
            FuncType {
                params: vec![ValType::Ref(RefType {
                    nullable: false,
                    heap: HeapType::Concrete(2),
                })],
                results: vec![ValType::Ref(RefType {
                    nullable: true,
                    heap: HeapType::NoFunc,
                })],
            },
        ],
        imports: vec![Import {
            module: "env".to_string(),
            name: "double".to_string(),
            kind: ImportKind::Func(0),
        }],
        func_types: vec![0, 0, 1],
        tables: vec![TableType {
            element: ValType::FuncRef,
            limits: Limits { min: 2, max: None },
            table64: false,
        }],
        memories: vec![MemoryType {
            limits: Limits {
                min: 1,
                max: Some(16),
            },
            memory64: false,
            page_size_log2: 16,
        }],
        globals: vec![GlobalType {
            content: ValType::V128,
            mutable: true,
        }],
        tags: vec![1],
        global_inits: vec![ConstExpr::V128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10)],
        table_inits: vec![ConstExpr::RefFunc(1)],
        rec_groups: vec![1, 1, 1],
        exports: vec![Export {
            name: "run".to_string(),
            kind: ExternKind::Func,
            index: 1,
        }],
        start: None,
        data: vec![DataSegment {
            kind: DataKind::Active {
                memory: 0,
                offset: ConstExpr::I32(16),
            },
            bytes: b"hello".to_vec(),
        }],
        elems: vec![ElemSegment {
            kind: ElemKind::Active {
                table: 0,
                offset: ConstExpr::I32(0),
            },
            element: ValType::FuncRef,
            items: vec![ConstExpr::RefFunc(1), ConstExpr::RefNull],
        }],
        func_names: Names::new(vec![(1, "run".to_string())]),
        tag_names: vec![(0, "oops".to_string())],
        memory_strategy: MemoryStrategy {
            reservation: (1 << 32) + (2 << 30),
            fixed_base: 0x6000_0000,
            fixed_vmctx: 0x5000_0000,
        },
        cpu_features: vec!["has_sse41".to_string()],
        instrumentation: Instrumentation {
            interrupt_checks: true,
            fuel: false,
        },
        landing_pads: vec![(
            1,
            vec![LandingPad {
                ret_offset: 40,
                handler_offset: 96,
                frame_offset: 32,
            }],
        )],
        code_site_ends: small_sites().ends,
        source_files: vec!["run.c".to_string()],
    }
}

/// The encoded code sites of [`small_module`]'s functions, pinned beside its metadata.
fn small_sites() -> EncodedSites {
    EncodedSites::new(&[
        FuncSites::new(0x40, vec![]),
        FuncSites::new(
            0x52,
            vec![
                (18, 0x60, Some(SourceLine { file: 0, line: 7 }), None),
                (
                    41,
                    0x5a,
                    None,
                    Some(CallSite {
                        wasm_offset: 0x58,
                        line: Some(SourceLine { file: 0, line: 9 }),
                    }),
                ),
            ],
        ),
    ])
}

fn hex(bytes: &[u8]) -> String {
    let mut text = String::new();
    for line in bytes.chunks(32) {
        for b in line {
            text += &format!("{b:02x}");
        }
        text.push('\n');
    }
    text
}

#[test]
fn serialized_metadata_is_pinned() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/small_module.hex");
    let actual = format!(
        "abi version {ABI_VERSION}\n{}code sites\n{}",
        hex(&small_module().to_bytes()),
        hex(&small_sites().bytes)
    );
    if std::env::var_os("WASMAOT_BLESS").is_some() {
        std::fs::write(&path, &actual).expect("write the golden file");
    }
    let expected = std::fs::read_to_string(&path).expect("golden file (bless it first)");
    assert_eq!(
        actual, expected,
        "the metadata format changed: bump ABI_VERSION and bless the golden file"
    );
}

#[test]
fn metadata_round_trips() {
    let meta = small_module();
    assert_eq!(
        ModuleMeta::from_bytes(&meta.to_bytes()).expect("reads back"),
        meta
    );
}
