//! User-pool flows end to end against moto's Cognito emulator (started by scripts/test.sh).
//! moto does not check SRP signatures: the SRP math is proven by tests/srp_vectors.rs and by
//! the strict SRP peer in tests/user_recorded.rs.
#![cfg(feature = "user")]

use std::collections::BTreeMap;
use std::time::Duration;

use cognito_auth::secret::Password;
use cognito_auth::user::{
    ChallengeAnswer, ChallengeKind, CognitoErrorKind, MfaPreference, SignInStep, UserError,
};
use cognito_auth_testsuite::moto::{Moto, now, totp, totp_now};
use serde_json::json;

const PW: &str = "Correct-Horse-42";

fn done(step: SignInStep) -> cognito_auth::user::Session {
    match step {
        SignInStep::Done(s) => s,
        other => panic!("unexpected step {other:?}"),
    }
}

fn challenge(step: SignInStep) -> cognito_auth::user::Challenge {
    match step {
        SignInStep::Challenge(c) => c,
        other => panic!("expected a challenge, got {other:?}"),
    }
}

fn kind(e: &UserError) -> CognitoErrorKind {
    e.kind()
        .cloned()
        .unwrap_or_else(|| panic!("no Cognito kind: {e:?}"))
}

#[tokio::test]
async fn srp_sign_in_without_and_with_client_secret() {
    let Some(moto) = Moto::from_env() else { return };
    for with_secret in [false, true] {
        let pool = moto.pool("OFF", with_secret).await;
        moto.user(
            &pool,
            "alice",
            PW,
            json!([{"Name": "email", "Value": "alice@example.com"}]),
        )
        .await;
        let client = moto.client(&pool);
        let s = done(client.sign_in_srp("alice", PW).await.unwrap());
        assert_eq!(s.username, "alice");
        assert!(s.refresh_token.is_some());
        // Verified against moto's JWKS with the core verifier (issuer is the AWS form).
        let access = s.verified_access_token().expect("verified");
        assert_eq!(access.username(), Some("alice"));
        assert_eq!(access.client_id(), pool.client_id);
        assert_eq!(
            access.issuer(),
            format!("https://cognito-idp.us-east-1.amazonaws.com/{}", pool.id)
        );
        let id = s.verified_id_token().unwrap();
        assert_eq!(id.claim("email").unwrap(), "alice@example.com");
        let me = client.get_user(&s.access_token).await.unwrap();
        assert_eq!(me.username, "alice");
        assert_eq!(me.attributes["email"], "alice@example.com");
        assert!(!format!("{s:?}").contains(s.access_token.expose()));
    }
}

#[tokio::test]
async fn secret_hash_is_checked_on_srp() {
    let Some(moto) = Moto::from_env() else { return };
    let pool = moto.pool("OFF", true).await;
    moto.user(&pool, "bob", PW, json!([])).await;
    let wrong = cognito_auth::user::UserPoolClient::builder()
        .user_pool(&pool.id)
        .client_id(&pool.client_id)
        .client_secret("not-the-secret")
        .endpoint(&moto.url)
        .build()
        .unwrap();
    let e = wrong.sign_in_srp("bob", PW).await.unwrap_err();
    assert_eq!(kind(&e), CognitoErrorKind::NotAuthorized, "{e}");
    assert!(!e.to_string().contains("not-the-secret"));
}

#[tokio::test]
async fn password_auth_and_typed_errors() {
    let Some(moto) = Moto::from_env() else { return };
    let pool = moto.pool("OFF", true).await;
    moto.user(&pool, "carol", PW, json!([])).await;
    let client = moto.client(&pool);
    done(client.sign_in_password("carol", PW).await.unwrap());
    let e = client
        .sign_in_password("carol", "Wrong-Password-1")
        .await
        .unwrap_err();
    assert!(e.is_not_authorized());
    assert!(!e.to_string().contains("Wrong-Password-1"));
    let e = client.sign_in_password("nobody", PW).await.unwrap_err();
    assert_eq!(kind(&e), CognitoErrorKind::UserNotFound);
}

#[tokio::test]
async fn new_password_required_challenge() {
    let Some(moto) = Moto::from_env() else { return };
    let pool = moto.pool("OFF", false).await;
    moto.idp(
        "AdminCreateUser",
        json!({ "UserPoolId": pool.id, "Username": "dave", "TemporaryPassword": "Temp-Pass-1", "MessageAction": "SUPPRESS" }),
    )
    .await;
    let client = moto.client(&pool);
    let c = challenge(client.sign_in_srp("dave", "Temp-Pass-1").await.unwrap());
    assert!(
        matches!(c.kind, ChallengeKind::NewPasswordRequired { .. }),
        "{c:?}"
    );
    // The password policy is enforced.
    let weak = ChallengeAnswer::NewPassword {
        password: Password::new("short"),
        attributes: BTreeMap::new(),
    };
    let e = client.respond(&c, weak).await.unwrap_err();
    assert_eq!(kind(&e), CognitoErrorKind::InvalidPassword, "{e}");
    // A code is not an answer to a new-password challenge: refused before any request.
    assert!(matches!(
        client.respond(&c, ChallengeAnswer::Code("1".into())).await,
        Err(UserError::WrongAnswer { .. })
    ));
    let good = ChallengeAnswer::NewPassword {
        password: Password::new("Brand-New-Pass-7"),
        attributes: BTreeMap::new(),
    };
    let s = done(client.respond(&c, good).await.unwrap());
    assert_eq!(s.username, "dave");
    done(
        client
            .sign_in_password("dave", "Brand-New-Pass-7")
            .await
            .unwrap(),
    );
}

