//! Attachments: uploads are staged until a message says which room they go to (only then
//! is it known whether they must be encrypted); downloads return the decrypted bytes.

use std::collections::HashMap;
use std::sync::Arc;

use matrix_sdk::EncryptionState;
use matrix_sdk::media::{MediaFormat, MediaRequestParameters};
use matrix_sdk::room::Room;
use matrix_sdk::ruma::OwnedMxcUri;
use matrix_sdk::ruma::events::room::{EncryptedFile as SdkEncryptedFile, MediaSource};

use super::events::{encrypted_file_json, encrypted_file_of, file_id_of, mxc_of};
use crate::core::rules::files as rules;
use crate::core::rules::timeline::Attachment;
use crate::core::{CoreError, CoreResult, Rule, Session};

/// Bytes and type of a downloaded or staged file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaFile {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

/// A check every received file passes after decryption, before the caller gets it: a
/// malware scanner's hook (ML-123587). `Err` carries the reason the caller is told.
pub trait FileCheck: Send + Sync {
    fn check(&self, file: &MediaFile) -> Result<(), String>;
}

/// Per-session media bookkeeping (in memory: staged uploads live until sent or logout).
#[derive(Default)]
pub(crate) struct MediaIndex {
    staged: HashMap<String, MediaFile>,
    seen: HashMap<String, Attachment>,
    /// The product's limit for sent files, in bytes; the homeserver's applies as well.
    upload_limit: Option<u64>,
    check: Option<Arc<dyn FileCheck>>,
}

/// The media of a session.
pub struct Media<'a> {
    session: &'a Session,
}

impl Session {
    pub fn media(&self) -> Media<'_> {
        Media { session: self }
    }
}

const STAGED_PREFIX: &str = "upload-";

