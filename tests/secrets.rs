//! Secrets come from Secrets Manager at cold start (moto here), never from the template's text or
//! the function's environment; a rotation keeps the sessions the previous key signed.

use aws_sdk_secretsmanager::Client;
use helpdesk_aws::config;
use helpdesk_core::Role;
use helpdesk_core::user::{AccountSource, User};
use helpdesk_tests::*;
use tickets_api::secrets::Secrets;

/// The test's own client (set-up) and the function's (its calls recorded for the IAM test).
async fn secrets_clients() -> (Client, Client) {
    let sdk = local_sdk("AWS_ENDPOINT_URL").await;
    (Client::new(&sdk), iam_calls::secrets_manager_client(&sdk, TICKETS_API))
}

/// A secret handed to the function through `variable`.
async fn put_secret(client: &Client, variable: &str, value: &str) -> String {
    let name = format!("test/{}", ulid::Ulid::new());
    client.create_secret().name(&name).secret_string(value).send().await.unwrap_or_else(|e| panic!("create secret on moto: {e:?}"));
    iam_calls::bind(&name, variable);
    name
}

#[tokio::test]
async fn secrets_are_read_from_secrets_manager_and_a_rotation_keeps_old_sessions() {
    let (client, function) = secrets_clients().await;
    let old_key = "an old signing key of at least thirty-two bytes";
    let new_key = "the new signing key, also thirty-two bytes long";
    let session = put_secret(&client, config::SESSION_SECRET_ID, old_key).await;
    let ldap = put_secret(&client, config::LDAP_BIND_PASSWORD_SECRET_ID, "directory service password").await;
    let origin = put_secret(&client, config::ORIGIN_SECRET_ID, "cdn origin secret").await;

    let before = Secrets::from_secrets_manager(&function, [Some(session.clone()), Some(ldap), Some(origin)]).await.unwrap();
    assert_eq!(before.session_key, old_key);
    assert_eq!(before.ldap_bind_password.as_deref(), Some("directory service password"));
    assert_eq!(before.origin_secrets, vec!["cdn origin secret".to_string()]);
    let anna = User::new("anna", "Anna", "anna@example.org", Role::Requester, &[], AccountSource::Local);
    let (old_token, _) = before.session_keys(TEST_AUDIENCE, true).unwrap().issue(&anna, chrono::Utc::now().timestamp()).unwrap();

    // The ops guide's rotation: the new key becomes current, the old one previous.
    let rotation = serde_json::json!({"current": new_key, "previous": old_key}).to_string();
    client.put_secret_value().secret_id(&session).secret_string(rotation).send().await.unwrap();
    let during = Secrets::from_secrets_manager(&function, [Some(session.clone()), None, None]).await.unwrap();
    let keys = during.session_keys(TEST_AUDIENCE, true).unwrap();
    assert!(keys.verify(&old_token).is_some(), "sessions signed before the rotation go on");
    let (new_token, _) = keys.issue(&anna, chrono::Utc::now().timestamp()).unwrap();
    assert!(before.session_keys(TEST_AUDIENCE, true).unwrap().verify(&new_token).is_none(), "new sessions use the new key");

    // The search function reads the same session and origin secrets at its cold start.
    let search = iam_calls::secrets_manager_client(&local_sdk("AWS_ENDPOINT_URL").await, iam_calls::SEARCH);
    let origin = put_secret(&client, config::ORIGIN_SECRET_ID, "cdn origin secret").await;
    let searching = Secrets::from_secrets_manager(&search, [Some(session.clone()), None, Some(origin)]).await.unwrap();
    assert!(searching.session_keys(TEST_AUDIENCE, true).unwrap().verify(&new_token).is_some(), "search signs nobody in: it checks");

    iam_calls::bind("test/no-such-secret", config::SESSION_SECRET_ID);
    let missing = Secrets::from_secrets_manager(&function, [Some("test/no-such-secret".into()), None, None]).await;
    assert!(missing.is_err(), "a missing secret stops the cold start");
}

#[test]
fn the_template_passes_secret_names_never_their_values() {
    let template = helpdesk_aws::template::read_template().unwrap();
    for function in helpdesk_aws::template::functions(&template).unwrap() {
        for (name, value) in helpdesk_aws::template::function_environment_values(&template, &function).unwrap() {
            assert!(!value.contains("resolve:secretsmanager"), "{function}'s {name} would resolve a secret into its environment");
        }
    }
    let given = helpdesk_aws::template::function_environment(&template, "TicketsApiFunction").unwrap();
    for name in [config::SESSION_SECRET_ID, config::LDAP_BIND_PASSWORD_SECRET_ID, config::ORIGIN_SECRET_ID] {
        assert!(given.contains(name), "{name}");
    }
    for value_variable in [config::SESSION_SIGNING_KEY, "LDAP_BIND_PASSWORD"] {
        assert!(!given.contains(value_variable), "{value_variable} must not be in the function's environment");
    }
}
