//! Client activity tracking on SQLite and on a real PostgreSQL (started by scripts/test.sh).
#![cfg(all(feature = "sqlite", feature = "postgres"))]

use std::time::{Duration, SystemTime};

use cognito_auth_activity::{ActivityError, ActivityOptions, ActivityTracker};

/// The PostgreSQL server of the test command, or `None` (skip) when run outside it.
/// Under `COGNITO_TEST_REQUIRE_SERVICES=1` (CI) a missing server is a failure, not a skip.
fn postgres_url() -> Option<String> {
    match std::env::var("COGNITO_TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("COGNITO_TEST_REQUIRE_SERVICES").is_err(),
                "COGNITO_TEST_DATABASE_URL is required: run ./scripts/test.sh"
            );
            eprintln!("skipping: no PostgreSQL (run ./scripts/test.sh)");
            None
        }
    }
}

/// A fresh database on the test server, so tests never share tables.
async fn fresh_pg_database(server: &str) -> String {
    use sqlx::Connection;
    let name = format!("activity_{}", cognito_auth_testkit::random_id(12));
    let mut conn = sqlx::PgConnection::connect(server).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .unwrap();
    let (base, _) = server.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

async fn exercise(tracker: &ActivityTracker) {
    for _ in 0..100 {
        tracker.record("svc-a");
    }
    for _ in 0..3 {
        tracker.record("svc-b");
    }
    assert_eq!(tracker.pending_clients(), 2, "coalesced in memory");
    assert!(
        tracker.list().await.unwrap().is_empty(),
        "nothing written before a flush"
    );
    assert_eq!(tracker.flush().await.unwrap(), 2);
    assert_eq!(tracker.pending_clients(), 0);
    let rows = tracker.list().await.unwrap();
    assert_eq!(rows.len(), 2, "one row per client");
    assert_eq!(
        (rows[0].client_id.as_str(), rows[0].request_count),
        ("svc-a", 100)
    );
    assert_eq!(
        (rows[1].client_id.as_str(), rows[1].request_count),
        ("svc-b", 3)
    );
    let first_a = rows[0].clone();
    assert!(first_a.first_seen_at <= first_a.last_seen_at);
    assert!(first_a.last_seen_at <= SystemTime::now());

    tokio::time::sleep(Duration::from_millis(20)).await;
    tracker.record("svc-a");
    tracker.flush().await.unwrap();
    let a = tracker.get("svc-a").await.unwrap().unwrap();
    assert_eq!(a.request_count, 101);
    assert_eq!(
        a.first_seen_at, first_a.first_seen_at,
        "first_seen_at never moves"
    );
    assert!(
        a.last_seen_at > first_a.last_seen_at,
        "last_seen_at advances"
    );
    assert!(tracker.get("svc-unknown").await.unwrap().is_none());
}

#[tokio::test]
async fn sqlite_in_memory() {
    let t = ActivityTracker::connect("sqlite::memory:", ActivityOptions::default())
        .await
        .unwrap();
    exercise(&t).await;
}

#[tokio::test]
async fn sqlite_file_survives_restart_and_shutdown_flushes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("activity.db").display()
    );
    let t = ActivityTracker::connect(
        &url,
        ActivityOptions::default().flush_interval(Duration::from_secs(3600)),
    )
    .await
    .unwrap();
    exercise(&t).await;
    t.record("svc-c");
    t.shutdown().await.unwrap();
    drop(t);
    // Migrations are idempotent; the data is on disk.
    let again = ActivityTracker::connect(&url, ActivityOptions::default())
        .await
        .unwrap();
    let rows = again.list().await.unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| r.client_id.as_str())
            .collect::<Vec<_>>(),
        ["svc-a", "svc-b", "svc-c"]
    );
    // Our migrations keep to their own bookkeeping table.
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let tables: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
    assert!(names.contains(&"_cognito_auth_migrations"), "{names:?}");
    assert!(!names.contains(&"_sqlx_migrations"), "{names:?}");
}

#[tokio::test]
async fn flushes_on_an_interval() {
    let t = ActivityTracker::connect(
        "sqlite::memory:",
        ActivityOptions::default().flush_interval(Duration::from_millis(50)),
    )
    .await
    .unwrap();
    t.record("svc-timer");
    for _ in 0..100 {
        if !t.list().await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(t.get("svc-timer").await.unwrap().unwrap().request_count, 1);
}

#[tokio::test]
async fn a_failed_flush_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("a.db").display());
    let t = ActivityTracker::connect(
        &url,
        ActivityOptions::default().flush_interval(Duration::from_secs(3600)),
    )
    .await
    .unwrap();
    let admin = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("ALTER TABLE cognito_client_activity RENAME TO moved_away")
        .execute(&admin)
        .await
        .unwrap();
    for _ in 0..5 {
        t.record("svc-a");
    }
    assert!(matches!(t.flush().await, Err(ActivityError::Database(_))));
    assert_eq!(t.pending_clients(), 1, "kept for the next flush");
    t.record("svc-a");
    sqlx::query("ALTER TABLE moved_away RENAME TO cognito_client_activity")
        .execute(&admin)
        .await
        .unwrap();
    assert_eq!(t.flush().await.unwrap(), 1);
    assert_eq!(t.get("svc-a").await.unwrap().unwrap().request_count, 6);
}

#[tokio::test]
async fn the_buffer_is_bounded() {
    let t = ActivityTracker::connect(
        "sqlite::memory:",
        ActivityOptions::default().max_pending_clients(2),
    )
    .await
    .unwrap();
    t.record("a");
    t.record("b");
    t.record("c");
    t.record("a");
    assert_eq!(t.pending_clients(), 2);
    assert_eq!(t.dropped(), 1);
}

#[tokio::test]
async fn unsupported_urls_are_typed_errors_without_credentials() {
    let e = ActivityTracker::connect("mysql://user:hunter2@db/x", ActivityOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(e, ActivityError::UnsupportedUrl(_)));
    assert!(!e.to_string().contains("hunter2"));
}

#[tokio::test]
async fn postgres() {
    let Some(server) = postgres_url() else { return };
    let url = fresh_pg_database(&server).await;
    let t = ActivityTracker::connect(
        &url,
        ActivityOptions::default().flush_interval(Duration::from_secs(3600)),
    )
    .await
    .unwrap();
    exercise(&t).await;
    t.record("svc-z");
    t.shutdown().await.unwrap();
    let again = ActivityTracker::connect(&url, ActivityOptions::default())
        .await
        .unwrap();
    assert_eq!(
        again.list().await.unwrap().len(),
        3,
        "migrations idempotent, data kept"
    );
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let (exists,): (bool,) = sqlx::query_as("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!exists, "the application's migrations table is untouched");
    let (ty,): (String,) = sqlx::query_as(
        "SELECT data_type FROM information_schema.columns WHERE table_name = 'cognito_client_activity' AND column_name = 'last_seen_at'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(ty, "timestamp with time zone");
}

#[tokio::test]
async fn postgres_concurrent_trackers_coalesce_into_one_row() {
    let Some(server) = postgres_url() else { return };
    let url = fresh_pg_database(&server).await;
    let opts = ActivityOptions::default().flush_interval(Duration::from_secs(3600));
    let a = ActivityTracker::connect(&url, opts.clone()).await.unwrap();
    let b = ActivityTracker::connect(&url, opts).await.unwrap();
    for _ in 0..10 {
        a.record("shared");
        b.record("shared");
    }
    let (ra, rb) = tokio::join!(a.flush(), b.flush());
    ra.unwrap();
    rb.unwrap();
    let rows = a.list().await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].request_count, 20);
}
