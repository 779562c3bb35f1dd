//! Modules from seeds: wasm-smith shapes a seed's bytes into a valid module under the seed's
//! swarm configuration; for execution, the module is made to terminate and its fuel counter
//! exported, so the harness can refill it before every call.

use arbitrary::Unstructured;
use wasm_encoder::{ExportKind, ExportSection, Module, RawSection};
use wasmparser::{ExternalKind, Parser, Payload};

use crate::rng::Rng;
use crate::swarm::{Features, Swarm};

/// The export name of the fuel counter.
pub const FUEL_EXPORT: &str = "fuzz:fuel";

/// Loop iterations and calls one call may make before the module traps with `unreachable`:
/// also the deepest recursion a generated module reaches.
pub const FUEL: u32 = 2000;

/// A module and the configuration that made it.
pub struct Generated {
    pub wasm: Vec<u8>,
    pub swarm: Swarm,
}

/// The module of `seed` (in `stream`, one per target), choosing among `allowed` features.
/// `terminating`: every loop and call consumes fuel, exported as [`FUEL_EXPORT`].
pub fn generate(
    seed: u64,
    stream: u64,
    allowed: Features,
    terminating: bool,
) -> Result<Generated, String> {
    let mut rng = Rng::new(seed, stream);
    let swarm = Swarm::for_seed(&mut rng, allowed);
    let len = 1024 + rng.below(32 * 1024) as usize;
    let data = rng.bytes(len);
    let mut u = Unstructured::new(&data);
    let mut module =
        wasm_smith::Module::new(swarm.config.clone(), &mut u).map_err(|e| e.to_string())?;
    let wasm = if terminating {
        let fuel = module.ensure_termination(FUEL).map_err(|e| e.to_string())?;
        export_global(&module.to_bytes(), fuel, FUEL_EXPORT)?
    } else {
        module.to_bytes()
    };
    Ok(Generated { wasm, swarm })
}

/// Sections that must follow the export section.
fn after_exports(id: u8) -> bool {
    // start, element, data count, code, data
    matches!(id, 8..=12)
}

/// The export section of `reader` (if any) with one more export: global `index` as `name`.
fn exports_with(
    reader: Option<&wasmparser::ExportSectionReader<'_>>,
    index: u32,
    name: &str,
) -> Result<ExportSection, String> {
    let mut exports = ExportSection::new();
    for export in reader.cloned().into_iter().flatten() {
        let export = export.map_err(|e| e.to_string())?;
        let kind = match export.kind {
            ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
            ExternalKind::Table => ExportKind::Table,
            ExternalKind::Memory => ExportKind::Memory,
            ExternalKind::Global => ExportKind::Global,
            ExternalKind::Tag => ExportKind::Tag,
        };
        exports.export(export.name, kind, export.index);
    }
    exports.export(name, ExportKind::Global, index);
    Ok(exports)
}

/// `wasm` with one more export: global `index` as `name`. Every other section is copied as
/// it is.
fn export_global(wasm: &[u8], index: u32, name: &str) -> Result<Vec<u8>, String> {
    let mut out = Module::new();
    let mut exported = false;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| e.to_string())?;
        if let Payload::ExportSection(reader) = &payload {
            out.section(&exports_with(Some(reader), index, name)?);
            exported = true;
            continue;
        }
        let Some((id, range)) = payload.as_section() else {
            continue;
        };
        if !exported && after_exports(id) {
            out.section(&exports_with(None, index, name)?);
            exported = true;
        }
        let data = &wasm[range.start as usize..range.end as usize];
        out.section(&RawSection { id, data });
    }
    if !exported {
        out.section(&exports_with(None, index, name)?);
    }
    Ok(out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fuel_global_is_exported_in_a_valid_module() {
        for (wat, index) in [
            ("(module (global (mut i32) (i32.const 5)))", 0),
            (
                r#"(module (global (mut i32) (i32.const 5)) (func (export "f")) (start 0))"#,
                0,
            ),
        ] {
            let wasm = export_global(&wat::parse_str(wat).unwrap(), index, FUEL_EXPORT).unwrap();
            wasmparser::Validator::new().validate_all(&wasm).unwrap();
            let exports: Vec<String> = Parser::new(0)
                .parse_all(&wasm)
                .filter_map(|p| match p.unwrap() {
                    Payload::ExportSection(r) => Some(
                        r.into_iter()
                            .map(|e| e.unwrap().name.to_string())
                            .collect::<Vec<_>>(),
                    ),
                    _ => None,
                })
                .flatten()
                .collect();
            assert!(exports.iter().any(|e| e == FUEL_EXPORT), "{exports:?}");
        }
    }

    #[test]
    fn a_seed_always_gives_the_same_module() {
        let a = generate(7, 1, Features::DIFFERENTIAL, true).map(|g| g.wasm);
        let b = generate(7, 1, Features::DIFFERENTIAL, true).map(|g| g.wasm);
        assert_eq!(a, b);
    }
}
