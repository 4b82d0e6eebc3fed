//! [`Backplane`]: invalidation messages between instances.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use super::RemoteError;

/// Whether a [`Backplane`] is receiving messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// Not connected yet, or lost: messages published now may never arrive.
    Disconnected,
    /// Subscribed: every message published from now on arrives.
    Connected,
}

/// What a [`Backplane`] tells its subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackplaneEvent {
    /// A message another instance (or this one) published.
    Message(Vec<u8>),
    /// The subscription was lost: messages may be missed from now on.
    Disconnected,
    /// The subscription is (again) in place. `after_loss` is `true` when an
    /// earlier subscription was lost: messages may have been missed, so
    /// anything they could have invalidated must be dropped or revalidated.
    Connected {
        /// Whether this follows a lost subscription.
        after_loss: bool,
    },
}

/// The callback a [`Backplane`] delivers events to, in the order they arrive.
/// It must not block: it runs on the backplane's receiving task.
pub type EventHandler = Arc<dyn Fn(BackplaneEvent) + Send + Sync>;

/// Carries invalidation messages between the instances of a service (Redis
/// pub/sub, NATS, Postgres `LISTEN`).
///
/// Messages are opaque bytes; the facade puts its instance id, the operation
/// and the key in them. Delivery is at most once: a lost subscription is
/// reported ([`BackplaneEvent::Disconnected`], then
/// `Connected { after_loss: true }`) so the subscriber can drop what it may
/// have missed. Messages from one publisher arrive in the order published.
/// Dyn-compatible: the facade holds an `Arc<dyn Backplane>`.
///
/// # Examples
///
/// An in-process backplane, as a test double:
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use cache_core::async_trait;
/// use cache_core::remote::{Backplane, BackplaneEvent, ConnectionState, EventHandler, RemoteError};
///
/// #[derive(Default)]
/// struct Local(Mutex<Vec<EventHandler>>);
/// # impl std::fmt::Debug for Local {
/// #     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("Local") }
/// # }
///
/// #[async_trait]
/// impl Backplane for Local {
///     async fn publish(&self, message: &[u8]) -> Result<(), RemoteError> {
///         for handler in self.0.lock().unwrap().iter() {
///             handler(BackplaneEvent::Message(message.to_vec()));
///         }
///         Ok(())
///     }
///     fn subscribe(&self, handler: EventHandler) -> Result<(), RemoteError> {
///         handler(BackplaneEvent::Connected { after_loss: false });
///         self.0.lock().unwrap().push(handler);
///         Ok(())
///     }
///     fn state(&self) -> ConnectionState {
///         ConnectionState::Connected
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let bus = Local::default();
/// let log = Arc::clone(&seen);
/// bus.subscribe(Arc::new(move |e| log.lock().unwrap().push(e))).unwrap();
/// bus.publish(b"drop k").await.unwrap();
/// assert_eq!(seen.lock().unwrap()[1], BackplaneEvent::Message(b"drop k".to_vec()));
/// # }
/// ```
#[async_trait]
pub trait Backplane: Send + Sync + fmt::Debug + 'static {
    /// Sends `message` to every subscribed instance (this one included).
    ///
    /// # Errors
    ///
    /// When the message could not be handed to the transport in time.
    async fn publish(&self, message: &[u8]) -> Result<(), RemoteError>;

    /// Delivers every event from now on to `handler`, replacing any earlier
    /// handler.
    ///
    /// # Errors
    ///
    /// When the backplane cannot deliver events (it was shut down).
    fn subscribe(&self, handler: EventHandler) -> Result<(), RemoteError>;

    /// Whether messages are being received now.
    fn state(&self) -> ConnectionState;
}
