//! [`RedisBackplane`]: invalidation messages over Redis pub/sub.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use cache_core::async_trait;
use cache_core::remote::{
    Backplane, BackplaneEvent, ConnectionState, EventHandler, RemoteError, RemoteErrorKind,
};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{IntoConnectionInfo, ProtocolVersion, PushInfo, PushKind, Value, cmd};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::task::JoinHandle;

use crate::config::{RedisConfig, config_error};
use crate::errors::bounded;

/// The longest pause between two attempts to subscribe again.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Redis pub/sub as a [`Backplane`].
///
/// `PUBLISH` goes through one multiplexed connection; a second connection, in
/// RESP3, subscribes to the channel and receives messages as push messages.
/// That subscriber:
///
/// - resubscribes by itself after a dropped connection (the
///   [`ConnectionManager`]'s automatic resubscription), reporting
///   [`BackplaneEvent::Disconnected`] then `Connected { after_loss: true }`;
/// - `PING`s every [`heartbeat`](RedisConfig::heartbeat): a reply later than
///   the response timeout (a half-open socket, a paused or black-holed
///   server) counts as a lost connection, and the subscriber starts over on
///   a new connection.
///
/// Built without waiting: it connects in the background (so it can be built
/// while Redis is down); [`state`](Backplane::state) tells when it is
/// subscribed. Dropping the last clone stops the subscriber.
///
/// # Examples
///
/// ```no_run
/// use std::sync::Arc;
/// use cache_core::remote::{Backplane, BackplaneEvent, ConnectionState};
/// use cache_redis::{RedisBackplane, RedisConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = RedisConfig::new("redis://127.0.0.1:6379")?.channel("doc:invalidate");
/// let bus = RedisBackplane::new(&config)?;
/// let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
/// bus.subscribe(Arc::new(move |event| { let _ = tx.send(event); }))?;
/// while bus.state() != ConnectionState::Connected {
///     tokio::task::yield_now().await;
/// }
/// bus.publish(b"hello").await?;
/// loop {
///     if let Some(BackplaneEvent::Message(m)) = rx.recv().await {
///         assert_eq!(m, b"hello");
///         break;
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisBackplane {
    shared: Arc<Shared>,
    publisher: ConnectionManager,
    /// Aborts the subscriber when the last clone goes.
    _task: Arc<AbortOnDrop>,
}

/// What the subscriber task and the handles share.
struct Shared {
    channel: String,
    handler: RwLock<Option<EventHandler>>,
    connected: AtomicBool,
    /// `CLIENT ID` of the subscriber connection, 0 until known.
    client_id: AtomicI64,
    response_timeout: Duration,
    connect_timeout: Duration,
    heartbeat: Duration,
}

impl Shared {
    fn emit(&self, event: BackplaneEvent) {
        let handler =
            self.handler.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        if let Some(handler) = handler {
            handler(event);
        }
    }

    /// Marks the subscription lost, telling the handler once.
    fn lost(&self) {
        if self.connected.swap(false, Ordering::SeqCst) {
            self.emit(BackplaneEvent::Disconnected);
        }
    }
}

struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl RedisBackplane {
    /// A backplane on the channel of `config`; subscribes in the background.
    ///
    /// # Errors
    ///
    /// When a setting is wrong (named in the error), or when called outside
    /// a tokio runtime.
    pub fn new(config: &RedisConfig) -> Result<Self, RemoteError> {
        config.validate()?;
        let publisher_client = redis::Client::open(config.url.as_str())
            .map_err(|e| config_error("url", &e.to_string()))?;
        let publisher = ConnectionManager::new_lazy_with_config(
            publisher_client,
            ConnectionManagerConfig::new()
                .set_connection_timeout(Some(config.connect_timeout))
                .set_response_timeout(Some(config.response_timeout))
                .set_number_of_retries(1)
                .set_max_delay(config.connect_timeout),
        )
        .map_err(|e| config_error("url", &e.to_string()))?;
        let info = config
            .url
            .as_str()
            .into_connection_info()
            .map_err(|e| config_error("url", &e.to_string()))?;
        let resp3 = info.redis_settings().clone().set_protocol(ProtocolVersion::RESP3);
        let subscriber_client = redis::Client::open(info.set_redis_settings(resp3))
            .map_err(|e| config_error("url", &e.to_string()))?;
        let shared = Arc::new(Shared {
            channel: config.channel_name(),
            handler: RwLock::new(None),
            connected: AtomicBool::new(false),
            client_id: AtomicI64::new(0),
            response_timeout: config.response_timeout,
            connect_timeout: config.connect_timeout,
            heartbeat: config.heartbeat,
        });
        let task = tokio::spawn(subscribe_forever(Arc::clone(&shared), subscriber_client));
        Ok(Self { shared, publisher, _task: Arc::new(AbortOnDrop(task)) })
    }

    /// The channel messages go through.
    #[must_use]
    pub fn channel(&self) -> &str {
        &self.shared.channel
    }

    /// The Redis `CLIENT ID` of the subscriber's current connection (`None`
    /// before the first subscription): for diagnostics, and for tests that
    /// `CLIENT KILL` it.
    #[must_use]
    pub fn subscriber_client_id(&self) -> Option<i64> {
        Some(self.shared.client_id.load(Ordering::SeqCst)).filter(|&id| id != 0)
    }
}

