//! The TI-Messenger client core: the product.
//!
//! A [`Session`] is one logged-in account on one device. It is a cheap-clone handle whose
//! namespaced sub-handles ([`Session::rooms`], [`Session::messages`]) form the product
//! interface: typed Rust values in, plain domain structs out, no JSON and no HTTP.
//!
//! * [`rules`] holds the TI-M rules as pure functions over plain data (room defaults and room
//!   policy, MXID handling). They never touch the network and are unit-tested on their own.
//! * [`matrix`] is the only place that talks to matrix-sdk; product methods ask the rules what
//!   to do, then act through it.
//! * [`CoreError`] names rule outcomes (forbidden by policy, not found, bad input) so callers
//!   can map them without parsing messages.
//!
//! E2EE is always on: every session owns an encrypted SQLite store (state, crypto, event
//! cache) that outlives logouts, so messages sent while logged out decrypt after re-login.

pub mod error;
pub mod federation;
pub mod ids;
pub mod matrix;
pub mod private_file;
pub mod rules;
pub mod sealed;
pub mod vzd;

pub use error::{CoreError, CoreResult, Rule};
pub use federation::FederationCheck;
pub use ids::Mxid;
pub use matrix::admin::Admin;
pub use matrix::contact_codes::ContactCodes;
pub use matrix::contacts::{Contacts, DEFAULT_CONTACT_API_PATH};
pub use matrix::devices::Devices;
pub use matrix::erase::DeviceOnServer;
pub use matrix::keys::Keys;
pub use matrix::media::{FileCheck, Media, MediaFile};
pub use matrix::message_watch::MessageWatch;
pub use matrix::messages::{DELETED_PLACEHOLDER, Message, Messages, NewMessage, TimelineEntry, Undecryptable};
pub use matrix::outbox::Outbox;
pub use matrix::permissions::Permissions;
pub use matrix::push::Push;
pub use matrix::push_rules::RoomPushRules;
pub use matrix::receipts::{Privacy, TypingWatch};
pub use matrix::retention::Retention;
pub use matrix::rooms::{Member, Membership, RoomInfo, Rooms, StateEvent};
pub use matrix::session::{LoginRequest, ResumeRequest, Session, StoreLocation};
pub use matrix::sso::{LoginToken, PendingSso, SsoStart, TokenLoginRequest};
pub use matrix::trust::TrustAnchors;
pub use matrix::users::{UserHit, Users};
pub use matrix::verification::{VerificationFlow, Verifications};
pub use rules::admin::{AdminDevice, AdminUser, ContentReport, CreatedUser, NewUser, ReportAction, Role, UserPage};
pub use rules::contact_qr::ContactCode;
pub use rules::contacts::ContactSetting;
pub use rules::devices::{DeviceInfo, DeviceTrust, KeySharing};
pub use rules::federation::{FederationDomain, FederationList};
pub use rules::membership_notice::{MembershipChange, MembershipNotice};
pub use rules::notifications::{Notification, NotificationBody, PushNotice, PushRegistration, PushStatus, PusherInfo};
pub use rules::outbox::{OutboxEntry, OutboxKind};
pub use rules::permissions::{
    Entries as PermissionEntries, INSURED_GROUP, List as PermissionList, Mode as AuthorizationMode,
};
pub use rules::privacy::{PrivacySettings, ReadBy};
pub use rules::push_rules::{NewPushRule, PushAction, PushCondition, PushRule, RoomMode, RuleKind};
pub use rules::retention::{PurgeReport, RetentionPeriod};
pub use rules::room_policy::{HistoryVisibility, JoinRule, NewRoom, Product, RoomAccess, RoomSettings};
pub use rules::session_end::EndReason;
pub use rules::sso::{IdentityProvider, LoginOptions};
pub use rules::timeline::{Attachment, EncryptedFile, MessageBody, UtdReason};
pub use rules::verification::{SasEmoji, VerificationState};
