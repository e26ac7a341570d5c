//! Serving the relay on a TCP listener ([`serve`]): axum's router on hyper, with two deadlines
//! for what a connection sends ([`ConnectionTimeouts`]) and a graceful shutdown.
//!
//! A request's headers must all arrive within the header timeout of its first byte (of the
//! connection's opening, for its first request): a client that opens connections and sends
//! nothing, or drips its headers a byte at a time, holds nothing for long. Between requests a
//! kept-alive connection may wait for the longer keep-alive timeout: a load balancer in front
//! keeps its connections to the relay open between requests, and a relay that closed them
//! sooner than the balancer gives up on them would now and then close one the balancer has just
//! sent a request on (the balancer answers that request with a 502). hyper's own header timeout
//! cannot tell the two apart (it also runs while a kept-alive connection waits), so both are
//! kept here, in the connection's reads ([`Paced`]), told by the requests in flight.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

use crate::RelayConfig;

/// How long a connection may keep the relay waiting ([`serve`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionTimeouts {
    /// From a request's first byte (a new connection's opening, for its first request) to the
    /// end of its headers.
    pub header: Duration,
    /// From the end of a response to the next request's first byte on a kept-alive connection.
    pub keep_alive: Duration,
}

impl ConnectionTimeouts {
    /// The timeouts `config` names (`--header-timeout`, `--keep-alive-timeout`).
    pub fn of(config: &RelayConfig) -> ConnectionTimeouts {
        ConnectionTimeouts {
            header: config.header_timeout,
            keep_alive: config.keep_alive_timeout,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting and waits for
/// the connections' requests in flight (idle connections are closed). A connection is closed
/// when a request's headers take longer than `timeouts.header`, or when it waits longer than
/// `timeouts.keep_alive` between requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    timeouts: ConnectionTimeouts,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    // hyper's header timeout would also end a kept-alive connection's wait: [`Paced`] keeps both.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(None);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors, for one: wait instead of spinning.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Without it, a response written in two pieces (its head, then a file's bytes) waits
        // for the client's delayed acknowledgement of the first: 40 ms on Linux, measured on
        // this relay for one request in three on a kept-alive connection.
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(%err, "TCP_NODELAY not set");
        }
        let pace = Arc::new(Pace::new(Phase::Head(Instant::now()), timeouts));
        let router = router.clone();
        let requests = pace.clone();
        let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
            let in_flight = InFlight::begin(requests.clone());
            let router = router.clone();
            async move {
                let response = router.oneshot(request.map(Body::new)).await?;
                if response.status() == StatusCode::SWITCHING_PROTOCOLS {
                    in_flight.upgraded();
                }
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(Responding {
                        body,
                        _in_flight: in_flight,
                    })
                }))
            }
        });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let io = TokioIo::new(Paced::new(stream, pace));
            let connection = builder.serve_connection_with_upgrades(io, service);
            // A client that goes away or times out is not the relay's error.
            if let Err(err) = watcher.watch(connection.into_owned()).await {
                tracing::debug!(%err, "connection ended");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Where a connection is between its requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request's first byte since then (the last response ended).
    Idle(Instant),
    /// A request's headers arriving since their first byte (or the connection's opening).
    Head(Instant),
    /// This many requests in flight: their bodies and responses have deadlines of their own
    /// (`--body-idle-timeout`), none here.
    Busy(usize),
    /// Handed over to another protocol (a `101 Switching Protocols` answer): its own business.
    Upgraded,
}

/// One connection's [`Phase`] and the timeouts it is held to.
#[derive(Debug)]
struct Pace {
    state: Mutex<PaceState>,
    timeouts: ConnectionTimeouts,
}

#[derive(Debug)]
struct PaceState {
    phase: Phase,
    /// The task of the connection's last read that waited without a deadline (while busy): it
    /// is woken when the connection starts to wait for its next request, so that the read
    /// takes up the keep-alive deadline (hyper reads a kept-alive connection while it answers,
    /// and may not read again before bytes arrive).
    reader: Option<Waker>,
}

impl Pace {
    fn new(phase: Phase, timeouts: ConnectionTimeouts) -> Pace {
        Pace {
            state: Mutex::new(PaceState {
                phase,
                reader: None,
            }),
            timeouts,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, PaceState> {
        // A panic elsewhere while it was held leaves a state that is still whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes arrived: a waiting connection's next request has begun.
    fn bytes_arrived(&self) {
        let mut state = self.state();
        if let Phase::Idle(_) = state.phase {
            state.phase = Phase::Head(Instant::now());
        }
    }

    /// When the connection's wait must end, if it has a deadline; without one, `reader` is
    /// kept to be woken when the connection goes idle.
    fn deadline(&self, reader: &Waker) -> Option<Instant> {
        let mut state = self.state();
        match state.phase {
            Phase::Idle(since) => Some(since + self.timeouts.keep_alive),
            Phase::Head(since) => Some(since + self.timeouts.header),
            Phase::Busy(_) | Phase::Upgraded => {
                if !state.reader.as_ref().is_some_and(|r| r.will_wake(reader)) {
                    state.reader = Some(reader.clone());
                }
                None
            }
        }
    }
}

/// A request in flight on its connection, from its headers to the end (or the drop) of its
/// response's body; the last one to end starts the connection's wait for the next request.
struct InFlight(Arc<Pace>);

impl InFlight {
    fn begin(pace: Arc<Pace>) -> InFlight {
        {
            let mut state = pace.state();
            state.phase = match state.phase {
                Phase::Busy(n) => Phase::Busy(n + 1),
                Phase::Upgraded => Phase::Upgraded,
                Phase::Idle(_) | Phase::Head(_) => Phase::Busy(1),
            };
        }
        InFlight(pace)
    }

    fn upgraded(&self) {
        self.0.state().phase = Phase::Upgraded;
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let reader = {
            let mut state = self.0.state();
            state.phase = match state.phase {
                Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
                Phase::Upgraded => Phase::Upgraded,
                _ => Phase::Idle(Instant::now()),
            };
            match state.phase {
                Phase::Idle(_) => state.reader.take(),
                _ => None,
            }
        };
        // Woken outside the lock: its read takes the lock again.
        if let Some(reader) = reader {
            reader.wake();
        }
    }
}

/// A response's body, which ends its request's [`InFlight`] when it ends or is dropped.
struct Responding {
    body: Body,
    _in_flight: InFlight,
}

impl http_body::Body for Responding {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// A connection whose reads keep its [`Pace`]'s deadlines: a read that waits past the
/// deadline fails (`TimedOut`), and hyper closes the connection.
struct Paced {
    stream: TcpStream,
    pace: Arc<Pace>,
    timer: Pin<Box<Sleep>>,
    /// The deadline `timer` is set to.
    set_to: Option<Instant>,
}

impl Paced {
    fn new(stream: TcpStream, pace: Arc<Pace>) -> Paced {
        Paced {
            stream,
            pace,
            timer: Box::pin(tokio::time::sleep_until(Instant::now())),
            set_to: None,
        }
    }
}

impl AsyncRead for Paced {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.pace.bytes_arrived();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => {
                let Some(deadline) = this.pace.deadline(cx.waker()) else {
                    return Poll::Pending;
                };
                if this.set_to != Some(deadline) {
                    this.timer.as_mut().reset(deadline);
                    this.set_to = Some(deadline);
                }
                match this.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the client sent no request, or not all its headers, in time",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncWrite for Paced {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
