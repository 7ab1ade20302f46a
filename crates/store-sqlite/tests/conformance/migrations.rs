//! Migrations run by sqlx's migrator: a database older than this build is brought up to date, and a
//! database this build does not fully know — a migration it lacks, or an edited one — is refused.

use sqlx::Connection;

async fn raw(path: &std::path::Path) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap()
}

async fn versions(path: &std::path::Path) -> Vec<i64> {
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(&mut raw(path).await)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_new_database_records_every_migration_with_its_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    drop(store_sqlite::open(&path).await.unwrap());
    assert_eq!(versions(&path).await, [1, 2, 3, 4, 5, 6, 7, 9]);
    // Opening again applies nothing and refuses nothing.
    drop(store_sqlite::open(&path).await.unwrap());
    assert_eq!(versions(&path).await, [1, 2, 3, 4, 5, 6, 7, 9]);
}

#[tokio::test]
async fn a_database_from_before_the_migrator_is_adopted_without_rerunning_anything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legacy.db");
    let mut conn = raw(&path).await;
    // What the hand-written migration runner of earlier versions left: the schema of migrations 1–3
    // and their versions in `schema_migrations`.
    for sql in [
        include_str!("../../migrations/0001_registrations.sql"),
        include_str!("../../migrations/0002_orders.sql"),
        include_str!("../../migrations/0003_web.sql"),
    ] {
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
    }
    sqlx::raw_sql(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_us BIGINT NOT NULL); \
         INSERT INTO schema_migrations VALUES (1, 0), (2, 0), (3, 0); \
         INSERT INTO regions (name, created_us) VALUES ('West', 0);",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    drop(conn);

    let store = store_sqlite::open(&path).await.unwrap();
    use store::DirectoryStore;
    let regions = store.list_regions().await.unwrap();
    assert_eq!(regions.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["West"]);
    drop(store);
    assert_eq!(
        versions(&path).await,
        [1, 2, 3, 4, 5, 6, 7, 9],
        "1–3 adopted, the later ones applied"
    );
    let legacy: Option<String> = sqlx::query_scalar("SELECT name FROM sqlite_schema WHERE name = 'schema_migrations'")
        .fetch_optional(&mut raw(&path).await)
        .await
        .unwrap();
    assert_eq!(legacy, None);
}

#[tokio::test]
async fn a_database_with_a_migration_this_build_does_not_know_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    drop(store_sqlite::open(&path).await.unwrap());
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES (99, 'from a newer dealreg', 1, x'00', 0)",
    )
    .execute(&mut raw(&path).await)
    .await
    .unwrap();
    let refused = store_sqlite::open(&path).await.err().expect("refused");
    let message = refused.to_string();
    assert!(
        message.contains("cannot migrate") && message.contains("99"),
        "{message}"
    );
}

#[tokio::test]
async fn a_database_whose_applied_migration_was_edited_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edited.db");
    drop(store_sqlite::open(&path).await.unwrap());
    sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 2")
        .execute(&mut raw(&path).await)
        .await
        .unwrap();
    let refused = store_sqlite::open(&path).await.err().expect("refused");
    let message = refused.to_string();
    assert!(message.contains("cannot migrate") && message.contains('2'), "{message}");
}
