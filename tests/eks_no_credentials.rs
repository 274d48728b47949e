//! The EKS source without any AWS credentials (no keys, no profile, no instance metadata):
//! the real aws-sdk-eks credential chain fails, and the console's error says so in words,
//! once, never as the SDK's debug dump.

use opsdeck::sources::eks::{EksError, EksSettings, EksSource};

#[tokio::test]
async fn no_credentials_is_one_plain_error() {
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: the only test of this binary; set before any other thread reads the env.
    #[allow(unsafe_code)]
    unsafe {
        for k in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ] {
            std::env::remove_var(k);
        }
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", dir.path().join("config"));
        std::env::set_var(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("credentials"),
        );
    }
    let source = EksSource::new(&EksSettings {
        cluster: "platform-prod".into(),
        region: Some("eu-west-1".into()),
        endpoint: Some("http://127.0.0.1:9".into()),
        static_credentials: None,
        profile: None,
    })
    .await;
    let err = source.nodegroups().await.expect_err("no credentials");
    assert_eq!(err, EksError::NoCredentials, "{err}");
    assert_eq!(
        err.to_string(),
        "EKS node groups unavailable: no AWS credentials (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`)"
    );
}
