//! `br_table`s with few destinations besides the default (`small_tables.rs`: made compares and
//! branches): every index goes where the table says, with and without values carried, on a
//! plain, a loaded and an offset index, for the shapes clang makes and random tables.

mod support;
use support::*;

/// A table: the label depth of each entry, and the default's.
#[derive(Clone, Debug)]
struct Table {
    entries: Vec<u32>,
    default: u32,
}

impl Table {
    fn new(entries: &[u32], default: u32) -> Table {
        Table {
            entries: entries.to_vec(),
            default,
        }
    }

    fn depths(&self) -> u32 {
        self.entries
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .max(self.default)
            + 1
    }

    /// Where index `x` goes.
    fn target(&self, x: u32) -> u32 {
        self.entries
            .get(x as usize)
            .copied()
            .unwrap_or(self.default)
    }

    fn br_table(&self) -> String {
        let entries: Vec<String> = self.entries.iter().map(u32::to_string).collect();
        format!("br_table {} {}", entries.join(" "), self.default)
    }
}

/// Four functions on `table`, named `{name}_plain(x)`, `{name}_values(x, v)`,
/// `{name}_loaded(p)` (the index is the byte at `p`) and `{name}_offset(x)` (the index is
/// `x - 3`): each returns `100 * (depth + 1)` for the label depth its index goes to, plus
/// `v` carried through the table for `_values`.
fn functions(name: &str, table: &Table) -> String {
    let depths = table.depths();
    let mut wat = String::new();
    for (suffix, params, index) in [
        ("plain", "(param $x i32)", "local.get $x"),
        ("loaded", "(param $x i32)", "local.get $x\ni32.load8_u"),
        (
            "offset",
            "(param $x i32)",
            "local.get $x\ni32.const 3\ni32.sub",
        ),
    ] {
        wat += &format!("(func (export \"{name}_{suffix}\") {params} (result i32)\n");
        wat += &"block\n".repeat(depths as usize);
        wat += &format!("{index}\n{}\n", table.br_table());
        for depth in 0..depths {
            wat += &format!("end\ni32.const {}\nreturn\n", 100 * (depth + 1));
        }
        wat += ")\n";
    }
    wat +=
        &format!("(func (export \"{name}_values\") (param $x i32) (param $v i32) (result i32)\n");
    wat += &"block (result i32)\n".repeat(depths as usize);
    wat += &format!("local.get $v\nlocal.get $x\n{}\n", table.br_table());
    for depth in 0..depths {
        wat += &format!("end\ni32.const {}\ni32.add\nreturn\n", 100 * (depth + 1));
    }
    wat += ")\n";
    wat
}

/// The shapes clang makes (SQLite's serial types, ranges, one run, none) and some with more
/// runs than become compares.
fn shapes() -> Vec<Table> {
    vec![
        Table::new(&[2, 1, 1, 1, 1, 1, 1, 0, 1], 1),
        Table::new(&[3, 6, 6, 6, 6, 6, 6, 2, 6, 6, 3, 6], 6),
        Table::new(&[0, 0, 0, 1, 1, 2, 2, 2], 3),
        Table::new(&[1, 0, 0], 2),
        Table::new(&[0, 1, 2], 3),
        Table::new(&[0, 1, 2, 3], 4),
        Table::new(&[0, 1, 0, 1, 0], 1),
        Table::new(&[1, 1, 1], 1),
        Table::new(&[], 0),
        Table::new(&[0; 20], 1),
        Table::new(&[5, 5, 0, 5, 1, 5, 2, 5], 5),
    ]
}

/// Random tables of up to 12 entries with destinations drawn from few labels.
fn random_tables(count: usize) -> Vec<Table> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n) as u32
    };
    (0..count)
        .map(|_| {
            let labels = 1 + u64::from(next(4));
            let entries: Vec<u32> = (0..next(13)).map(|_| next(labels)).collect();
            Table::new(&entries, next(labels))
        })
        .collect()
}

#[test]
fn tables_of_few_destinations_branch_where_their_entries_say() {
    let tables: Vec<Table> = shapes().into_iter().chain(random_tables(40)).collect();
    let mut wat = String::from("(module (memory (export \"memory\") 1)\n");
    for (n, table) in tables.iter().enumerate() {
        wat += &functions(&format!("t{n}"), table);
    }
    wat += ")";
    let mut xs: Vec<u32> = (0..24).collect();
    xs.extend([0x7fff_ffff, 0x8000_0000, 0xffff_fffd, 0xffff_ffff]);
    for (name, instance) in instances_both_checks(&wat) {
        let memory = memory(&instance, "memory");
        let bytes: Vec<u8> = (0..=255).collect();
        with_store(|st| memory.write(st, 0, &bytes)).expect("in memory");
        for (n, table) in tables.iter().enumerate() {
            let want = |x: u32| 100 * (table.target(x) as i32 + 1);
            for &x in &xs {
                let got = call1(&instance, &format!("t{n}_plain"), &[i32(x as i32)]).unwrap_i32();
                assert_eq!(got, want(x), "{name}: {table:?} at {x}");
                let got = call1(&instance, &format!("t{n}_values"), &[i32(x as i32), i32(7)])
                    .unwrap_i32();
                assert_eq!(got, want(x) + 7, "{name}: {table:?} at {x} with a value");
                let got = call1(&instance, &format!("t{n}_offset"), &[i32(x as i32)]).unwrap_i32();
                assert_eq!(got, want(x.wrapping_sub(3)), "{name}: {table:?} at {x} - 3");
                if x < 256 {
                    // The byte at `x` is `x`.
                    let got =
                        call1(&instance, &format!("t{n}_loaded"), &[i32(x as i32)]).unwrap_i32();
                    assert_eq!(got, want(x), "{name}: {table:?} at loaded {x}");
                }
            }
        }
    }
}