#[async_trait]
impl Backplane for RedisBackplane {
    async fn publish(&self, message: &[u8]) -> Result<(), RemoteError> {
        let mut conn = self.publisher.clone();
        let mut publish = cmd("PUBLISH");
        publish.arg(&self.shared.channel).arg(message);
        let limit = self.shared.response_timeout + self.shared.connect_timeout;
        bounded::<i64>("PUBLISH", limit, publish.query_async(&mut conn)).await.map(drop)
    }

    fn subscribe(&self, handler: EventHandler) -> Result<(), RemoteError> {
        let mut slot = self.shared.handler.write().map_err(|_| {
            RemoteError::new(RemoteErrorKind::Other, "backplane handler lock poisoned")
        })?;
        *slot = Some(handler);
        Ok(())
    }

    fn state(&self) -> ConnectionState {
        if self.shared.connected.load(Ordering::SeqCst) {
            ConnectionState::Connected
        } else {
            ConnectionState::Disconnected
        }
    }
}

impl fmt::Debug for RedisBackplane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBackplane")
            .field("channel", &self.shared.channel)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

/// Subscribes, delivers, heartbeats; on a dead connection, starts over on a
/// new one with backoff. Runs until the backplane is dropped.
async fn subscribe_forever(shared: Arc<Shared>, client: redis::Client) {
    // Whether a subscription was ever attempted and lost or failed: every
    // later subscription may have missed messages.
    let mut lost_before = false;
    let mut backoff = Duration::from_millis(50);
    loop {
        let healthy = subscribe_once(&shared, &client, &mut lost_before).await;
        shared.lost();
        lost_before = true;
        if healthy {
            backoff = Duration::from_millis(50);
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// One subscriber connection, until its heartbeat fails. Returns whether it
/// was ever subscribed.
async fn subscribe_once(
    shared: &Arc<Shared>,
    client: &redis::Client,
    lost_before: &mut bool,
) -> bool {
    let (tx, rx) = unbounded_channel();
    // Messages go to the handler from the task that reads the connection (one
    // task hop less: the handler does not block); everything else, in order,
    // to this task.
    let inline = Arc::clone(shared);
    let route = move |push: PushInfo| {
        if push.kind == PushKind::Message {
            if let Some(Value::BulkString(payload)) = push.data.into_iter().nth(1) {
                inline.emit(BackplaneEvent::Message(payload));
            }
            return Ok(());
        }
        tx.send(push)
    };
    let config = ConnectionManagerConfig::new()
        .set_push_sender(route)
        .set_automatic_resubscription()
        .set_connection_timeout(Some(shared.connect_timeout))
        .set_response_timeout(Some(shared.response_timeout))
        .set_number_of_retries(1)
        .set_max_delay(shared.connect_timeout);
    let Ok(mut conn) = ConnectionManager::new_lazy_with_config(client.clone(), config) else {
        return false;
    };
    let limit = shared.response_timeout + shared.connect_timeout;
    if bounded::<()>("SUBSCRIBE", limit, conn.subscribe(&shared.channel)).await.is_err() {
        return false;
    }
    receive(shared, conn, rx, lost_before).await
}

/// Delivers push messages and heartbeats until the connection is judged dead.
async fn receive(
    shared: &Shared,
    mut conn: ConnectionManager,
    mut rx: UnboundedReceiver<PushInfo>,
    lost_before: &mut bool,
) -> bool {
    let mut subscribed = false;
    let mut heartbeat = tokio::time::interval(shared.heartbeat);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let limit = shared.response_timeout;
    loop {
        tokio::select! {
            push = rx.recv() => {
                let Some(push) = push else { return subscribed };
                match push.kind {
                    PushKind::Subscribe => {
                        subscribed = true;
                        if let Ok(id) = bounded::<i64>("CLIENT ID", limit, cmd("CLIENT").arg("ID").query_async(&mut conn)).await {
                            shared.client_id.store(id, Ordering::SeqCst);
                        }
                        if !shared.connected.swap(true, Ordering::SeqCst) {
                            shared.emit(BackplaneEvent::Connected { after_loss: *lost_before });
                        }
                    }
                    PushKind::Disconnection => {
                        // The manager reconnects and resubscribes by itself.
                        shared.lost();
                        *lost_before = true;
                    }
                    _ => {}
                }
            }
            _ = heartbeat.tick() => {
                if bounded::<()>("PING", limit, cmd("PING").query_async(&mut conn)).await.is_err() {
                    return subscribed;
                }
            }
        }
    }
}
