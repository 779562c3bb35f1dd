//! `inspect`: validate a module and describe it in WebAssembly's own text-format vocabulary —
//! types, imports, exports, definitions, segments, the proposals it uses, whether `build`
//! accepts it (and why not) and the CPU features its code would need. A valid module that needs
//! something wasmaot does not support yet is described as such, not refused as invalid.

use std::fmt::Write;
use std::process::ExitCode;

use wasmaot_compiler::wasmaot_abi::metadata::{
    ExternKind, FuncType, GlobalType, ImportKind, Limits, MemoryType, ModuleMeta, TableType,
    ValTypes,
};
use wasmaot_compiler::{module, CompileError, TargetCpu};

use crate::cli_args::InspectArgs;
use crate::compile_step::{check_command, read_wasm};

pub fn inspect(args: &InspectArgs) -> Result<ExitCode, String> {
    let wasm = read_wasm(&args.input)?;
    let name = |e: CompileError| format!("{}: {e}", args.input.display());
    let meta = match module::validate(&wasm).map_err(|e| e.explained(&wasm)) {
        Ok(meta) => Some(meta),
        Err(CompileError::Unsupported { feature, offset }) => {
            println!(
                "valid WebAssembly, but it needs {feature} (first used at offset {offset:#x}), \
                 which wasmaot does not support yet"
            );
            None
        }
        Err(e) => return Err(name(e)),
    };
    if let Some(meta) = &meta {
        print!("{}", describe(meta));
    }
    let proposals = module::proposals_used(&wasm);
    if !proposals.is_empty() {
        println!("uses: {}", proposals.join(", "));
    }
    let Some(meta) = meta else {
        println!("build: no (unsupported feature)");
        return Ok(ExitCode::SUCCESS);
    };
    match check_command(&args.input, &meta) {
        Ok(()) => println!("build: yes (a WASI command)"),
        Err(why) => {
            let why = why.split_once(": ").map_or(why.as_str(), |(_, why)| why);
            println!("build: no ({why}); `compile` makes a shared object or an object file")
        }
    }
    let options = wasmaot_compiler::Options {
        target_cpu: args.target_cpu.unwrap_or(TargetCpu::Native),
        ..wasmaot_compiler::Options::default()
    };
    let features = wasmaot_compiler::cpu_features(&options).map_err(name)?;
    let features: Vec<&str> = features
        .iter()
        .map(|f| f.strip_prefix("has_").unwrap_or(f))
        .collect();
    println!(
        "cpu features (--target-cpu {}): {}",
        options.target_cpu,
        if features.is_empty() {
            "baseline only".to_string()
        } else {
            features.join(" ")
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// `(tag (param ...))`.
fn tag(ty: &FuncType) -> String {
    let mut out = "(tag".to_string();
    if !ty.params.is_empty() {
        out += &format!(" (param {})", ValTypes(&ty.params));
    }
    out + ")"
}

fn limits(l: &Limits) -> String {
    match l.max {
        Some(max) => format!("{} {max}", l.min),
        None => l.min.to_string(),
    }
}

/// `(memory [i64] MIN [MAX] [(pagesize N)])`.
fn memory(m: &MemoryType) -> String {
    let index = if m.memory64 { "i64 " } else { "" };
    let page = if m.page_size_log2 != wasmaot_compiler::wasmaot_abi::WASM_PAGE_SHIFT {
        format!(" (pagesize {})", m.page_size())
    } else {
        String::new()
    };
    format!("(memory {index}{}{page})", limits(&m.limits))
}

/// `(table [i64] MIN [MAX] REFTYPE)`.
fn table(t: &TableType) -> String {
    let index = if t.table64 { "i64 " } else { "" };
    format!("(table {index}{} {})", limits(&t.limits), t.element)
}

/// `(global TYPE)` or `(global (mut TYPE))`.
fn global(g: &GlobalType) -> String {
    match g.mutable {
        true => format!("(global (mut {}))", g.content),
        false => format!("(global {})", g.content),
    }
}

/// The report, one fact per line.
pub fn describe(meta: &ModuleMeta) -> String {
    let mut out = String::new();
    let imported_funcs = meta.imported_funcs() as usize;
    for (i, ty) in meta.types.iter().enumerate() {
        let _ = writeln!(out, "(type {i} {})", ty);
    }
    let _ = writeln!(
        out,
        "functions: {} ({imported_funcs} imported, {} defined, {} named)",
        meta.func_types.len(),
        meta.func_types.len() - imported_funcs,
        meta.func_names.len()
    );
    for import in &meta.imports {
        let what = match &import.kind {
            ImportKind::Func(t) => meta.types[*t as usize].to_string(),
            ImportKind::Table(t) => table(t),
            ImportKind::Memory(m) => memory(m),
            ImportKind::Global(g) => global(g),
            ImportKind::Tag(t) => tag(&meta.types[*t as usize]),
        };
        let _ = writeln!(out, "(import {:?} {:?} {what})", import.module, import.name);
    }
    for export in &meta.exports {
        let kind = match export.kind {
            ExternKind::Func => "func",
            ExternKind::Table => "table",
            ExternKind::Memory => "memory",
            ExternKind::Global => "global",
            ExternKind::Tag => "tag",
        };
        let named = match export.kind {
            ExternKind::Func => meta
                .func_name(export.index)
                .map(|n| format!(" ;; {n}"))
                .unwrap_or_default(),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "(export {:?} ({kind} {})){named}",
            export.name, export.index
        );
    }
    for m in &meta.memories {
        let _ = writeln!(out, "{}", memory(m));
    }
    for t in &meta.tables {
        let _ = writeln!(out, "{}", table(t));
    }
    for g in &meta.globals[meta.imported_globals() as usize..] {
        let _ = writeln!(out, "{}", global(g));
    }
    for t in &meta.tags[meta.imported_tags() as usize..] {
        let _ = writeln!(out, "{}", tag(&meta.types[*t as usize]));
    }
    let data_bytes: usize = meta.data.iter().map(|d| d.bytes.len()).sum();
    let _ = writeln!(
        out,
        "data segments: {} ({data_bytes} bytes)",
        meta.data.len()
    );
    let _ = writeln!(out, "element segments: {}", meta.elems.len());
    if let Some(start) = meta.start {
        let _ = writeln!(out, "(start {start})");
    }
    out
}
