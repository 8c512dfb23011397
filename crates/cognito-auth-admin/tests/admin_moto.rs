//! Admin operations against moto's Cognito emulator (started by scripts/test.sh): users and
//! groups across pages, and `cognito:groups` in the tokens of an admin sign-in.

use std::collections::BTreeMap;

use cognito_auth::secret::Password;
use cognito_auth::user::{CognitoErrorKind, SignInStep};
use cognito_auth_admin::AdminClient;
use cognito_auth_testsuite::moto::Moto;

const PW: &str = "Correct-Horse-42";

fn done(step: SignInStep) -> cognito_auth::user::Session {
    match step {
        SignInStep::Done(s) => s,
        other => panic!("unexpected step {other:?}"),
    }
}

async fn sdk(moto: &Moto) -> aws_sdk_cognitoidentityprovider::Client {
    let conf = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(aws_sdk_cognitoidentityprovider::config::BehaviorVersion::latest())
        .region(aws_sdk_cognitoidentityprovider::config::Region::new(
            "us-east-1",
        ))
        .endpoint_url(&moto.url)
        .credentials_provider(aws_sdk_cognitoidentityprovider::config::Credentials::new(
            "test", "test", None, None, "static",
        ))
        .retry_config(
            aws_sdk_cognitoidentityprovider::config::retry::RetryConfig::standard()
                .with_max_attempts(1),
        )
        .build();
    aws_sdk_cognitoidentityprovider::Client::from_conf(conf)
}

#[tokio::test]
async fn admin_users_and_groups_with_pagination_and_group_claims() {
    let Some(moto) = Moto::from_env() else { return };
    let pool = moto.pool("OFF", true).await;
    let admin = AdminClient::new(sdk(&moto).await, &pool.id);
    let mut attrs = BTreeMap::new();
    attrs.insert("email".to_owned(), "lee@example.com".to_owned());
    let u = admin
        .create_user("lee", Some(&Password::new("Temp-Pass-9")), &attrs, true)
        .await
        .unwrap();
    assert_eq!(u.status.as_deref(), Some("FORCE_CHANGE_PASSWORD"));
    admin
        .set_password("lee", &Password::new(PW), true)
        .await
        .unwrap();
    assert_eq!(
        admin.get_user("lee").await.unwrap().status.as_deref(),
        Some("CONFIRMED")
    );
    assert_eq!(
        admin.get_user("lee").await.unwrap().attributes["email"],
        "lee@example.com"
    );

    // More users than one page (60) holds.
    for i in 0..75 {
        admin
            .create_user(&format!("bulk-{i:03}"), None, &BTreeMap::new(), true)
            .await
            .unwrap();
    }
    let all = admin.list_users(None).await.unwrap();
    assert_eq!(all.len(), 76, "every page followed");

    admin.disable_user("lee").await.unwrap();
    assert!(!admin.get_user("lee").await.unwrap().enabled);
    let client = moto.client(&pool);
    assert!(
        client.sign_in_password("lee", PW).await.is_err(),
        "disabled users cannot sign in"
    );
    admin.enable_user("lee").await.unwrap();

    admin
        .create_group("admins", Some("administrators"), Some(1))
        .await
        .unwrap();
    admin.create_group("auditors", None, None).await.unwrap();
    for i in 0..65 {
        admin
            .create_group(&format!("g-{i:02}"), None, None)
            .await
            .unwrap();
    }
    assert_eq!(
        admin.list_groups().await.unwrap().len(),
        67,
        "every page followed"
    );
    admin.add_user_to_group("lee", "admins").await.unwrap();
    admin.add_user_to_group("lee", "auditors").await.unwrap();
    let mut groups: Vec<String> = admin
        .list_groups_for_user("lee")
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    groups.sort();
    assert_eq!(groups, ["admins", "auditors"]);
    assert_eq!(admin.list_users_in_group("admins").await.unwrap().len(), 1);

    // cognito:groups reaches the verified tokens.
    let s = done(
        admin
            .sign_in(&client, "lee", &Password::new(PW))
            .await
            .unwrap(),
    );
    let mut g = s.verified_access_token().unwrap().groups().to_vec();
    g.sort();
    assert_eq!(g, ["admins", "auditors"]);
    assert!(s.verified_id_token().unwrap().in_group("admins"));

    admin
        .remove_user_from_group("lee", "auditors")
        .await
        .unwrap();
    assert_eq!(admin.list_groups_for_user("lee").await.unwrap().len(), 1);
    admin.delete_user("bulk-000").await.unwrap();
    let e = admin.get_user("bulk-000").await.unwrap_err();
    assert_eq!(e.kind(), Some(&CognitoErrorKind::UserNotFound), "{e}");

    // Sign-up confirmed by an admin.
    client
        .sign_up("newbie", &Password::new(PW), &BTreeMap::new())
        .await
        .unwrap();
    admin.confirm_sign_up("newbie").await.unwrap();
    done(client.sign_in_srp("newbie", PW).await.unwrap());
}
