/* SQLite (the amalgamation in sqlite/, unchanged) running an embedded-database workload on an
 * in-memory database: bulk inserts through a prepared statement, an index, point and range
 * queries, updates, aggregates with GROUP BY, a join and sorting by text. Prints the query
 * results.
 *
 * usage: sqlite_bench [SCALE]   (SCALE multiplies the row and query counts, default 1.0)
 */
#include <stdio.h>
#include <stdlib.h>

#include "sqlite3.h"

static sqlite3 *db;

static void check(int rc, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "sqlite_bench: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void exec(const char *sql) {
    char *error = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK) {
        fprintf(stderr, "sqlite_bench: %s: %s\n", sql, error);
        exit(1);
    }
}

static int print_row(void *label, int columns, char **values, char **names) {
    (void)names;
    printf("%s:", (const char *)label);
    for (int i = 0; i < columns; i++) printf(" %s", values[i] ? values[i] : "NULL");
    printf("\n");
    return 0;
}

static void query(const char *label, const char *sql) {
    char *error = NULL;
    if (sqlite3_exec(db, sql, print_row, (void *)label, &error) != SQLITE_OK) {
        fprintf(stderr, "sqlite_bench: %s: %s\n", sql, error);
        exit(1);
    }
}

int main(int argc, char **argv) {
    double scale = argc > 1 ? atof(argv[1]) : 1.0;
    int rows = (int)(120000 * scale);
    int lookups = (int)(60000 * scale);
    if (rows < 100) rows = 100;
    if (lookups < 10) lookups = 10;
    check(sqlite3_open(":memory:", &db), "open");
    exec("CREATE TABLE item(id INTEGER PRIMARY KEY, category INTEGER, price REAL, name TEXT)");
    exec("CREATE TABLE category(id INTEGER PRIMARY KEY, label TEXT)");

    sqlite3_stmt *insert;
    exec("BEGIN");
    check(sqlite3_prepare_v2(db, "INSERT INTO category VALUES(?1, 'category-' || ?1)", -1,
                             &insert, NULL),
          "prepare");
    for (int i = 0; i < 100; i++) {
        sqlite3_bind_int(insert, 1, i);
        check(sqlite3_step(insert), "insert category");
        sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    check(sqlite3_prepare_v2(db, "INSERT INTO item VALUES(NULL, ?1, ?2, ?3)", -1, &insert, NULL),
          "prepare");
    unsigned seed = 12345;
    char name[32];
    for (int i = 0; i < rows; i++) {
        seed = seed * 1103515245u + 12345u;
        int category = (int)((seed >> 8) % 100);
        seed = seed * 1103515245u + 12345u;
        double price = (double)((seed >> 8) % 100000) / 100.0;
        snprintf(name, sizeof name, "item-%08x", seed);
        sqlite3_bind_int(insert, 1, category);
        sqlite3_bind_double(insert, 2, price);
        sqlite3_bind_text(insert, 3, name, -1, SQLITE_TRANSIENT);
        check(sqlite3_step(insert), "insert item");
        sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    exec("COMMIT");
    exec("CREATE INDEX item_category ON item(category, price)");
    exec("CREATE INDEX item_name ON item(name)");

    sqlite3_stmt *lookup;
    check(sqlite3_prepare_v2(db,
                             "SELECT count(*), sum(price) FROM item WHERE category = ?1 AND "
                             "price BETWEEN ?2 AND ?2 + 50",
                             -1, &lookup, NULL),
          "prepare");
    long long found = 0;
    double total = 0;
    for (int i = 0; i < lookups; i++) {
        sqlite3_bind_int(lookup, 1, i % 100);
        sqlite3_bind_double(lookup, 2, (double)((i * 7919) % 1000));
        check(sqlite3_step(lookup), "lookup");
        found += sqlite3_column_int64(lookup, 0);
        total += sqlite3_column_double(lookup, 1);
        sqlite3_reset(lookup);
    }
    sqlite3_finalize(lookup);
    printf("range lookups: %d queries, %lld rows, total %.2f\n", lookups, found, total);

    exec("BEGIN");
    exec("UPDATE item SET price = price * 1.1 WHERE category % 3 = 0");
    exec("DELETE FROM item WHERE id % 17 = 0");
    exec("COMMIT");
    query("by category",
          "SELECT c.label, count(*), printf('%.2f', avg(i.price)) FROM item i JOIN category c "
          "ON c.id = i.category GROUP BY c.id ORDER BY sum(i.price) DESC LIMIT 3");
    query("by name", "SELECT name, printf('%.2f', price) FROM item ORDER BY name LIMIT 3");
    query("name range", "SELECT count(*) FROM item WHERE name BETWEEN 'item-4' AND 'item-8'");
    query("expensive", "SELECT count(*), printf('%.2f', max(price)) FROM item WHERE price > 1000");
    sqlite3_close(db);
    return 0;
}
