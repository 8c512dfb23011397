//! The token source: single flight, refresh ahead, scope sets, Retry-After.

use super::*;

#[tokio::test]
async fn ten_thousand_concurrent_cold_calls_make_one_request() {
    let issuer = issuer().await;
    issuer.push_token_faults([Fault::delay(Duration::from_millis(300))]);
    let source = TokenSource::new(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
    );
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..10_000 {
        let s = source.clone();
        set.spawn(async move { s.token().await.map(|t| t.secret().to_owned()) });
    }
    let mut distinct = HashSet::new();
    while let Some(r) = set.join_next().await {
        distinct.insert(r.unwrap().unwrap());
    }
    assert_eq!(issuer.token_requests(), 1);
    assert_eq!(distinct.len(), 1);
    // And later calls are served from the cache.
    for _ in 0..100 {
        source.token().await.unwrap();
    }
    assert_eq!(issuer.token_requests(), 1);
}

#[tokio::test]
async fn refresh_ahead_runs_in_the_background() {
    let issuer = issuer().await;
    issuer.set_token_lifetime(6);
    let source = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        RefreshPolicy::default().refresh_at(0.5),
    );
    let first = source.token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(3200)).await;
    // Past 50 % of the lifetime: the old token comes back at once, a refresh starts.
    issuer.push_token_faults([Fault::delay(Duration::from_millis(800))]);
    let started = Instant::now();
    let again = source.token().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "caller did not wait"
    );
    assert_eq!(again.secret(), first.secret());
    for _ in 0..100 {
        if source.token().await.unwrap().secret() != first.secret() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_ne!(
        source.token().await.unwrap().secret(),
        first.secret(),
        "refreshed token in use"
    );
    assert_eq!(issuer.token_requests(), 2);
}

#[tokio::test]
async fn failed_refresh_keeps_the_old_token_until_it_expires() {
    let issuer = issuer().await;
    issuer.set_token_lifetime(4);
    let source = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        RefreshPolicy::default()
            .refresh_at(0.25)
            .expiry_margin(Duration::from_millis(400))
            .failed_refresh_backoff(Duration::from_millis(200)),
    );
    let first = source.token().await.unwrap();
    issuer.push_token_faults(std::iter::repeat_n(Fault::status(500), 1000));
    // Between 25 % and expiry the refreshes fail; the old token keeps being served.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let deadline = first.expires_at() - Duration::from_millis(700);
    let mut served = 0;
    while Instant::now() < deadline {
        assert_eq!(source.token().await.unwrap().secret(), first.secret());
        served += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served > 5);
    assert!(
        issuer.token_requests() >= 3,
        "refresh was attempted, with backoff"
    );
    assert!(
        issuer.token_requests() < 30,
        "refresh attempts are spaced out"
    );
    // Expired (within the margin): never returned; the caller gets the failure instead.
    tokio::time::sleep(first.expires_at().saturating_duration_since(Instant::now())).await;
    let e = source.token().await.unwrap_err();
    assert_eq!(e.status(), Some(500));
    issuer.clear_faults();
    let fresh = source.token().await.unwrap();
    assert_ne!(fresh.secret(), first.secret());
    assert!(!fresh.is_expired());
}

#[tokio::test]
async fn expired_token_is_never_returned() {
    let issuer = issuer().await;
    issuer.set_token_lifetime(2);
    let source = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        RefreshPolicy::default().refresh_at(1.0),
    );
    let first = source.token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(first.is_expired());
    let second = source.token().await.unwrap();
    assert!(!second.is_expired());
    assert_ne!(first.secret(), second.secret());
}

#[tokio::test]
async fn scope_sets_are_cached_separately_and_invalidate_works() {
    let issuer = issuer().await;
    let source = TokenSource::new(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
    );
    let a = source.token_for("orders/write").await.unwrap();
    let b = source.token_for(["stock/read"]).await.unwrap();
    let d = source.token().await.unwrap();
    assert_eq!(issuer.token_requests(), 3);
    assert_eq!(
        source
            .token_for(vec!["orders/write"])
            .await
            .unwrap()
            .secret(),
        a.secret()
    );
    assert_eq!(
        source.token_for("stock/read").await.unwrap().secret(),
        b.secret()
    );
    assert_eq!(
        source.token_for("orders/read").await.unwrap().secret(),
        d.secret(),
        "default scopes share the default entry"
    );
    assert_eq!(issuer.token_requests(), 3);
    assert!(source.token_for("").await.is_err());

    source.invalidate_token(&a);
    assert_ne!(
        source.token_for("orders/write").await.unwrap().secret(),
        a.secret()
    );
    assert_eq!(
        source.token().await.unwrap().secret(),
        d.secret(),
        "other entries kept"
    );
    source.invalidate();
    assert_ne!(source.token().await.unwrap().secret(), d.secret());
    assert_eq!(issuer.token_requests(), 5);

    let h = source.headers().await.unwrap();
    let v = h.get("authorization").unwrap();
    assert!(v.to_str().unwrap().starts_with("Bearer ey"));
    assert!(v.is_sensitive());
}

