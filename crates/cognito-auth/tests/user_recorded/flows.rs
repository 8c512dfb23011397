//! The flows run against the peer.

use super::*;

fn done(step: SignInStep) -> cognito_auth::user::Session {
    match step {
        SignInStep::Done(s) => s,
        other => panic!("unexpected step {other:?}"),
    }
}

#[tokio::test]
async fn srp_signature_is_checked_by_a_strict_peer() {
    let (url, _) = peer().await;
    let c = client(&url, POOL);
    let s = done(c.sign_in_srp(ALIAS, PASSWORD).await.unwrap());
    assert_eq!(s.username, USER_ID, "the internal name, not the alias");
    let e = c
        .sign_in_srp(ALIAS, "Not-The-Password-1")
        .await
        .unwrap_err();
    assert!(e.is_not_authorized(), "{e}");
}

#[tokio::test]
async fn device_confirmation_and_device_srp_sign_in() {
    let (url, peer) = peer().await;
    let c = client(&url, POOL);
    let mut s = done(c.sign_in_srp(ALIAS, PASSWORD).await.unwrap());
    let meta = s
        .new_device
        .clone()
        .expect("device tracking offers a device");
    let (creds, confirm) = c.confirm_device(&mut s, "laptop").await.unwrap();
    assert!(confirm);
    assert_eq!(creds.device_key, meta.device_key);
    assert!(!format!("{creds:?}").contains(creds.device_password.expose()));
    assert_eq!(peer.lock().unwrap().devices[&meta.device_key].2, "laptop");

    // From then on the session carries the confirmed key: both refresh APIs send it, so
    // Cognito does not track the refresh as another new device.
    let refreshed = c.refresh(&s).await.unwrap();
    assert!(
        refreshed.new_device.is_none(),
        "REFRESH_TOKEN_AUTH without DEVICE_KEY"
    );
    let rotated = c.get_tokens_from_refresh_token(&refreshed).await.unwrap();
    assert!(
        rotated.new_device.is_none(),
        "GetTokensFromRefreshToken without DeviceKey"
    );
    assert_eq!(
        peer.lock().unwrap().refresh_device_keys,
        [Some(meta.device_key.clone()), Some(meta.device_key.clone())]
    );

    // Remembered device: DEVICE_SRP_AUTH and DEVICE_PASSWORD_VERIFIER are answered by the client.
    let s2 = done(
        c.sign_in_srp_with_device(ALIAS, PASSWORD, &creds)
            .await
            .unwrap(),
    );
    assert_eq!(s2.device_key.as_deref(), Some(meta.device_key.as_str()));
    let log = peer.lock().unwrap().log.clone();
    assert!(
        log.ends_with(&[
            "InitiateAuth".into(),
            "RespondToAuthChallenge".into(),
            "RespondToAuthChallenge".into(),
            "RespondToAuthChallenge".into()
        ]),
        "{log:?}"
    );

    // A wrong device password fails the device step.
    let forged = DeviceCredentials::new(
        creds.device_key.clone(),
        creds.device_group_key.clone(),
        Password::new("not-the-device-password"),
    );
    let e = c
        .sign_in_srp_with_device(ALIAS, PASSWORD, &forged)
        .await
        .unwrap_err();
    assert!(e.is_not_authorized(), "{e}");
    // A DEVICE_SRP_AUTH challenge without device credentials is a typed error, not a panic.
    let unknown = DeviceCredentials::new(
        "us-east-1_unknown",
        creds.device_group_key.clone(),
        creds.device_password.clone(),
    );
    assert!(
        c.sign_in_srp_with_device(ALIAS, PASSWORD, &unknown)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn recorded_devices_revoke_resend_and_rotation() {
    let (url, _) = peer().await;
    let c = client(&url, "us-east-1_Recorded");
    let access = cognito_auth::secret::AccessToken::new("opaque-access-token");
    let devices = c.list_devices(&access).await.unwrap();
    assert_eq!(devices.len(), 2, "both pages");
    assert_eq!(devices[0].attributes["device_name"], "laptop");
    assert_eq!(devices[1].device_key, "us-east-1_22222222-bbbb");
    c.remember_device(&access, "us-east-1_11111111-aaaa", false)
        .await
        .unwrap();
    c.forget_device(&access, "us-east-1_22222222-bbbb")
        .await
        .unwrap();

    c.revoke_token(&RefreshToken::new("rt-original"))
        .await
        .unwrap();
    let e = c
        .revoke_token(&RefreshToken::new("rt-unknown"))
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        Some(&CognitoErrorKind::Other(
            "UnsupportedTokenTypeException".into()
        ))
    );

    let d = c.resend_confirmation_code("newuser").await.unwrap();
    assert_eq!(d.destination.as_deref(), Some("n***@e***.com"));
    assert_eq!(d.medium.as_deref(), Some("EMAIL"));
    let e = c.resend_confirmation_code("ratelimited").await.unwrap_err();
    assert_eq!(e.kind(), Some(&CognitoErrorKind::LimitExceeded));

    let session = cognito_auth::user::Session::from_tokens(
        "rita",
        access.clone(),
        None,
        Some(RefreshToken::new("rt-original")),
        std::time::UNIX_EPOCH,
    );
    let rotated = c.get_tokens_from_refresh_token(&session).await.unwrap();
    assert_eq!(rotated.refresh_token.unwrap().expose(), "rt-rotated");
    assert_eq!(rotated.username, "rita");
}

#[tokio::test]
async fn recorded_email_otp_select_mfa_and_unknown_challenges() {
    let (url, _) = peer().await;
    let c = client(&url, "us-east-1_Recorded");
    let step = c.sign_in_password("emma", "pw").await.unwrap();
    let SignInStep::Challenge(ch) = step else {
        panic!("challenge expected")
    };
    assert_eq!(
        ch.kind,
        ChallengeKind::EmailOtp {
            destination: Some("e***@e***.com".into())
        }
    );
    let s = done(
        c.respond(&ch, ChallengeAnswer::Code("12345678".into()))
            .await
            .unwrap(),
    );
    assert_eq!(s.username, "emma");

    let SignInStep::Challenge(ch) = c.sign_in_password("sam", "pw").await.unwrap() else {
        panic!()
    };
    assert_eq!(
        ch.kind,
        ChallengeKind::SelectMfaType {
            options: vec![MfaType::Sms, MfaType::Totp]
        }
    );
    assert!(matches!(
        c.respond(&ch, ChallengeAnswer::SelectMfa(MfaType::Email))
            .await,
        Err(UserError::WrongAnswer { .. })
    ));
    let SignInStep::Challenge(ch) = c
        .respond(&ch, ChallengeAnswer::SelectMfa(MfaType::Totp))
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(ch.kind, ChallengeKind::SoftwareTokenMfa);
    done(
        c.respond(&ch, ChallengeAnswer::Code("654321".into()))
            .await
            .unwrap(),
    );

    // A custom challenge after USER_PASSWORD_AUTH (Lambda triggers), with its parameters.
    match c.sign_in_password("custom", "pw").await.unwrap() {
        SignInStep::Challenge(ch) => {
            assert_eq!(ch.kind, ChallengeKind::CustomChallenge);
            assert_eq!(ch.parameters["question"], "What is 2+2?");
        }
        other => panic!("{other:?}"),
    }
    // A challenge this version does not know keeps its name and parameters.
    match c.sign_in_password("future", "pw").await.unwrap_err() {
        UserError::UnknownChallenge { name, parameters } => {
            assert_eq!(name, "PALM_SCAN");
            assert_eq!(parameters["hint"], "left hand");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn blocking_client_signs_in_without_a_runtime() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (url, _) = rt.block_on(peer());
    let c = cognito_auth::blocking::BlockingUserPoolClient::new(client(&url, POOL)).unwrap();
    let s = done(c.sign_in_srp(ALIAS, PASSWORD).unwrap());
    assert_eq!(s.username, USER_ID);
    assert!(
        c.sign_in_srp(ALIAS, "wrong-password-x")
            .unwrap_err()
            .is_not_authorized()
    );
    drop(rt);
}

#[tokio::test]
async fn recorded_attribute_verification_and_delete_user() {
    let (url, peer) = peer().await;
    let c = client(&url, "us-east-1_Recorded");
    let access = cognito_auth::secret::AccessToken::new("opaque-access-token");
    c.verify_user_attribute(&access, "email", "123456")
        .await
        .unwrap();
    let e = c
        .verify_user_attribute(&access, "email", "000000")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), Some(&CognitoErrorKind::CodeMismatch));
    c.delete_user(&access).await.unwrap();
    let log = peer.lock().unwrap().log.clone();
    assert_eq!(
        log,
        ["VerifyUserAttribute", "VerifyUserAttribute", "DeleteUser"]
    );
}
