//! The HTTP server of `runql serve`: HTTP/1.1 by hyper on a tokio runtime, on 127.0.0.1.
//!
//! One client must not be able to stop the server for the others, so every connection is
//! its own task and is held to limits ([`ServerLimits`]): a cap on the request head, a time
//! to send it (slowloris), a time without progress while reading or writing (idle
//! keep-alive connections, clients that stop reading a large file), a number of connections
//! served at once, and no request bodies. Errors accepting a connection — file descriptors
//! running out above all — are logged and waited out; only an error that the listening
//! socket cannot recover from ends `serve`, and then with an error (a non-zero exit).

pub mod live;
mod site;

use std::convert::Infallible;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_io_timeout::TimeoutStream;

pub use site::Site;

use crate::error::{CliError, Result};

/// What one connection may take.
///
/// ```text
/// let limits = ServerLimits { max_connections: 64, ..ServerLimits::default() };
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Connections served at once; more wait in the listen queue until one closes.
    pub max_connections: usize,
    /// Time a client has to send a whole request head.
    pub header_timeout: Duration,
    /// Time a connection may go without reading or writing a byte while the server waits
    /// on it (an idle keep-alive connection, a client that stopped reading).
    pub io_timeout: Duration,
    /// The largest request head, in bytes (hyper's read buffer).
    pub max_head_bytes: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
            io_timeout: Duration::from_secs(30),
            max_head_bytes: 64 << 10,
        }
    }
}

/// A listening socket on 127.0.0.1, with the runtime that will serve it.
pub struct Bound {
    runtime: tokio::runtime::Runtime,
    listener: TcpListener,
    /// The port actually bound (when 0 was asked for, the one the OS picked).
    pub port: u16,
}

/// How many connections may wait to be accepted. The default of the standard library (128)
/// drops the handshakes of a burst of clients, which then retry only after a second.
const LISTEN_BACKLOG: u32 = 1024;

/// Binds 127.0.0.1:`port` (0 = any free port).
///
/// # Errors
/// [`CliError::Usage`] when the port cannot be bound (in use, not allowed);
/// [`CliError::Serve`] when the runtime cannot start.
pub fn bind(port: u16) -> Result<Bound> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("runql-serve")
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| CliError::Serve(format!("cannot start the server's runtime: {e}")))?;
    let cannot = |e: std::io::Error| {
        CliError::Usage(format!("cannot listen on 127.0.0.1:{port}: {e} (try another --port)"))
    };
    let listener = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_reuseaddr(true)?;
        socket.bind(std::net::SocketAddr::from(([127, 0, 0, 1], port)))?;
        socket.listen(LISTEN_BACKLOG)
    });
    let listener = listener.map_err(cannot)?;
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    Ok(Bound { runtime, listener, port })
}

impl Bound {
    /// Answers requests until the process is stopped.
    ///
    /// # Errors
    /// [`CliError::Serve`] when the listening socket fails for good.
    pub fn serve(self, site: Site, limits: ServerLimits) -> Result<()> {
        let Bound { runtime, listener, port } = self;
        runtime.block_on(accept_loop(listener, Arc::new(site), port, limits))
    }
}

async fn accept_loop(listener: TcpListener, site: Arc<Site>, port: u16, limits: ServerLimits) -> Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut failing_since: Option<std::time::Instant> = None;
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return Err(CliError::Serve("the connection limit was closed".into()));
        };
        match listener.accept().await {
            Ok((tcp, _peer)) => {
                if let Some(since) = failing_since.take() {
                    log(&format!(
                        "accepting connections again (after {:.1}s)",
                        since.elapsed().as_secs_f64()
                    ));
                }
                let site = Arc::clone(&site);
                tokio::spawn(async move {
                    serve_connection(tcp, &site, port, limits).await;
                    drop(slot);
                });
            }
            Err(e) if recoverable(&e) => {
                if failing_since.is_none() {
                    failing_since = Some(std::time::Instant::now());
                    log(&format!(
                        "cannot accept a connection: {e}; waiting for connections to close \
                         (raise the open-file limit, `ulimit -n`, to serve more at once)"
                    ));
                }
                // The pending connection stays queued: wait instead of spinning on it.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => {
                return Err(CliError::Serve(format!(
                    "accepting connections on 127.0.0.1:{port} failed: {e}"
                )));
            }
        }
    }
}

/// Errors after which `accept` works again once something changes: resources that run out
/// (file descriptors, buffers, memory) and connections that died while queued.
fn recoverable(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionReset, Interrupted, OutOfMemory, WouldBlock};
    if matches!(e.kind(), ConnectionAborted | ConnectionReset | Interrupted | WouldBlock | OutOfMemory) {
        return true;
    }
    // EMFILE 24, ENFILE 23, ENOBUFS 105, ENOMEM 12, EPROTO 71, EPERM 1 (a firewall),
    // ENETDOWN 100: Linux's numbers, which the other Unix systems share for the first ones.
    matches!(e.raw_os_error(), Some(24 | 23 | 105 | 12 | 71 | 1 | 100))
}

async fn serve_connection(tcp: tokio::net::TcpStream, site: &Site, port: u16, limits: ServerLimits) {
    let _ = tcp.set_nodelay(true);
    let mut io = TimeoutStream::new(tcp);
    io.set_read_timeout(Some(limits.io_timeout));
    io.set_write_timeout(Some(limits.io_timeout));
    let io = TokioIo::new(Box::pin(io));
    let service = service_fn(|request: hyper::Request<hyper::body::Incoming>| async move {
        let response = site::respond(site, port, &request).await;
        let status = response.status();
        if status.is_client_error() || status.is_server_error() {
            log(&format!("{} {}: {}", request.method(), request.uri(), status.as_u16()));
        }
        Ok::<_, Infallible>(response)
    });
    let served = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_head_bytes.max(8192))
        .serve_connection(io, service)
        .await;
    // A client that went away, timed out or sent garbage is its own problem; hyper has
    // already answered what could be answered (400, 431, 408).
    drop(served);
}

/// A line on stderr; stderr may be gone, so logging is best effort.
fn log(line: &str) {
    let _ = writeln!(std::io::stderr(), "{}", crate::terminal::printable(line));
}
