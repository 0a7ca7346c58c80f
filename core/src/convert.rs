//! Item-by-item conversion (`certpack convert`): every item of a bundle into one chosen form.

use crate::artifact::{Artifact, Artifacts};
use crate::bundle::Bundle;
use crate::encode::{self, PemStyle};
use crate::error::{Error, ErrorKind, Result};
use crate::item::{Content, Item};
use zeroize::Zeroizing;

/// The form to convert every item into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Form {
    /// Certificates as DER; keys as DER in the container they came in (decrypted); public keys as SPKI DER.
    Der,
    /// Normalised PEM of every item (keys keep their container; an encrypted key is written decrypted as PKCS#8).
    Pem,
    /// RSA private keys as PKCS#1 `RSAPrivateKey`.
    Pkcs1,
    /// Private keys as unencrypted PKCS#8 `PrivateKeyInfo`.
    Pkcs8,
    /// EC private keys as SEC1 `ECPrivateKey`.
    Sec1,
    /// The public key of every certificate and key as SPKI.
    Spki,
}

impl Form {
    /// Every form.
    pub const ALL: &'static [Form] = &[
        Form::Der,
        Form::Pem,
        Form::Pkcs1,
        Form::Pkcs8,
        Form::Sec1,
        Form::Spki,
    ];

    /// Stable name.
    pub fn name(self) -> &'static str {
        match self {
            Form::Der => "der",
            Form::Pem => "pem",
            Form::Pkcs1 => "pkcs1",
            Form::Pkcs8 => "pkcs8",
            Form::Sec1 => "sec1",
            Form::Spki => "spki",
        }
    }

    /// Parse a name.
    pub fn parse(name: &str) -> Result<Form> {
        Form::ALL
            .iter()
            .copied()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("\"{name}\" is not a conversion form"),
                    "choose der, pem, pkcs1, pkcs8, sec1 or spki",
                )
            })
    }
}

/// Conversion options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvertOptions {
    /// Target form.
    pub form: Form,
    /// For pkcs1/pkcs8/sec1/spki: write PEM instead of DER.
    pub pem: bool,
    /// PEM line ending and final newline.
    pub style: PemStyle,
}

impl ConvertOptions {
    /// Options for `form` with DER for key forms and LF PEM.
    pub fn new(form: Form) -> ConvertOptions {
        ConvertOptions {
            form,
            pem: false,
            style: PemStyle::default(),
        }
    }
}

/// One converted item: its bytes (zeroizing: they may be a private key), the file suffix, and whether it is secret.
pub type ItemBytes = (Zeroizing<Vec<u8>>, String, bool);

