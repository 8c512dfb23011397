//! Keys: separate JWKS URLs, offline keys, rotation, refetch limits, outages, the cache.

use super::*;

#[tokio::test]
async fn jwks_url_separate_from_issuer() {
    // Like moto: tokens carry the AWS issuer, keys are served on loopback.
    let issuer = LocalIssuer::builder()
        .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local")
        .pool_id("us-east-1_local")
        .start()
        .await;
    let v = Verifier::builder()
        .pool(PoolConfig::user_pool("us-east-1_local").jwks_url(format!(
            "{}/us-east-1_local/.well-known/jwks.json",
            issuer.base_url()
        )))
        .token_use(TokenUse::Access)
        .any_client()
        .build()
        .unwrap();
    let t = v.verify(&issuer.access_token().sign()).await.unwrap();
    assert_eq!(
        t.issuer(),
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_local"
    );
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn offline_keys_never_fetch() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .jwks_json(issuer.jwks_json())
        .build()
        .unwrap();
    assert!(v.verify(&issuer.access_token().sign()).await.is_ok());
    assert_eq!(
        reason_of(v.verify(&issuer.access_token().kid("nope").sign()).await).1,
        Reason::UnknownKid
    );
    assert_eq!(issuer.jwks_requests(), 0);
    assert!(
        Verifier::builder()
            .issuer(issuer.issuer())
            .jwks_json("{not json")
            .token_use(TokenUse::Id)
            .any_client()
            .build()
            .is_err()
    );
}

#[tokio::test]
async fn key_rotation_is_picked_up_on_first_refetch() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer).build().unwrap();
    let old = issuer.access_token().sign();
    assert!(v.verify(&old).await.is_ok());
    assert_eq!(issuer.jwks_requests(), 1);

    issuer.rotate_key();
    let new = issuer.access_token().sign();
    assert!(
        v.verify(&new).await.is_ok(),
        "new kid fetched on first miss"
    );
    assert_eq!(issuer.jwks_requests(), 2);
    assert!(v.verify(&old).await.is_ok(), "old key still published");

    // The old key is retired; once the verifier sees the new JWKS, cached tokens signed by the
    // old key are verified again (and fail).
    issuer.retire_old_keys();
    v.hydrate().await.unwrap();
    assert_eq!(reason_of(v.verify(&old).await).1, Reason::UnknownKid);
    assert!(v.verify(&new).await.is_ok());
}

#[tokio::test]
async fn unknown_kid_refetch_is_rate_limited() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .jwks_config(JwksConfig::default().unknown_kid_cooldown(Duration::from_millis(400)))
        .build()
        .unwrap();
    v.verify(&issuer.access_token().sign()).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 1);
    for i in 0..50 {
        let t = issuer.access_token().kid(&format!("random-{i}")).sign();
        assert_eq!(reason_of(v.verify(&t).await).1, Reason::UnknownKid);
    }
    assert_eq!(
        issuer.jwks_requests(),
        2,
        "one refetch for fifty random kids"
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    let t = issuer.access_token().kid("random-after").sign();
    assert_eq!(reason_of(v.verify(&t).await).1, Reason::UnknownKid);
    assert_eq!(
        issuer.jwks_requests(),
        3,
        "another refetch once the cooldown passed"
    );
}

