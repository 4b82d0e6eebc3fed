//! [`FaultProxy`]: a TCP proxy on loopback that injects network faults
//! between a client and Redis (tests and the demo; feature `fault-proxy`).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// What the proxy does to traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forwards everything.
    Pass,
    /// Forwards every chunk after this delay.
    Delay(Duration),
    /// Keeps connections open but forwards nothing (a half-open or
    /// partitioned peer); new connections are accepted and starved alike.
    BlackHole,
    /// Closes every open connection now, then forwards new ones.
    Drop,
    /// Closes every open connection and refuses new ones (the port is closed).
    Refuse,
}

/// A TCP proxy from a loopback port to `upstream`, whose [`Fault`] can be
/// changed at any time. Stops when dropped.
///
/// # Examples
///
/// ```no_run
/// use cache_redis::fault_proxy::{Fault, FaultProxy};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let proxy = FaultProxy::start("127.0.0.1:6379".parse().unwrap()).await?;
/// let url = format!("redis://{}", proxy.addr());
/// proxy.set(Fault::BlackHole); // Redis through `url` now never answers
/// # let _ = url;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    fault: watch::Sender<Fault>,
    /// Bumped by `Drop` and `Refuse`: connections of an older epoch close.
    epoch: watch::Sender<u64>,
    accept: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
    upstream: SocketAddr,
}

impl FaultProxy {
    /// Listens on a free loopback port, forwarding to `upstream`.
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (fault, _) = watch::channel(Fault::Pass);
        let (epoch, _) = watch::channel(0);
        let proxy = Self { addr, fault, epoch, accept: Arc::new(Mutex::new(None)), upstream };
        proxy.serve(listener);
        Ok(proxy)
    }

    /// The address clients connect to.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The fault in force.
    #[must_use]
    pub fn fault(&self) -> Fault {
        *self.fault.borrow()
    }

    /// Changes the fault; `Drop` and `Refuse` close open connections at once,
    /// and leaving `Refuse` opens the port again.
    pub fn set(&self, fault: Fault) {
        let before = self.fault.send_replace(fault);
        if matches!(fault, Fault::Drop | Fault::Refuse) {
            self.epoch.send_modify(|e| *e += 1);
        }
        if fault == Fault::Drop {
            self.fault.send_replace(Fault::Pass);
        }
        let mut accept = self.accept.lock().unwrap_or_else(PoisonError::into_inner);
        if fault == Fault::Refuse {
            if let Some(task) = accept.take() {
                task.abort();
            }
        } else if before == Fault::Refuse && accept.is_none() {
            drop(accept);
            self.reopen();
        }
    }

    /// Binds the port again: the aborted accept task frees it on its next
    /// poll, so a few attempts may be needed (bounded: 2 s).
    fn reopen(&self) {
        let slot = Arc::clone(&self.accept);
        let (addr, fault, epoch, upstream) =
            (self.addr, self.fault.subscribe(), self.epoch.subscribe(), self.upstream);
        let opener = tokio::spawn(async move {
            for _ in 0..400 {
                if let Ok(listener) = TcpListener::bind(addr).await {
                    let task = tokio::spawn(accept_loop(listener, fault, epoch, upstream));
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(task);
                    return;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        drop(opener);
    }

    fn serve(&self, listener: TcpListener) {
        let task = tokio::spawn(accept_loop(
            listener,
            self.fault.subscribe(),
            self.epoch.subscribe(),
            self.upstream,
        ));
        *self.accept.lock().unwrap_or_else(PoisonError::into_inner) = Some(task);
    }
}

/// Accepts clients and proxies each to `upstream` until its epoch ends.
async fn accept_loop(
    listener: TcpListener,
    fault: watch::Receiver<Fault>,
    epoch: watch::Receiver<u64>,
    upstream: SocketAddr,
) {
    let mut connections = JoinSet::new();
    while let Ok((client, _)) = listener.accept().await {
        let fault = fault.clone();
        let epoch = epoch.clone();
        connections.spawn(async move {
            let Ok(server) = TcpStream::connect(upstream).await else { return };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let born = *epoch.borrow();
            let (client_read, client_write) = client.into_split();
            let (server_read, server_write) = server.into_split();
            tokio::select! {
                () = pump(client_read, server_write, fault.clone()) => {}
                () = pump(server_read, client_write, fault) => {}
                () = closed_after(epoch, born) => {}
            }
        });
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(task) = self.accept.lock().unwrap_or_else(PoisonError::into_inner).take() {
            task.abort();
        }
        self.epoch.send_modify(|e| *e += 1);
    }
}

/// Resolves when the epoch moves past `born`.
async fn closed_after(mut epoch: watch::Receiver<u64>, born: u64) {
    while *epoch.borrow_and_update() == born {
        if epoch.changed().await.is_err() {
            return;
        }
    }
}

/// Copies `from` to `to`, applying the fault in force to every chunk.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut fault: watch::Receiver<Fault>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        loop {
            let now = *fault.borrow_and_update();
            match now {
                Fault::Pass | Fault::Drop => break,
                Fault::Delay(d) => {
                    tokio::time::sleep(d).await;
                    break;
                }
                // Hold the bytes until the fault changes: nothing is forwarded.
                Fault::BlackHole | Fault::Refuse => {
                    if fault.changed().await.is_err() {
                        return;
                    }
                }
            }
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
