//! Choice-based sign-in, passwordless codes, passkeys and custom authentication against the
//! peer (`cognito_auth_testsuite::peer::choice`), which models them from Cognito's API
//! reference.

use cognito_auth::secret::AccessToken;
use cognito_auth::user::{AuthFactor, FirstFactor};
use cognito_auth_testsuite::peer::choice::{RP_ID, authenticator_response};

use super::*;

// ---------------------------------------------------------------- the flows

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

fn inbox(peer: &Shared, channel: &str) -> String {
    peer.lock().unwrap().choice.inbox[channel].clone()
}

#[tokio::test]
async fn choice_based_sign_in_lists_the_factors_and_continues_with_the_chosen_one() {
    let (url, peer) = peer().await;
    let c = client(&url, POOL);
    let select = challenge(
        c.sign_in_user_auth(ALIAS, FirstFactor::Choose)
            .await
            .unwrap(),
    );
    match &select.kind {
        ChallengeKind::SelectChallenge { available } => assert_eq!(
            available,
            &[
                AuthFactor::Password,
                AuthFactor::PasswordSrp,
                AuthFactor::EmailOtp,
                AuthFactor::SmsOtp
            ]
        ),
        other => panic!("{other:?}"),
    }
    // A factor that is not offered is refused before any request.
    let calls = peer.lock().unwrap().log.len();
    let e = c
        .respond(&select, ChallengeAnswer::Choose(FirstFactor::WebAuthn))
        .await
        .unwrap_err();
    assert!(matches!(e, UserError::WrongAnswer { .. }), "{e:?}");
    assert_eq!(peer.lock().unwrap().log.len(), calls);

    // E-mail code: a wrong code is retried within the same session.
    let otp = challenge(
        c.respond(&select, ChallengeAnswer::Choose(FirstFactor::EmailOtp))
            .await
            .unwrap(),
    );
    assert!(
        matches!(&otp.kind, ChallengeKind::EmailOtp { destination: Some(d) } if d.contains("***")),
        "{otp:?}"
    );
    // A code that is not digits is refused here, without spending an attempt.
    let calls = peer.lock().unwrap().log.len();
    let e = c
        .respond(&otp, ChallengeAnswer::Code("00000000x".into()))
        .await
        .unwrap_err();
    assert!(matches!(e, UserError::WrongAnswer { .. }), "{e:?}");
    assert_eq!(peer.lock().unwrap().log.len(), calls);
    let sent = inbox(&peer, "EMAIL");
    let wrong = if sent == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let e = c
        .respond(&otp, ChallengeAnswer::Code(wrong.into()))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), Some(&CognitoErrorKind::CodeMismatch));
    // Typed as apps show codes, with a space: the same code.
    let spaced = format!("{} {}", &sent[..sent.len() / 2], &sent[sent.len() / 2..]);
    let s = done(
        c.respond(&otp, ChallengeAnswer::Code(spaced))
            .await
            .unwrap(),
    );
    assert_eq!(s.username, USER_ID);

    // The password, proven with SRP after SELECT_CHALLENGE (the strict peer checks the proof).
    let select = challenge(
        c.sign_in_user_auth(ALIAS, FirstFactor::Choose)
            .await
            .unwrap(),
    );
    let s = done(
        c.respond(
            &select,
            ChallengeAnswer::Choose(FirstFactor::PasswordSrp(Password::new(PASSWORD))),
        )
        .await
        .unwrap(),
    );
    assert_eq!(s.username, USER_ID);
    let select = challenge(
        c.sign_in_user_auth(ALIAS, FirstFactor::Choose)
            .await
            .unwrap(),
    );
    let e = c
        .respond(
            &select,
            ChallengeAnswer::Choose(FirstFactor::Password(Password::new("wrong-Password-9"))),
        )
        .await
        .unwrap_err();
    assert!(e.is_not_authorized(), "{e}");
}