#[tokio::test]
async fn concurrent_first_use_fetches_once() {
    let issuer = LocalIssuer::start().await;
    issuer.set_jwks_fault(Fault::delay(Duration::from_millis(200)));
    let v = builder(&issuer).build().unwrap();
    let tokens: Vec<String> = (0..64)
        .map(|i| issuer.access_token().claim("n", i).sign())
        .collect();
    let mut tasks = Vec::new();
    for t in tokens {
        let v = v.clone();
        tasks.push(tokio::spawn(async move { v.verify(&t).await.map(|_| ()) }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn background_refresh_keeps_serving() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .jwks_config(JwksConfig::default().refresh_interval(Duration::from_millis(200)))
        .build()
        .unwrap();
    v.verify(&issuer.access_token().sign()).await.unwrap();
    assert_eq!(issuer.jwks_requests(), 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    // Due for refresh: this call is served from the current keys while a refresh runs.
    issuer.set_jwks_fault(Fault::delay(Duration::from_millis(300)));
    let started = std::time::Instant::now();
    v.verify(&issuer.access_token().sign()).await.unwrap();
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_millis(300),
        "the caller did not wait for the refresh ({waited:?})"
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(issuer.jwks_requests(), 2);
}

#[tokio::test]
async fn stale_if_error_is_bounded() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .jwks_config(
            JwksConfig::default()
                .refresh_interval(Duration::from_millis(150))
                .retry_interval(Duration::from_millis(50))
                .stale_if_error(Duration::from_millis(1500)),
        )
        .build()
        .unwrap();
    v.verify(&issuer.access_token().sign()).await.unwrap();
    issuer.set_jwks_fault(Fault::status(500));
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Refreshes fail; the last good keys keep serving.
    for _ in 0..3 {
        v.verify(&issuer.access_token().sign()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(issuer.jwks_requests() >= 2, "refresh attempted");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let e = v.verify(&issuer.access_token().sign()).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Unavailable, Reason::JwksUnavailable)
    );
    assert_eq!(e.kind().http_status(), 503);
    // Recovery.
    issuer.clear_faults();
    assert!(v.verify(&issuer.access_token().sign()).await.is_ok());
}

#[tokio::test]
async fn jwks_down_slow_or_oversized_is_unavailable() {
    let issuer = LocalIssuer::start().await;
    let http = HttpConfig::default().timeout(Duration::from_millis(300));
    let fresh = || builder(&issuer).http_config(http.clone()).build().unwrap();

    issuer.set_jwks_fault(Fault::status(500));
    let e = fresh()
        .verify(&issuer.access_token().sign())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.reason()),
        (ErrorKind::Unavailable, Reason::JwksUnavailable)
    );
    assert!(e.message().contains("500"), "{}", e.message());

    issuer.set_jwks_fault(Fault::delay(Duration::from_secs(3)));
    let started = std::time::Instant::now();
    let e = fresh()
        .verify(&issuer.access_token().sign())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(started.elapsed() < Duration::from_secs(2));

    for chunked in [false, true] {
        issuer.set_jwks_fault(Fault::oversized(10 * 1024 * 1024, chunked));
        let v = builder(&issuer)
            .jwks_config(JwksConfig::default().max_bytes(64 * 1024))
            .build()
            .unwrap();
        let e = v.verify(&issuer.access_token().sign()).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unavailable, "chunked={chunked}");
        assert!(e.message().contains("larger than"), "{}", e.message());
    }

    issuer.set_jwks_fault(Fault::body_200("{\"keys\": 42}"));
    assert_eq!(
        fresh()
            .verify(&issuer.access_token().sign())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unavailable
    );
    issuer.set_jwks_fault(Fault::body_200("{\"keys\": []}"));
    assert_eq!(
        fresh()
            .verify(&issuer.access_token().sign())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unavailable
    );

    let dead = Verifier::builder()
        .issuer("http://127.0.0.1:9")
        .token_use(TokenUse::Access)
        .any_client()
        .build()
        .unwrap();
    let e = dead
        .verify(&issuer.access_token().issuer("http://127.0.0.1:9").sign())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(dead.hydrate().await.is_err());
}

#[tokio::test]
async fn token_cache_respects_exp_and_reruns_policy() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .leeway(Duration::ZERO)
        .required_scopes(["a"])
        .build()
        .unwrap();
    let n = now();
    let short = issuer
        .access_token()
        .scopes(["a"])
        .claim("exp", n + 2)
        .sign();
    assert!(v.verify(&short).await.is_ok());
    assert!(v.verify(&short).await.is_ok(), "served from the cache");
    // Policy runs on cached tokens too.
    let strict = cognito_auth::verify::Policy::new().required_scopes(["b"]);
    assert_eq!(
        reason_of(v.verify_with(&short, &strict).await).1,
        Reason::InsufficientScope
    );
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(
        reason_of(v.verify(&short).await),
        (ErrorKind::NotAuthenticated, Reason::Expired)
    );
    assert_eq!(reason_of(v.verify(&short).await).1, Reason::Expired);
}

#[tokio::test]
async fn errors_never_echo_the_token() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer).required_scopes(["zzz"]).build().unwrap();
    let tokens = [
        issuer.access_token().sign(),
        issuer.access_token().expired().sign(),
        issuer
            .access_token()
            .signing(Signing::Rs256(issuer.other_key()))
            .sign(),
        issuer.access_token().issuer("https://evil").sign(),
    ];
    for t in tokens {
        let e = v.verify(&t).await.unwrap_err();
        for part in t.split('.') {
            assert!(!e.to_string().contains(part));
            assert!(!format!("{e:?}").contains(part));
        }
    }
}

#[tokio::test]
async fn the_token_cache_is_used_and_honours_the_leeway() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .leeway(Duration::from_secs(5))
        .build()
        .unwrap();
    let t = issuer.access_token().client_id("svc").sign();
    v.verify(&t).await.unwrap();
    v.verify(&t).await.unwrap();
    let s = v.cache_stats();
    assert_eq!((s.hits, s.misses, s.entries), (1, 1, 1), "{s:?}");
    // Expired 2 s ago: inside the 5 s leeway, fresh and from the cache alike.
    let late = issuer
        .access_token()
        .client_id("svc")
        .claim("exp", cognito_auth_testkit::now() - 2)
        .sign();
    v.verify(&late).await.unwrap();
    v.verify(&late).await.unwrap();
    assert_eq!(v.cache_stats().hits, 2);
    // A cache of capacity 0 is off: nothing is counted or kept.
    let off = builder(&issuer).token_cache_capacity(0).build().unwrap();
    off.verify(&t).await.unwrap();
    assert_eq!(off.cache_stats(), Default::default());
}