/// One item's bytes in a form. `None` when the form does not apply.
pub fn item_bytes(item: &Item, options: &ConvertOptions) -> Result<Option<ItemBytes>> {
    let pem = |label: &str, der: &[u8]| {
        encode::pem(label, der, options.style).map(|text| Zeroizing::new(text.into_bytes()))
    };
    let wrap =
        |label: &str, der: Zeroizing<Vec<u8>>, ext: &str| -> Result<(Zeroizing<Vec<u8>>, String)> {
            if options.pem {
                Ok((pem(label, &der)?, format!("{ext}.pem")))
            } else {
                Ok((der, format!("{ext}.der")))
            }
        };
    let public = |der: &[u8]| Zeroizing::new(der.to_vec());
    let out = match (&item.content, options.form) {
        (Content::Certificate(c), Form::Der) => Some((public(c.der()), "crt.der".into(), false)),
        (Content::Certificate(c), Form::Pem) => {
            Some((pem(encode::CERTIFICATE, c.der())?, "crt.pem".into(), false))
        }
        (Content::PrivateKey(k), Form::Der | Form::Pem) => {
            let (label, ext) = match k.form() {
                crate::key::KeyForm::Pkcs1 => (encode::RSA_PRIVATE_KEY, "pkcs1.key"),
                crate::key::KeyForm::Sec1 => (encode::EC_PRIVATE_KEY, "sec1.key"),
                _ => (encode::PRIVATE_KEY, "pkcs8.key"),
            };
            let der = k.original_der();
            let (bytes, suffix) = if options.form == Form::Pem {
                (pem(label, &der)?, format!("{ext}.pem"))
            } else {
                (der, format!("{ext}.der"))
            };
            Some((bytes, suffix, true))
        }
        (Content::PrivateKey(k), Form::Pkcs8) => {
            let (b, s) = wrap(encode::PRIVATE_KEY, k.pkcs8_der(), "pkcs8.key")?;
            Some((b, s, true))
        }
        (Content::PrivateKey(k), Form::Pkcs1) if k.algorithm().family() == "rsa" => {
            let (b, s) = wrap(encode::RSA_PRIVATE_KEY, k.pkcs1_der()?, "pkcs1.key")?;
            Some((b, s, true))
        }
        (Content::PrivateKey(k), Form::Sec1) if k.algorithm().family() == "ec" => {
            let (b, s) = wrap(encode::EC_PRIVATE_KEY, k.sec1_der()?, "sec1.key")?;
            Some((b, s, true))
        }
        (_, Form::Spki) => {
            let spki = public(item.public_key().spki_der());
            let (b, s) = wrap(encode::PUBLIC_KEY, spki, "spki.pub")?;
            Some((b, s, false))
        }
        (Content::PublicKey(p), Form::Der) => {
            Some((public(p.spki_der()), "spki.pub.der".into(), false))
        }
        (Content::PublicKey(p), Form::Pem) => Some((
            pem(encode::PUBLIC_KEY, p.spki_der())?,
            "spki.pub.pem".into(),
            false,
        )),
        _ => None,
    };
    Ok(out)
}

/// File stem for an item: the input's file name without its certificate/key extensions.
fn stem(item: &Item) -> String {
    let base = item
        .origin
        .path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("item");
    let mut stem = base;
    loop {
        let lower = stem.to_ascii_lowercase();
        match [
            ".pem", ".crt", ".cer", ".der", ".key", ".pub", ".json", ".txt", ".bin",
        ]
        .iter()
        .find(|e| lower.ends_with(*e))
        {
            Some(ext) => stem = &stem[..stem.len() - ext.len()],
            None => break,
        }
    }
    if let Some(label) = item
        .origin
        .label
        .as_deref()
        .filter(|_| item.origin.encoding == "aws-json")
    {
        return match label {
            "certificatePem" => "certificate".into(),
            "keyPair.PrivateKey" => "private".into(),
            _ => "public".into(),
        };
    }
    if stem.is_empty() {
        "item".into()
    } else {
        stem.replace(['<', '>', ' ', '#'], "_")
    }
}

/// Convert every item of `bundle`. Items the form does not apply to are listed in the notes.
pub fn convert(bundle: &Bundle, options: &ConvertOptions) -> Result<Artifacts> {
    let mut out = Artifacts::new(format!("convert-{}", options.form.name()));
    let multi_block = |item: &Item| {
        bundle
            .items()
            .iter()
            .filter(|i| i.origin.path == item.origin.path)
            .count()
            > 1
    };
    for item in bundle.items() {
        let Some((mut bytes, suffix, secret)) = item_bytes(item, options)? else {
            out.notes.push(format!(
                "{} ({}) has no {} form; skipped",
                item.origin,
                item.role,
                options.form.name()
            ));
            continue;
        };
        let mut name = stem(item);
        if multi_block(item) {
            name = format!("{name}-{}", item.origin.index + 1);
        }
        let mut file = format!("{name}.{suffix}");
        let mut n = 2;
        while out.get(&file).is_some() {
            file = format!("{name}-{n}.{suffix}");
            n += 1;
        }
        // Move the buffer out (no copy): the artifact keeps it in its own zeroizing wrapper.
        let mut artifact = Artifact::new(
            file,
            std::mem::take(&mut *bytes),
            format!("{} from {}", item.role, item.origin),
        );
        if secret {
            artifact = artifact.secret();
        }
        out.push(artifact);
    }
    if out.files.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("no item of the bundle has a {} form", options.form.name()),
            "pkcs1 applies to RSA private keys, sec1 to EC private keys, pkcs8 to private keys",
        ));
    }
    Ok(out)
}