#[tokio::test]
async fn preferred_first_factors_go_straight_to_their_challenge() {
    let (url, peer) = peer().await;
    let c = client(&url, POOL);
    done(
        c.sign_in_user_auth(ALIAS, FirstFactor::Password(Password::new(PASSWORD)))
            .await
            .unwrap(),
    );
    done(
        c.sign_in_user_auth(ALIAS, FirstFactor::PasswordSrp(Password::new(PASSWORD)))
            .await
            .unwrap(),
    );
    let e = c
        .sign_in_user_auth(
            ALIAS,
            FirstFactor::PasswordSrp(Password::new("Not-The-Password-1")),
        )
        .await
        .unwrap_err();
    assert!(e.is_not_authorized(), "{e}");

    // Passwordless SMS: three wrong codes end the session.
    let sms = challenge(
        c.sign_in_user_auth(ALIAS, FirstFactor::SmsOtp)
            .await
            .unwrap(),
    );
    assert!(matches!(sms.kind, ChallengeKind::SmsOtp { .. }), "{sms:?}");
    for _ in 0..2 {
        let e = c
            .respond(&sms, ChallengeAnswer::Code("1".into()))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), Some(&CognitoErrorKind::CodeMismatch));
    }
    let e = c
        .respond(&sms, ChallengeAnswer::Code("1".into()))
        .await
        .unwrap_err();
    assert!(e.is_not_authorized(), "{e}");
    // An empty code is refused locally.
    let sms = challenge(
        c.sign_in_user_auth(ALIAS, FirstFactor::SmsOtp)
            .await
            .unwrap(),
    );
    let calls = peer.lock().unwrap().log.len();
    assert!(matches!(
        c.respond(&sms, ChallengeAnswer::Code("  ".into())).await,
        Err(UserError::WrongAnswer { .. })
    ));
    assert_eq!(peer.lock().unwrap().log.len(), calls);
    done(
        c.respond(&sms, ChallengeAnswer::Code(inbox(&peer, "SMS")))
            .await
            .unwrap(),
    );

    // A preferred factor the user does not have: Cognito offers the choice instead.
    let select = challenge(
        c.sign_in_user_auth(ALIAS, FirstFactor::WebAuthn)
            .await
            .unwrap(),
    );
    assert!(matches!(select.kind, ChallengeKind::SelectChallenge { .. }));
}

#[tokio::test]
async fn passkeys_register_list_sign_in_and_delete() {
    let (url, peer) = peer().await;
    let c = client(&url, POOL);
    let s = done(
        c.sign_in_user_auth(ALIAS, FirstFactor::Password(Password::new(PASSWORD)))
            .await
            .unwrap(),
    );
    let at = &s.access_token;
    for id in ["cred-one", "cred-two"] {
        let reg = c.start_passkey_registration(at).await.unwrap();
        let opts = &reg.credential_creation_options;
        assert_eq!(opts["rp"]["id"], RP_ID);
        let challenge = opts["challenge"].as_str().unwrap();
        let credential = authenticator_response("webauthn.create", challenge, id);
        c.complete_passkey_registration(at, &credential)
            .await
            .unwrap();
    }
    // A registration answer for another challenge is refused.
    c.start_passkey_registration(at).await.unwrap();
    let e = c
        .complete_passkey_registration(
            at,
            &authenticator_response("webauthn.create", "stale", "cred-x"),
        )
        .await
        .unwrap_err();
    assert!(format!("{e}").contains("WebAuthnChallengeNotFound"), "{e}");

    let keys = c.list_passkeys(at).await.unwrap();
    assert_eq!(
        keys.iter()
            .map(|k| k.credential_id.as_str())
            .collect::<Vec<_>>(),
        ["cred-one", "cred-two"],
        "both pages read"
    );
    assert_eq!(keys[1].transports, ["internal", "hybrid"]);
    assert!(keys[0].created_at.is_some());
    // An answer without the required `Credentials` is an error, not "no passkeys".
    peer.lock().unwrap().choice.malformed_list = true;
    assert!(
        matches!(
            c.list_passkeys(at).await,
            Err(UserError::InvalidResponse { .. })
        ),
        "a malformed answer must not read as an empty list"
    );
    peer.lock().unwrap().choice.malformed_list = false;

    // Sign in with a passkey.
    let step = challenge(
        c.sign_in_user_auth(ALIAS, FirstFactor::WebAuthn)
            .await
            .unwrap(),
    );
    let ChallengeKind::WebAuthn {
        credential_request_options,
    } = &step.kind
    else {
        panic!("{step:?}")
    };
    let options: Value = serde_json::from_str(credential_request_options).unwrap();
    assert_eq!(options["allowCredentials"].as_array().unwrap().len(), 2);
    let assertion = authenticator_response(
        "webauthn.get",
        options["challenge"].as_str().unwrap(),
        "cred-two",
    );
    assert!(matches!(
        c.respond(
            &step,
            ChallengeAnswer::WebAuthnCredential("not json".into())
        )
        .await,
        Err(UserError::WrongAnswer { .. })
    ));
    done(
        c.respond(
            &step,
            ChallengeAnswer::WebAuthnCredential(assertion.to_string()),
        )
        .await
        .unwrap(),
    );

    c.delete_passkey(at, "cred-one").await.unwrap();
    assert_eq!(c.list_passkeys(at).await.unwrap().len(), 1);
    let e = c.delete_passkey(at, "cred-one").await.unwrap_err();
    assert_eq!(e.kind(), Some(&CognitoErrorKind::ResourceNotFound));
    // A token the peer did not issue is refused.
    let forged = AccessToken::new("eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    assert!(
        c.list_passkeys(&forged)
            .await
            .unwrap_err()
            .is_not_authorized()
    );
    let _ = peer;
}