impl Media<'_> {
    /// Sets the product's limit for sent files (`None`: the homeserver's limit only).
    pub fn set_upload_limit(&self, bytes: Option<u64>) {
        self.session.media_index().upload_limit = bytes;
    }

    /// The limit a sent file must keep to: the product's, and the homeserver's media
    /// configuration (`m.upload.size`) when it names one, whichever is smaller.
    pub async fn upload_limit(&self) -> Option<u64> {
        let product = self.session.media_index().upload_limit;
        let server = match self.session.client().load_or_fetch_max_upload_size().await {
            Ok(size) => Some(u64::from(size)).filter(|s| *s > 0),
            Err(e) => {
                tracing::debug!(error = %e, "the homeserver's upload limit is unknown");
                None
            }
        };
        rules::smallest_limit(product, server)
    }

    /// Installs the check every received file passes (a malware scanner); `None` removes it.
    pub fn set_file_check(&self, check: Option<Arc<dyn FileCheck>>) {
        self.session.media_index().check = check;
    }

    /// Keeps an upload until a message sends it; returns its file id. A file over the
    /// [`Media::upload_limit`] is refused here, before anything is uploaded.
    pub async fn stage(&self, bytes: Vec<u8>, content_type: &str) -> CoreResult<String> {
        if bytes.is_empty() {
            return Err(CoreError::InvalidInput("an upload needs content".into()));
        }
        rules::require_within(bytes.len() as u64, self.upload_limit().await)?;
        let id = format!("{STAGED_PREFIX}{}", hex::encode(rand::random::<[u8; 16]>()));
        let file = MediaFile {
            bytes,
            content_type: content_type.to_string(),
        };
        self.session.media_index().staged.insert(id.clone(), file);
        Ok(id)
    }

    /// Uploads a staged file for `room`: encrypted (v2 attachment) in encrypted rooms.
    pub(crate) async fn upload_for(
        &self,
        room: &Room,
        file_id: &str,
        mimetype: Option<String>,
        filename: Option<String>,
    ) -> CoreResult<Attachment> {
        let staged = self.staged(file_id).await?;
        let mimetype = mimetype.unwrap_or_else(|| staged.content_type.clone());
        let size = Some(staged.bytes.len() as u64);
        let client = self.session.client();
        let attachment = if matches!(room.latest_encryption_state().await, Ok(EncryptionState::Encrypted)) {
            let mut reader = std::io::Cursor::new(staged.bytes);
            let file = client
                .upload_encrypted_file(&mut reader)
                .await
                .map_err(super::errors::from_sdk)?;
            let file = serde_json::to_value(&file)
                .ok()
                .as_ref()
                .and_then(encrypted_file_of)
                .ok_or_else(|| CoreError::Internal("the encrypted attachment could not be described".into()))?;
            Attachment {
                file_id: file_id_of(&file.url).unwrap_or_default(),
                mimetype: Some(mimetype),
                size,
                filename,
                encrypted: Some(file),
            }
        } else {
            let uri = self.upload_plain(staged.bytes, &mimetype).await?;
            Attachment {
                file_id: file_id_of(uri.as_str()).unwrap_or_default(),
                mimetype: Some(mimetype),
                size,
                filename,
                encrypted: None,
            }
        };
        self.remember(std::iter::once(&attachment));
        Ok(attachment)
    }

    /// A staged upload, refused when it is unknown or over the limit.
    pub(crate) async fn staged(&self, file_id: &str) -> CoreResult<MediaFile> {
        let staged = self
            .session
            .media_index()
            .staged
            .get(file_id)
            .cloned()
            .ok_or_else(|| CoreError::NotFound(format!("no uploaded file {file_id}")))?;
        rules::require_within(staged.bytes.len() as u64, self.upload_limit().await)?;
        Ok(staged)
    }

    /// Uploads bytes as they are: for what must be readable without a room key (files of
    /// unencrypted rooms, a room's picture: state events are never encrypted).
    pub(crate) async fn upload_plain(&self, bytes: Vec<u8>, mimetype: &str) -> CoreResult<OwnedMxcUri> {
        let mime: mime::Mime = mimetype.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM);
        Ok(self
            .session
            .client()
            .media()
            .upload(&mime, bytes, None)
            .await
            .map_err(super::errors::from_sdk)?
            .content_uri)
    }

    /// Drops what the session knows of files (their `mxc://` URIs) whose messages were purged.
    pub(crate) fn forget<'x>(&self, uris: impl Iterator<Item = &'x str>) {
        let mut index = self.session.media_index();
        for id in uris.filter_map(file_id_of) {
            index.seen.remove(&id);
        }
    }

    /// Records attachments seen in messages, so their file ids can be downloaded.
    pub(crate) fn remember<'x>(&self, attachments: impl Iterator<Item = &'x Attachment>) {
        let mut index = self.session.media_index();
        for a in attachments {
            index.seen.entry(a.file_id.clone()).or_insert_with(|| a.clone());
        }
    }

    /// The original bytes of a staged upload or of an attachment this account can read
    /// (decrypted). Unknown ids are looked up in every room before giving up.
    pub async fn download(&self, file_id: &str) -> CoreResult<MediaFile> {
        self.session.live()?;
        if let Some(staged) = self.session.media_index().staged.get(file_id).cloned() {
            return Ok(staged);
        }
        let mut known = self.session.media_index().seen.get(file_id).cloned();
        if known.is_none() {
            for room in self.session.client().rooms() {
                let _ = self.session.messages().list(room.room_id().as_str()).await;
            }
            known = self.session.media_index().seen.get(file_id).cloned();
        }
        let source = match &known {
            Some(Attachment { encrypted: Some(f), .. }) => {
                let file: SdkEncryptedFile =
                    serde_json::from_value(encrypted_file_json(f)).map_err(CoreError::internal)?;
                MediaSource::Encrypted(Box::new(file))
            }
            _ => {
                let mxc = mxc_of(file_id)
                    .ok_or_else(|| CoreError::NotFound(format!("no file {file_id:?}: not a file id of this client")))?;
                MediaSource::Plain(OwnedMxcUri::from(mxc))
            }
        };
        let request = MediaRequestParameters {
            source,
            format: MediaFormat::File,
        };
        let media = self.session.client().media();
        let bytes = media
            .get_media_content(&request, true)
            .await
            .map_err(super::errors::from_sdk)?;
        let content_type = known
            .and_then(|a| a.mimetype)
            .unwrap_or_else(|| "application/octet-stream".into());
        let file = MediaFile { bytes, content_type };
        let check = self.session.media_index().check.clone();
        if let Some(check) = check
            && let Err(reason) = check.check(&file)
        {
            // Discarded: not in the media cache either, so nothing opens it later.
            let _ = media.remove_media_content(&request).await;
            tracing::info!(file_id, "a received file was refused by the file check");
            return Err(Rule::FileRefused.violated(format!("file {file_id} refused: {reason}")));
        }
        Ok(file)
    }
}