#[tokio::test]
async fn retry_after_is_remembered_between_calls() {
    let issuer = issuer().await;
    let source = TokenSource::new(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
    );
    issuer.push_token_faults([Fault::too_many_requests(60)]);
    let err = source.token().await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    for _ in 0..20 {
        match source.token().await.unwrap_err() {
            M2mError::Throttled { retry_after } => {
                assert!(retry_after <= Duration::from_secs(60));
                assert!(retry_after > Duration::from_secs(50));
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        issuer.token_requests(),
        1,
        "nothing sent before Retry-After"
    );

    // The pause is capped.
    issuer.reset_counters();
    let capped = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        RefreshPolicy::default().max_retry_after(Duration::from_millis(100)),
    );
    issuer.push_token_faults([Fault::too_many_requests(3600)]);
    assert_eq!(capped.token().await.unwrap_err().status(), Some(429));
    assert!(matches!(
        capped.token().await.unwrap_err(),
        M2mError::Throttled { .. }
    ));
    tokio::time::sleep(Duration::from_millis(150)).await;
    capped.token().await.unwrap();
    assert_eq!(issuer.token_requests(), 2);
}

#[tokio::test]
async fn retry_after_holds_back_the_background_refresh_too() {
    let issuer = issuer().await;
    issuer.set_token_lifetime(4);
    let source = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        RefreshPolicy::default()
            .refresh_at(0.25)
            .failed_refresh_backoff(Duration::ZERO)
            .expiry_margin(Duration::ZERO),
    );
    let t = source.token().await.unwrap();
    assert_eq!(issuer.token_requests(), 1);
    issuer.push_token_faults([Fault::too_many_requests(60)]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Refresh due: one background attempt meets the 429...
    let same = source.token().await.unwrap();
    assert!(same.access_token().ct_eq(t.secret()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    // ...after which callers keep the valid token and nothing more is sent.
    for _ in 0..20 {
        let same = source.token().await.unwrap();
        assert!(same.access_token().ct_eq(t.secret()));
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(issuer.token_requests(), 2);
}

#[tokio::test]
async fn the_refresh_fraction_decides_when_the_background_refresh_starts() {
    for (fraction, refreshed) in [(0.25, true), (0.9, false)] {
        let issuer = issuer().await;
        issuer.set_token_lifetime(4);
        let source = TokenSource::with_policy(
            builder(&issuer)
                .default_scopes("orders/read")
                .build()
                .unwrap(),
            RefreshPolicy::default()
                .refresh_at(fraction)
                .expiry_margin(Duration::ZERO),
        );
        source.token().await.unwrap();
        tokio::time::sleep(Duration::from_millis(1300)).await;
        source.token().await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            issuer.token_requests(),
            if refreshed { 2 } else { 1 },
            "refresh_at {fraction}"
        );
    }
}

#[tokio::test]
async fn the_expiry_margin_retires_a_token_before_it_expires() {
    let issuer = issuer().await;
    issuer.set_token_lifetime(3);
    let source = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        // Never refresh ahead; retire 0.3 s (a tenth of the lifetime) before expiry.
        RefreshPolicy::default()
            .refresh_at(1.0)
            .expiry_margin(Duration::from_secs(60)),
    );
    let first = source.token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2800)).await;
    // 0.2 s before `exp`, inside the margin: a new token, not the one about to expire.
    let second = source.token().await.unwrap();
    assert!(!second.access_token().ct_eq(first.secret()));
    assert_eq!(issuer.token_requests(), 2);
}

