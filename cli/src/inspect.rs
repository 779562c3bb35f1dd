//! `inspect`: validate a module and describe it — imports, exports, definitions, segments.

use std::fmt::Write;
use std::process::ExitCode;

use wasmaot_compiler::wasmaot_abi::metadata::{
    ExternKind, FuncType, ImportKind, Limits, MemoryType, ModuleMeta, TableType,
};
use wasmaot_compiler::{module, TargetCpu};

use crate::cli_args::InspectArgs;
use crate::compile_step::read_wasm;

pub fn inspect(args: &InspectArgs) -> Result<ExitCode, String> {
    let wasm = read_wasm(&args.input)?;
    let name = |e: wasmaot_compiler::CompileError| format!("{}: {e}", args.input.display());
    let meta = module::validate(&wasm).map_err(name)?;
    print!("{}", describe(&meta));
    let proposals = module::proposals_used(&wasm);
    if !proposals.is_empty() {
        println!("uses: {}", proposals.join(", "));
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

fn signature(ty: &FuncType) -> String {
    format!("{:?} -> {:?}", ty.params, ty.results)
}

fn limits(l: &Limits) -> String {
    match l.max {
        Some(max) => format!("{}..{max}", l.min),
        None => format!("{}..", l.min),
    }
}

/// A memory's limits, page size (when not 64 KiB) and index type (when 64-bit).
fn memory(m: &MemoryType) -> String {
    let mut text = format!("{} pages", limits(&m.limits));
    if m.page_size_log2 != wasmaot_compiler::wasmaot_abi::WASM_PAGE_SHIFT {
        let size = m.page_size();
        let _ = write!(text, " of {size} byte{}", if size == 1 { "" } else { "s" });
    }
    if m.memory64 {
        text.push_str(", i64 addresses");
    }
    text
}

fn table(t: &TableType) -> String {
    let index = if t.table64 { ", i64 indices" } else { "" };
    format!("{:?} {}{index}", t.element, limits(&t.limits))
}

/// The report, one fact per line.
pub fn describe(meta: &ModuleMeta) -> String {
    let mut out = String::new();
    let imported_funcs = meta.imported_funcs() as usize;
    let _ = writeln!(out, "types: {}", meta.types.len());
    let _ = writeln!(
        out,
        "functions: {} ({imported_funcs} imported, {} defined, {} named)",
        meta.func_types.len(),
        meta.func_types.len() - imported_funcs,
        meta.func_names.len()
    );
    for import in &meta.imports {
        let what = match &import.kind {
            ImportKind::Func(t) => format!("func {}", signature(&meta.types[*t as usize])),
            ImportKind::Table(t) => table(t),
            ImportKind::Memory(m) => memory(m),
            ImportKind::Global(g) => format!(
                "global {:?}{}",
                g.content,
                if g.mutable { " mut" } else { "" }
            ),
        };
        let _ = writeln!(out, "import {}::{}: {what}", import.module, import.name);
    }
    for export in &meta.exports {
        let kind = match export.kind {
            ExternKind::Func => "func",
            ExternKind::Table => "table",
            ExternKind::Memory => "memory",
            ExternKind::Global => "global",
        };
        let _ = writeln!(out, "export {}: {kind} {}", export.name, export.index);
    }
    for (i, m) in meta.memories.iter().enumerate() {
        let _ = writeln!(out, "memory {i}: {}", memory(m));
    }
    for (i, t) in meta.tables.iter().enumerate() {
        let _ = writeln!(out, "table {i}: {}", table(t));
    }
    let _ = writeln!(out, "globals: {}", meta.globals.len());
    let data_bytes: usize = meta.data.iter().map(|d| d.bytes.len()).sum();
    let _ = writeln!(
        out,
        "data segments: {} ({data_bytes} bytes)",
        meta.data.len()
    );
    let _ = writeln!(out, "element segments: {}", meta.elems.len());
    if let Some(start) = meta.start {
        let _ = writeln!(out, "start: func {start}");
    }
    out
}
