//! HTTPS for the simulator, with a self-signed certificate made on the spot, so the
//! client's TLS settings (`insecure_tls`, `ca_cert`) are tested against a real handshake.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower::ServiceExt;

/// A certificate and its key, PEM-encoded. The certificate is its own CA.
#[derive(Clone, Debug)]
pub struct SelfSigned {
    pub cert_pem: String,
    pub key_pem: String,
}

/// A certificate for `localhost` and `127.0.0.1`.
pub fn self_signed() -> Result<SelfSigned, String> {
    self_signed_for(std::net::Ipv4Addr::LOCALHOST.into())
}

/// A certificate for `localhost`, `127.0.0.1` and the address the simulator listens on
/// (when that is one address, not "every interface"), so its printed URL is trusted too.
pub fn self_signed_for(listen: std::net::IpAddr) -> Result<SelfSigned, String> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    if !listen.is_unspecified() && !names.contains(&listen.to_string()) {
        names.push(listen.to_string());
    }
    let ck = rcgen::generate_simple_self_signed(names).map_err(|e| e.to_string())?;
    Ok(SelfSigned {
        cert_pem: ck.cert.pem(),
        key_pem: ck.signing_key.serialize_pem(),
    })
}

fn server_config(tls: &SelfSigned) -> Result<rustls::ServerConfig, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(tls.cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("certificate: {e}"))?;
    let key =
        PrivateKeyDer::from_pem_slice(tls.key_pem.as_bytes()).map_err(|e| format!("key: {e}"))?;
    rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .map_err(|e| e.to_string())
}

/// Serves `app` over TLS until `shutdown` fires.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    tls: SelfSigned,
    mut shutdown: oneshot::Receiver<()>,
) -> Result<(), String> {
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config(&tls)?));
    loop {
        let (tcp, peer): (_, SocketAddr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            _ = &mut shutdown => return Ok(()),
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            // A client that refuses our certificate ends here; that is what the tests check.
            let Ok(stream) = acceptor.accept(tcp).await else {
                return;
            };
            let svc = app.map_request(move |req: hyper::Request<hyper::body::Incoming>| {
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
            let _ = Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc))
                .await;
        });
    }
}