#[tokio::test]
async fn failed_background_refreshes_back_off() {
    let issuer = issuer().await;
    issuer.set_token_lifetime(20);
    let source = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        RefreshPolicy::default()
            .refresh_at(0.05)
            .failed_refresh_backoff(Duration::from_millis(600)),
    );
    source.token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    issuer.reset_counters();
    issuer.push_token_faults(std::iter::repeat_n(Fault::status(400), 50));
    // Refresh due: many callers, one failed background attempt, then a pause.
    for _ in 0..30 {
        source.token().await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(issuer.token_requests(), 1, "one attempt, then the back-off");
    tokio::time::sleep(Duration::from_millis(700)).await;
    source.token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        issuer.token_requests(),
        2,
        "the next attempt after the back-off"
    );
    issuer.clear_faults();
}

#[tokio::test]
async fn cached_scope_sets_are_bounded_and_the_stalest_goes_first() {
    let issuer = issuer().await;
    let source = TokenSource::with_policy(
        builder(&issuer).build().unwrap(),
        RefreshPolicy::default().max_scope_sets(2),
    );
    source.token_for("orders/read").await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    source.token_for("orders/write").await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    source.token_for("stock/read").await.unwrap(); // evicts orders/read, the stalest
    assert_eq!(issuer.token_requests(), 3);
    source.token_for("orders/write").await.unwrap(); // still cached
    assert_eq!(issuer.token_requests(), 3);
    source.token_for("orders/read").await.unwrap(); // was evicted: fetched again
    assert_eq!(issuer.token_requests(), 4);
}

#[test]
fn the_policy_reports_its_settings_clamped() {
    let p = RefreshPolicy::default();
    assert_eq!(p.get_refresh_at(), 0.75);
    assert_eq!(p.get_expiry_margin(), Duration::from_secs(10));
    assert_eq!(
        RefreshPolicy::default().refresh_at(0.0).get_refresh_at(),
        0.05
    );
    assert_eq!(
        RefreshPolicy::default().refresh_at(-3.0).get_refresh_at(),
        0.05
    );
    assert_eq!(
        RefreshPolicy::default().refresh_at(2.0).get_refresh_at(),
        1.0
    );
    assert_eq!(
        RefreshPolicy::default().refresh_at(0.5).get_refresh_at(),
        0.5
    );
    assert_eq!(
        RefreshPolicy::default()
            .refresh_at(f64::NAN)
            .get_refresh_at(),
        0.75
    );
    let m = RefreshPolicy::default().expiry_margin(Duration::from_secs(3));
    assert_eq!(m.get_expiry_margin(), Duration::from_secs(3));
}

#[tokio::test]
async fn the_background_refresh_resumes_when_retry_after_ends() {
    let issuer = issuer().await;
    issuer.set_token_lifetime(6);
    let source = TokenSource::with_policy(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
        RefreshPolicy::default()
            .refresh_at(0.2)
            .failed_refresh_backoff(Duration::ZERO)
            .expiry_margin(Duration::ZERO),
    );
    let t = source.token().await.unwrap();
    issuer.push_token_faults([Fault::too_many_requests(1)]);
    // Refresh due after 1.2 s: the background attempt meets a 429 with Retry-After: 1.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert!(
        source
            .token()
            .await
            .unwrap()
            .access_token()
            .ct_eq(t.secret())
    );
    tokio::time::sleep(Duration::from_millis(1300)).await;
    // Retry-After has passed and the token is still valid: refreshed ahead again.
    assert!(
        source
            .token()
            .await
            .unwrap()
            .access_token()
            .ct_eq(t.secret())
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let newer = source.token().await.unwrap();
    assert!(!newer.access_token().ct_eq(t.secret()));
    assert_eq!(issuer.token_requests(), 3);
}

/// Callers that saw no usable token while a fetch was finishing must take the token that
/// fetch stored, not start another: one request per round, whatever the interleaving.
/// (Before: a caller that read the cache just before the fetch stored its token, and took the
/// lock just after, started a second, billed request.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fetch_that_just_finished_is_never_repeated() {
    let issuer = issuer().await;
    let source = TokenSource::new(
        builder(&issuer)
            .default_scopes("orders/read")
            .build()
            .unwrap(),
    );
    let rounds = 300;
    for _ in 0..rounds {
        source.invalidate();
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let s = source.clone();
            set.spawn(async move {
                // Hot callers, as on a busy server: several calls each.
                for _ in 0..4 {
                    s.token().await.unwrap();
                    tokio::task::yield_now().await;
                }
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap();
        }
    }
    assert_eq!(issuer.token_requests(), rounds);
}
