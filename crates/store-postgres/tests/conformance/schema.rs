//! The two backends' migrations describe one schema: the same tables, columns (type family and
//! nullability), primary keys, unique and partial indexes, foreign keys and triggers. Migrations are
//! written once per backend, so this is what keeps them from drifting apart.

use sqlx::{Connection, Row};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// Name, type family, NOT NULL — in declaration order.
    columns: Vec<(String, &'static str, bool)>,
    primary_key: Vec<String>,
    /// Unique?, columns, partial? — for every index but the primary key's.
    indexes: BTreeSet<(bool, Vec<String>, bool)>,
    /// Columns → referenced table and columns.
    foreign_keys: BTreeSet<(Vec<String>, String, Vec<String>)>,
}

#[derive(Debug, PartialEq, Eq)]
struct Schema {
    tables: BTreeMap<String, Table>,
    /// Table and event (INSERT, UPDATE, DELETE) of each trigger: SQLite needs one trigger per
    /// event where PostgreSQL has one for several, so names are not compared.
    triggers: BTreeSet<(String, String)>,
}

/// INTEGER ≈ BIGINT ≈ BOOLEAN (SQLite stores flags as 0/1), TEXT ≈ VARCHAR, BLOB ≈ BYTEA.
fn type_family(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int" | "int8" | "smallint" | "boolean" | "bool" => "integer",
        "text" | "character varying" | "varchar" => "text",
        "blob" | "bytea" => "blob",
        "real" | "double precision" => "real",
        other => panic!("no type family for column type '{other}': add it here"),
    }
}

const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

async fn sqlite_schema(path: &std::path::Path) -> Schema {
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> $1",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut tables = BTreeMap::new();
    for name in names {
        let mut table = Table::default();
        let mut key: Vec<(i64, String)> = Vec::new();
        for c in sqlx::query("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid")
            .bind(&name)
            .fetch_all(&mut conn)
            .await
            .unwrap()
        {
            let (column, pk): (String, i64) = (c.get("name"), c.get("pk"));
            // A primary key column is never NULL, whatever SQLite's table_info says.
            let not_null = c.get::<i64, _>("notnull") == 1 || pk > 0;
            table
                .columns
                .push((column.clone(), type_family(c.get("type")), not_null));
            if pk > 0 {
                key.push((pk, column));
            }
        }
        key.sort();
        table.primary_key = key.into_iter().map(|(_, c)| c).collect();
        for i in sqlx::query("SELECT name, \"unique\", origin, partial FROM pragma_index_list($1)")
            .bind(&name)
            .fetch_all(&mut conn)
            .await
            .unwrap()
        {
            if i.get::<String, _>("origin") == "pk" {
                continue;
            }
            let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                .bind(i.get::<String, _>("name"))
                .fetch_all(&mut conn)
                .await
                .unwrap();
            table
                .indexes
                .insert((i.get::<i64, _>("unique") == 1, columns, i.get::<i64, _>("partial") == 1));
        }
        let mut keys: BTreeMap<i64, (Vec<String>, String, Vec<String>)> = BTreeMap::new();
        for f in sqlx::query("SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list($1) ORDER BY id, seq")
            .bind(&name)
            .fetch_all(&mut conn)
            .await
            .unwrap()
        {
            let entry = keys
                .entry(f.get("id"))
                .or_insert_with(|| (vec![], f.get("table"), vec![]));
            entry.0.push(f.get("from"));
            entry.2.push(f.get("to"));
        }
        table.foreign_keys = keys.into_values().collect();
        tables.insert(name, table);
    }
    let triggers =
        sqlx::query_as::<_, (String, String)>("SELECT tbl_name, sql FROM sqlite_schema WHERE type = 'trigger'")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|(table, sql)| {
                let sql = sql.to_ascii_uppercase();
                let event = ["INSERT", "UPDATE", "DELETE"]
                    .into_iter()
                    .find(|e| sql.contains(&format!("BEFORE {e}")) || sql.contains(&format!("AFTER {e}")))
                    .unwrap_or_else(|| panic!("no event in trigger on {table}: {sql}"));
                (table, event.to_owned())
            })
            .collect();
    Schema { tables, triggers }
}

async fn postgres_schema(url: &str) -> Schema {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> $1",
    )
    .bind(MIGRATIONS_TABLE)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut tables = BTreeMap::new();
    for name in names {
        let mut table = Table::default();
        for c in sqlx::query(
            "SELECT column_name::text AS name, data_type::text AS type, is_nullable::text AS nullable \
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 \
             ORDER BY ordinal_position",
        )
        .bind(&name)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        {
            let not_null = c.get::<String, _>("nullable") == "NO";
            table
                .columns
                .push((c.get("name"), type_family(c.get("type")), not_null));
        }
        // Each index with its columns in key order; expression columns (attnum 0) do not occur here.
        for i in sqlx::query(
            "SELECT i.indisprimary AS primary, i.indisunique AS unique, i.indpred IS NOT NULL AS partial, \
                    array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum)) AS columns \
             FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = $1::regclass GROUP BY i.indexrelid, i.indisprimary, i.indisunique, i.indpred",
        )
        .bind(&name)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        {
            let columns: Vec<String> = i.get("columns");
            if i.get("primary") {
                table.primary_key = columns;
            } else {
                table.indexes.insert((i.get("unique"), columns, i.get("partial")));
            }
        }
        for f in sqlx::query(
            "SELECT ARRAY(SELECT attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) \
                          JOIN pg_attribute ON attrelid = c.conrelid AND attnum = k.n ORDER BY k.o) AS columns, \
                    c.confrelid::regclass::text AS target, \
                    ARRAY(SELECT attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o) \
                          JOIN pg_attribute ON attrelid = c.confrelid AND attnum = k.n ORDER BY k.o) AS target_columns \
             FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = $1::regclass",
        )
        .bind(&name)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        {
            table
                .foreign_keys
                .insert((f.get("columns"), f.get("target"), f.get("target_columns")));
        }
        tables.insert(name, table);
    }
    let triggers = sqlx::query_as(
        "SELECT DISTINCT event_object_table::text, event_manipulation::text FROM information_schema.triggers \
         WHERE event_object_schema = current_schema()",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .collect();
    Schema { tables, triggers }
}

#[tokio::test]
async fn both_backends_migrate_to_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.db");
    drop(store_sqlite::open(&path).await.unwrap());
    let url = crate::fresh_database("schema").await;
    drop(store_postgres::open(&url).await.unwrap());

    let (sqlite, postgres) = (sqlite_schema(&path).await, postgres_schema(&url).await);
    assert!(sqlite.tables.len() > 10, "read the SQLite schema: {sqlite:?}");
    assert_eq!(
        sqlite.tables.keys().collect::<Vec<_>>(),
        postgres.tables.keys().collect::<Vec<_>>(),
        "tables"
    );
    for (name, table) in &sqlite.tables {
        assert_eq!(
            table, &postgres.tables[name],
            "table {name}: SQLite (left) against PostgreSQL (right)"
        );
    }
    assert_eq!(sqlite.triggers, postgres.triggers, "triggers");
}
