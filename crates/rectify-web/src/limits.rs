//! How long a client may take and how many may be connected: the serve loop's timeouts and its
//! connection limit.
//!
//! hyper's own header timer also runs while a keep-alive connection waits for its next request,
//! so it cannot give the header read and the idle wait separate limits. Each connection here
//! gets a watchdog instead, fed by the connection's reads and its requests: a request head that
//! started arriving must be complete within `header_read`, a connection with no request in
//! flight and no bytes either way is closed after `idle`. Inside a request, a middleware bounds
//! the gap between two pieces of the body (`body_read`) and the whole request (`request`), both
//! answered 408. Connections over `max_connections` wait unaccepted in the listen queue until one
//! closes.

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, Sleep};

/// The serve loop's limits (`rectify serve --header-timeout …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// From the first byte of a request head to its end.
    pub header_read: Duration,
    /// The longest wait for the next piece of a request body.
    pub body_read: Duration,
    /// A connection with no request in flight and nothing sent either way is closed after this.
    pub idle: Duration,
    /// From a request's head to its response, whatever it waits for.
    pub request: Duration,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
}

impl ServerLimits {
    /// The defaults of `rectify serve`: enough for a 50 MiB upload over a slow office line, short
    /// enough that a client holding connections open gains little.
    pub const DEFAULT: ServerLimits = ServerLimits {
        header_read: Duration::from_secs(10),
        body_read: Duration::from_secs(30),
        idle: Duration::from_secs(60),
        request: Duration::from_secs(300),
        max_connections: 512,
    };
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the connections finish
/// their requests in flight.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let router = router.layer(axum::middleware::from_fn_with_state(limits, request_limits));
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        // A slot first, then the connection: over the limit, clients wait in the listen queue.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let stopping = stopping.clone();
        tokio::spawn(async move {
            connection(stream, peer, router, limits, stopping).await;
            drop(slot);
        });
    }
    tracing::info!("shutting down");
    let _ = stop.send(true);
    // Every connection holds a slot until it ends: all slots back means all requests finished.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
    Ok(())
}

/// What the watchdog knows of a connection, in milliseconds since it was accepted.
#[derive(Default)]
struct Activity {
    last: AtomicU64,
    /// When the current request head began to arrive, plus one (0: none is arriving).
    head_started: AtomicU64,
    in_flight: AtomicU64,
}

impl Activity {
    fn elapsed(start: Instant) -> u64 {
        u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ServerLimits,
    mut stopping: watch::Receiver<bool>,
) {
    let start = Instant::now();
    let activity = Arc::new(Activity::default());
    let io = hyper_util::rt::TokioIo::new(Watched {
        stream,
        start,
        activity: activity.clone(),
    });
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            activity.head_started.store(0, Ordering::Relaxed);
            activity.in_flight.fetch_add(1, Ordering::Relaxed);
            let mut router = router.clone();
            let activity = activity.clone();
            async move {
                let response = tower::Service::call(&mut router, request).await;
                activity.in_flight.fetch_sub(1, Ordering::Relaxed);
                activity
                    .last
                    .store(Activity::elapsed(start), Ordering::Relaxed);
                response
            }
        })
    };
    let conn = hyper::server::conn::http1::Builder::new()
        // The watchdog below times the head and the idle wait; hyper's timer would do both at once.
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(conn);
    let watchdog = watchdog(&activity, start, limits);
    tokio::pin!(watchdog);
    let mut stop_seen = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, %peer, "connection ended with an error");
                }
                return;
            }
            reason = &mut watchdog => {
                tracing::debug!(%peer, reason, "connection closed");
                return;
            }
            changed = stopping.changed(), if !stop_seen => {
                if changed.is_err() || *stopping.borrow() {
                    stop_seen = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Returns (and so closes the connection) once a request head is overdue or the connection
/// has idled too long.
async fn watchdog(activity: &Activity, start: Instant, limits: ServerLimits) -> &'static str {
    let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    loop {
        let now = Activity::elapsed(start);
        let head = activity.head_started.load(Ordering::Relaxed);
        let wait = if activity.in_flight.load(Ordering::Relaxed) > 0 {
            // The request's own limits (middleware) apply; look again later.
            millis(limits.idle)
        } else if head > 0 {
            let due = head - 1 + millis(limits.header_read);
            if now >= due {
                return "request head not received in time";
            }
            due - now
        } else {
            let due = activity.last.load(Ordering::Relaxed) + millis(limits.idle);
            if now >= due {
                return "idle";
            }
            due - now
        };
        // A head may start arriving while we sleep: look again within a quarter of its limit.
        let tick = millis(limits.header_read) / 4;
        tokio::time::sleep(Duration::from_millis(wait.min(tick).max(10))).await;
    }
}

/// The connection's socket, noting when bytes move and when a request head starts to arrive.
struct Watched {
    stream: TcpStream,
    start: Instant,
    activity: Arc<Activity>,
}

impl Watched {
    fn moved(&self, read: bool) {
        let now = Activity::elapsed(self.start);
        self.activity.last.store(now, Ordering::Relaxed);
        let waiting_for_head = self.activity.in_flight.load(Ordering::Relaxed) == 0;
        if read && waiting_for_head {
            let _ = self.activity.head_started.compare_exchange(
                0,
                now + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.moved(true);
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.moved(false);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The request's own limits: the whole request within `request`, each piece of its body within
/// `body_read` of the one before; either answered 408.
async fn request_limits(
    axum::extract::State(limits): axum::extract::State<ServerLimits>,
    request: Request,
    next: Next,
) -> Response {
    let timed_out = Arc::new(AtomicBool::new(false));
    let request = request.map(|body| {
        Body::new(SlowBody {
            inner: body,
            gap: limits.body_read,
            sleep: None,
            timed_out: timed_out.clone(),
        })
    });
    let response = tokio::time::timeout(limits.request, next.run(request)).await;
    match response {
        Ok(_) if timed_out.load(Ordering::Relaxed) => too_slow("请求内容传输过慢，已超时"),
        Ok(response) => response,
        Err(_) => too_slow("请求处理超时"),
    }
}

fn too_slow(message: &'static str) -> Response {
    (StatusCode::REQUEST_TIMEOUT, message).into_response()
}

/// A request body that fails once no piece has arrived for `gap` while one is awaited.
struct SlowBody {
    inner: Body,
    gap: Duration,
    /// Started when a piece is awaited and not there, cleared when one arrives.
    sleep: Option<Pin<Box<Sleep>>>,
    timed_out: Arc<AtomicBool>,
}

impl HttpBody for SlowBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Bytes>, axum::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            self.sleep = None;
            return Poll::Ready(frame);
        }
        let gap = self.gap;
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(gap)));
        if sleep.as_mut().poll(cx).is_ready() {
            self.timed_out.store(true, Ordering::Relaxed);
            return Poll::Ready(Some(Err(axum::Error::new("请求内容传输过慢"))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}