#[tokio::test]
async fn totp_mfa_setup_during_sign_in_then_totp_sign_in() {
    let Some(moto) = Moto::from_env() else { return };
    let pool = moto.pool("ON", false).await;
    moto.user(&pool, "erin", PW, json!([])).await;
    let client = moto.client(&pool);
    let mut c = challenge(client.sign_in_srp("erin", PW).await.unwrap());
    assert!(
        matches!(&c.kind, ChallengeKind::MfaSetup { options } if options.contains(&cognito_auth::user::MfaType::Totp)),
        "{c:?}"
    );
    // Answering before associating is refused locally.
    assert!(matches!(
        client
            .respond(&c, ChallengeAnswer::Code("000000".into()))
            .await,
        Err(UserError::WrongAnswer { .. })
    ));
    let secret = client.setup_totp(&mut c).await.unwrap();
    let s = done(
        client
            .respond(&c, ChallengeAnswer::Code(totp_now(&secret).await))
            .await
            .unwrap(),
    );
    assert_eq!(s.username, "erin");

    // From now on: a TOTP challenge; a wrong code is a typed error, the right one signs in.
    let c = challenge(client.sign_in_srp("erin", PW).await.unwrap());
    assert_eq!(c.kind, ChallengeKind::SoftwareTokenMfa);
    let wrong = if totp(&secret, now()) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let e = client
        .respond(&c, ChallengeAnswer::Code(wrong.into()))
        .await
        .unwrap_err();
    assert_eq!(kind(&e), CognitoErrorKind::CodeMismatch, "{e}");
    let c = challenge(client.sign_in_srp("erin", PW).await.unwrap());
    done(
        client
            .respond(&c, ChallengeAnswer::Code(totp_now(&secret).await))
            .await
            .unwrap(),
    );
}

#[tokio::test]
async fn totp_association_for_a_signed_in_user() {
    let Some(moto) = Moto::from_env() else { return };
    let pool = moto.pool("OPTIONAL", false).await;
    moto.user(&pool, "fay", PW, json!([])).await;
    let client = moto.client(&pool);
    let s = done(client.sign_in_srp("fay", PW).await.unwrap());
    let secret = client
        .associate_software_token(&s.access_token)
        .await
        .unwrap();
    // Typed as authenticator apps show it: `123 456`.
    let spaced = |code: String| format!("{} {}", &code[..3], &code[3..]);
    client
        .verify_software_token(
            &s.access_token,
            &spaced(totp_now(&secret).await),
            Some("phone"),
        )
        .await
        .unwrap();
    let on = MfaPreference {
        enabled: true,
        preferred: true,
    };
    client
        .set_user_mfa_preference(&s.access_token, Some(on), None, None)
        .await
        .unwrap();
    let c = challenge(client.sign_in_srp("fay", PW).await.unwrap());
    assert_eq!(c.kind, ChallengeKind::SoftwareTokenMfa);
    // A code of the wrong shape is refused before it is sent: the sign-in goes on.
    assert!(matches!(
        client
            .respond(&c, ChallengeAnswer::Code("12345".into()))
            .await,
        Err(UserError::WrongAnswer { .. })
    ));
    done(
        client
            .respond(&c, ChallengeAnswer::Code(spaced(totp_now(&secret).await)))
            .await
            .unwrap(),
    );
}

#[tokio::test]
async fn sms_mfa_challenge() {
    let Some(moto) = Moto::from_env() else { return };
    let pool = moto.pool("OPTIONAL", true).await;
    moto.user(
        &pool,
        "gus",
        PW,
        json!([{"Name": "phone_number", "Value": "+15555550100"}]),
    )
    .await;
    moto.idp(
        "AdminSetUserMFAPreference",
        json!({ "UserPoolId": pool.id, "Username": "gus", "SMSMfaSettings": {"Enabled": true, "PreferredMfa": true} }),
    )
    .await;
    let client = moto.client(&pool);
    let c = challenge(client.sign_in_srp("gus", PW).await.unwrap());
    assert!(matches!(c.kind, ChallengeKind::SmsMfa { .. }), "{c:?}");
    let s = done(
        client
            .respond(&c, ChallengeAnswer::Code("123456".into()))
            .await
            .unwrap(),
    );
    assert_eq!(s.username, "gus");
}