#[tokio::test]
async fn custom_challenges_for_any_number_of_rounds_alone_or_after_srp() {
    let (url, peer) = peer().await;
    let c = client(&url, POOL).with_client_metadata([("tenant", "acme")]);
    for srp in [None, Some(PASSWORD)] {
        let mut step = c.sign_in_custom(ALIAS, srp).await.unwrap();
        let mut rounds = 0;
        let mut wrong_once = false;
        let session = loop {
            match step {
                SignInStep::Done(s) => break s,
                SignInStep::Challenge(ch) => {
                    assert!(matches!(ch.kind, ChallengeKind::CustomChallenge), "{ch:?}");
                    let answer = match ch.parameters["question"].as_str() {
                        "2+2" => "4",
                        "3*3" => "9",
                        q => panic!("{q}"),
                    };
                    rounds += 1;
                    let answer = if !wrong_once {
                        wrong_once = true;
                        "wrong"
                    } else {
                        answer
                    };
                    step = c
                        .respond(&ch, ChallengeAnswer::Custom(answer.into()))
                        .await
                        .unwrap();
                }
                _ => unreachable!(),
            }
        };
        assert_eq!(session.username, USER_ID);
        assert_eq!(rounds, 3, "two rounds and one retried answer");
    }
    // SRP with the wrong password never reaches the custom rounds.
    let e = c
        .sign_in_custom(ALIAS, Some("Not-The-Password-1"))
        .await
        .unwrap_err();
    assert!(e.is_not_authorized(), "{e}");
    // Three wrong answers end the sign-in.
    let mut ch = challenge(c.sign_in_custom(ALIAS, None).await.unwrap());
    for i in 0..3 {
        match c.respond(&ch, ChallengeAnswer::Custom("no".into())).await {
            Ok(SignInStep::Challenge(next)) if i < 2 => ch = next,
            Err(e) if i == 2 => assert!(e.is_not_authorized(), "{e}"),
            other => panic!("round {i}: {other:?}"),
        }
    }
    // ClientMetadata reached every call of these flows.
    let meta = peer.lock().unwrap().choice.metadata.clone();
    assert!(meta.len() > 8);
    assert!(
        meta.iter().all(|m| m == &json!({"tenant": "acme"})),
        "{meta:?}"
    );
}