#[tokio::test]
async fn distinct_tokens_spread_over_the_cache() {
    // Keys are hashed from each token's own bytes: 300 distinct tokens fit a cache of 1000
    // and are all found again (equal hashes would crowd them into one shard and evict most).
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer).token_cache_capacity(1000).build().unwrap();
    let tokens: Vec<String> = (0..300)
        .map(|i| issuer.access_token().client_id("svc").claim("n", i).sign())
        .collect();
    for t in &tokens {
        v.verify(t).await.unwrap();
    }
    for t in &tokens {
        v.verify(t).await.unwrap();
    }
    let s = v.cache_stats();
    assert_eq!((s.misses, s.entries), (300, 300), "{s:?}");
    assert_eq!(s.hits, 300, "{s:?}");
}

#[tokio::test]
async fn the_size_limit_applies_to_cached_lookups_exactly() {
    let issuer = LocalIssuer::start().await;
    let t = issuer.access_token().client_id("svc").sign();
    // A token of exactly the limit is verified and then found in the cache.
    let v = builder(&issuer).max_token_bytes(t.len()).build().unwrap();
    v.verify(&t).await.unwrap();
    v.verify(&t).await.unwrap();
    assert_eq!(v.cache_stats().hits, 1);
    // A longer one is refused before any cache lookup.
    let long = issuer
        .access_token()
        .client_id("svc")
        .claim("pad", "x".repeat(64))
        .sign();
    assert!(v.verify(&long).await.is_err());
    let s = v.cache_stats();
    assert_eq!((s.hits, s.misses), (1, 1), "{s:?}");
}

#[tokio::test]
async fn tokens_are_valid_through_the_last_second_of_the_leeway() {
    // exp + leeway == now: still valid, fresh and from the cache alike; nbf - leeway == now:
    // valid already. Retried when the clock's second changes in between.
    let issuer = LocalIssuer::start().await;
    let secs = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
    };
    for _ in 0..20 {
        let v = builder(&issuer)
            .leeway(Duration::from_secs(5))
            .build()
            .unwrap();
        let start = secs();
        let t = issuer
            .access_token()
            .client_id("svc")
            .claim("exp", start - 5)
            .sign();
        // And one that becomes valid in exactly the leeway.
        let early = issuer
            .access_token()
            .client_id("svc")
            .claim("nbf", start + 5)
            .sign();
        let fresh = v.verify(&t).await;
        let cached = v.verify(&t).await;
        let not_before = v.verify(&early).await;
        if secs() != start {
            continue;
        }
        fresh.unwrap();
        cached.unwrap();
        not_before.unwrap();
        assert_eq!(v.cache_stats().hits, 1);
        return;
    }
    panic!("the clock's second changed during every attempt");
}

#[tokio::test]
async fn the_jwks_size_limit_is_the_configured_one() {
    let cfg = JwksConfig::default();
    assert_eq!(cfg.get_refresh_interval(), Duration::from_secs(600));
    assert_eq!(
        cfg.refresh_interval(Duration::from_secs(5))
            .get_refresh_interval(),
        Duration::from_secs(5)
    );
    // The issuer's real key set (well under the 256 KiB default) is too large for 100 bytes.
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .jwks_config(JwksConfig::default().max_bytes(100))
        .build()
        .unwrap();
    let e = v.verify(&issuer.access_token().sign()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.message().contains("larger than"), "{}", e.message());
}

#[tokio::test]
async fn keys_are_not_refetched_before_the_refresh_interval() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer).build().unwrap();
    for _ in 0..5 {
        v.verify(&issuer.access_token().sign()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(issuer.jwks_requests(), 1);
}

#[tokio::test]
async fn a_failed_refresh_waits_the_retry_interval() {
    let issuer = LocalIssuer::start().await;
    let v = builder(&issuer)
        .jwks_config(
            JwksConfig::default()
                .refresh_interval(Duration::from_millis(100))
                .retry_interval(Duration::from_secs(30)),
        )
        .build()
        .unwrap();
    v.verify(&issuer.access_token().sign()).await.unwrap();
    issuer.set_jwks_fault(Fault::status(500));
    tokio::time::sleep(Duration::from_millis(150)).await;
    // Due: one background refresh, which fails; the last good keys keep serving...
    v.verify(&issuer.access_token().sign()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // ...and no other attempt is made within the retry interval.
    for _ in 0..5 {
        v.verify(&issuer.access_token().sign()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert_eq!(issuer.jwks_requests(), 2);
}

#[tokio::test]
async fn concurrent_first_uses_share_one_failed_fetch() {
    let issuer = LocalIssuer::start().await;
    issuer.set_jwks_fault(Fault::status(500));
    let v = builder(&issuer).build().unwrap();
    let t = issuer.access_token().sign();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (v, t) = (v.clone(), t.clone());
            tokio::spawn(async move { v.verify(&t).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(
            task.await.unwrap().unwrap_err().kind(),
            ErrorKind::Unavailable
        );
    }
    assert_eq!(issuer.jwks_requests(), 1);
}