#[tokio::test]
async fn refresh_keeps_the_refresh_token_and_global_sign_out_ends_it() {
    let Some(moto) = Moto::from_env() else { return };
    let pool = moto.pool("OFF", true).await;
    moto.user(&pool, "hal", PW, json!([])).await;
    let client = moto.client(&pool);
    let mut s = done(client.sign_in_srp("hal", PW).await.unwrap());
    let rt = s.refresh_token.clone().unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = client.refresh(&s).await.unwrap();
    assert_eq!(
        r.refresh_token.as_ref(),
        Some(&rt),
        "moto returns no new refresh token: keep the old one"
    );
    assert_ne!(r.access_token, s.access_token);
    assert!(r.verified_access_token().is_some());
    assert!(
        !client
            .check_and_renew(&mut s, Duration::ZERO)
            .await
            .unwrap(),
        "not near expiry"
    );
    assert!(
        client
            .check_and_renew(&mut s, Duration::from_secs(7200))
            .await
            .unwrap(),
        "within margin"
    );
    client.global_sign_out(&s.access_token).await.unwrap();
    let e = client.refresh(&s).await.unwrap_err();
    assert!(e.is_not_authorized(), "{e}");
    let e = client.get_user(&s.access_token).await.unwrap_err();
    assert!(e.is_not_authorized(), "{e}");
}

#[tokio::test]
async fn sign_up_and_confirmation() {
    let Some(moto) = Moto::from_env() else { return };
    let pool = moto.pool("OFF", true).await;
    let client = moto.client(&pool);
    let mut attrs = BTreeMap::new();
    attrs.insert("email".to_owned(), "ivy@example.com".to_owned());
    let r = client
        .sign_up("ivy", &Password::new(PW), &attrs)
        .await
        .unwrap();
    assert!(!r.user_confirmed);
    assert!(r.user_sub.is_some());
    let e = client.sign_in_password("ivy", PW).await.unwrap_err();
    assert_eq!(kind(&e), CognitoErrorKind::UserNotConfirmed);
    let e = client
        .sign_up("ivy", &Password::new(PW), &attrs)
        .await
        .unwrap_err();
    assert_eq!(kind(&e), CognitoErrorKind::UsernameExists);
    client.confirm_sign_up("ivy", "123456").await.unwrap();
    done(client.sign_in_srp("ivy", PW).await.unwrap());
}

#[tokio::test]
async fn forgot_password_and_change_password() {
    let Some(moto) = Moto::from_env() else { return };
    let pool = moto.pool("OFF", false).await;
    moto.user(
        &pool,
        "jon",
        PW,
        json!([{"Name": "email", "Value": "jon@example.com"}]),
    )
    .await;
    let client = moto.client(&pool);
    client.forgot_password("jon").await.unwrap();
    // moto puts the code it would have mailed in a response header; ask for it directly.
    let resp = moto
        .raw(
            "AWSCognitoIdentityProviderService.ForgotPassword",
            &json!({ "ClientId": pool.client_id, "Username": "jon" }),
        )
        .await;
    let code = resp.headers()["x-moto-forgot-password-confirmation-code"]
        .to_str()
        .unwrap()
        .to_owned();
    // moto checks only codes in its own format.
    let e = client
        .confirm_forgot_password(
            "jon",
            "moto-confirmation-code:000000",
            &Password::new("Reset-Pass-55"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            kind(&e),
            CognitoErrorKind::CodeMismatch | CognitoErrorKind::ExpiredCode
        ),
        "{e}"
    );
    client
        .confirm_forgot_password("jon", &code, &Password::new("Reset-Pass-55"))
        .await
        .unwrap();
    assert!(client.sign_in_password("jon", PW).await.is_err());
    let s = done(
        client
            .sign_in_password("jon", "Reset-Pass-55")
            .await
            .unwrap(),
    );

    client
        .change_password(
            &s.access_token,
            &Password::new("Reset-Pass-55"),
            &Password::new("Changed-Pass-66"),
        )
        .await
        .unwrap();
    assert!(
        client
            .sign_in_password("jon", "Reset-Pass-55")
            .await
            .unwrap_err()
            .is_not_authorized()
    );
    done(
        client
            .sign_in_password("jon", "Changed-Pass-66")
            .await
            .unwrap(),
    );
}

#[tokio::test]
async fn attributes() {
    let Some(moto) = Moto::from_env() else { return };
    let pool = moto.pool("OFF", false).await;
    moto.user(
        &pool,
        "kim",
        PW,
        json!([{"Name": "email", "Value": "kim@example.com"}]),
    )
    .await;
    let client = moto.client(&pool);
    let s = done(client.sign_in_srp("kim", PW).await.unwrap());
    let mut attrs = BTreeMap::new();
    attrs.insert("name".to_owned(), "Kim K".to_owned());
    client
        .update_user_attributes(&s.access_token, &attrs)
        .await
        .unwrap();
    let me = client.get_user(&s.access_token).await.unwrap();
    assert_eq!(me.attributes["name"], "Kim K");
    assert_eq!(me.attributes["email"], "kim@example.com");
}
