//! The object store for evidence files: content-addressed by SHA-256, on a local
//! directory by default or on S3-compatible storage in production.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use std::str::FromStr;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutMode, PutOptions, PutPayload};

#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    #[error("object store setting: {0}")]
    Config(String),
    #[error("object not found")]
    NotFound,
    #[error("object store: {0}")]
    Io(String),
}

impl From<object_store::Error> for ObjectError {
    fn from(e: object_store::Error) -> ObjectError {
        match e {
            object_store::Error::NotFound { .. } => ObjectError::NotFound,
            e => ObjectError::Io(e.to_string()),
        }
    }
}

/// Evidence files by their SHA-256. Cheap to clone.
#[derive(Clone)]
pub struct EvidenceStore {
    inner: Arc<dyn ObjectStore>,
    prefix: String,
    description: String,
}

impl std::fmt::Debug for EvidenceStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EvidenceStore({})", self.description)
    }
}

impl EvidenceStore {
    /// Opens the store named by `setting` (see `Config::evidence_store`).
    pub fn open(setting: &str, data_dir: &Path) -> Result<EvidenceStore, ObjectError> {
        EvidenceStore::open_with(setting, data_dir, &[])
    }

    /// As [`EvidenceStore::open`], with S3 settings (`aws_endpoint`, `aws_allow_http`,
    /// `aws_access_key_id`, …) given here rather than in the environment.
    pub fn open_with(
        setting: &str,
        data_dir: &Path,
        s3_options: &[(&str, &str)],
    ) -> Result<EvidenceStore, ObjectError> {
        let setting = setting.trim();
        if let Some(rest) = setting.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(ObjectError::Config("s3:// needs a bucket name".into()));
            }
            let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
            for (key, value) in s3_options {
                let key = AmazonS3ConfigKey::from_str(key)
                    .map_err(|e| ObjectError::Config(e.to_string()))?;
                builder = builder.with_config(key, *value);
            }
            let s3 = builder
                .build()
                .map_err(|e| ObjectError::Config(e.to_string()))?;
            return Ok(EvidenceStore {
                inner: Arc::new(s3),
                prefix: prefix.trim_matches('/').to_string(),
                description: format!("s3://{bucket}"),
            });
        }
        let dir = match setting.strip_prefix("file://") {
            Some(p) => p.into(),
            None if setting.is_empty() => data_dir.join("evidence"),
            None => setting.into(),
        };
        std::fs::create_dir_all(&dir)
            .map_err(|e| ObjectError::Config(format!("cannot create {}: {e}", dir.display())))?;
        let local = LocalFileSystem::new_with_prefix(&dir)
            .map_err(|e| ObjectError::Config(e.to_string()))?;
        Ok(EvidenceStore {
            inner: Arc::new(local),
            prefix: String::new(),
            description: dir.display().to_string(),
        })
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    fn path(&self, sha256: &str) -> ObjectPath {
        let key = format!("sha256/{}/{}", &sha256[..2.min(sha256.len())], sha256);
        if self.prefix.is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{}/{key}", self.prefix))
        }
    }

    /// Stores `bytes` under their hash. Storing the same content twice is harmless.
    pub async fn put(&self, sha256: &str, bytes: Bytes) -> Result<(), ObjectError> {
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        let path = self.path(sha256);
        match self
            .inner
            .put_opts(&path, PutPayload::from_bytes(bytes.clone()), opts)
            .await
        {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            // Some S3-compatible servers do not support conditional writes: a plain put of
            // content-addressed bytes is just as correct.
            Err(object_store::Error::NotImplemented) => {
                self.inner.put(&path, PutPayload::from_bytes(bytes)).await?;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn get(&self, sha256: &str) -> Result<Bytes, ObjectError> {
        Ok(self.inner.get(&self.path(sha256)).await?.bytes().await?)
    }

    /// Removes a file; removing one that is not there is [`ObjectError::NotFound`].
    pub async fn delete(&self, sha256: &str) -> Result<(), ObjectError> {
        let path = self.path(sha256);
        // Not every store reports a missing object on delete: ask first.
        self.inner.head(&path).await?;
        Ok(self.inner.delete(&path).await?)
    }
}
