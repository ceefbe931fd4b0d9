//! HTTPS against the simulator's self-signed certificate: refused by default with a message
//! saying what to set, accepted with `insecure_tls` or with the certificate as `ca_cert`.

use vmdeck::backend::BackendError;
use vmdeck::backend::http::{HttpCall, HttpOptions, build_client, send};
use vmdeck::sim::{SimConfig, SimServer, tls};

async fn server() -> (SimServer, tls::SelfSigned) {
    let cert = tls::self_signed().unwrap();
    let s = SimServer::start_tls(
        "127.0.0.1:0".parse().unwrap(),
        SimConfig::default(),
        cert.clone(),
    )
    .await
    .unwrap();
    (s, cert)
}

#[tokio::test]
async fn self_signed_is_refused_by_default_with_a_hint() {
    let (server, _) = server().await;
    assert!(server.base_url().starts_with("https://"));
    let client = build_client(&HttpOptions::default()).unwrap();
    let err = send(
        &client,
        &server.base_url(),
        &HttpCall::get("/__sim/faults"),
        &[],
    )
    .await
    .unwrap_err();
    let BackendError::Connect { reason, .. } = &err else {
        panic!("expected a connect error, got {err:?}")
    };
    assert!(reason.contains("certificate"), "{reason}");
    assert!(
        reason.contains("insecure_tls") && reason.contains("ca_cert"),
        "{reason}"
    );
}

#[tokio::test]
async fn insecure_tls_accepts_it() {
    let (server, _) = server().await;
    let client = build_client(&HttpOptions {
        insecure_tls: true,
        ..Default::default()
    })
    .unwrap();
    let resp = send(
        &client,
        &server.base_url(),
        &HttpCall::get("/no-such-route"),
        &[],
    )
    .await
    .expect("handshake accepted");
    assert_eq!(resp.status.as_u16(), 404);
}

#[tokio::test]
async fn ca_cert_accepts_it() {
    let (server, cert) = server().await;
    let path = std::env::temp_dir().join(format!("vmdeck-ca-{}.pem", std::process::id()));
    std::fs::write(&path, &cert.cert_pem).unwrap();
    let client = build_client(&HttpOptions {
        ca_cert: Some(path.clone()),
        ..Default::default()
    })
    .unwrap();
    let resp = send(
        &client,
        &server.base_url(),
        &HttpCall::get("/no-such-route"),
        &[],
    )
    .await
    .expect("trusted through ca_cert");
    assert_eq!(resp.status.as_u16(), 404);
    std::fs::remove_file(path).ok();
}

#[test]
fn unreadable_or_bogus_ca_cert_is_named() {
    let e = build_client(&HttpOptions {
        ca_cert: Some("/nonexistent/ca.pem".into()),
        ..Default::default()
    })
    .unwrap_err();
    assert!(e.contains("/nonexistent/ca.pem"), "{e}");
    let path = std::env::temp_dir().join(format!("vmdeck-bogus-{}.pem", std::process::id()));
    std::fs::write(&path, "not a certificate").unwrap();
    let e = build_client(&HttpOptions {
        ca_cert: Some(path.clone()),
        ..Default::default()
    })
    .unwrap_err();
    assert!(e.contains("ca_cert"), "{e}");
    std::fs::remove_file(path).ok();
}
