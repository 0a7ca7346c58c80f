//! Device containers certpack can read back (AtPKI bins, NVS images, NONOS sectors): a registry of decoders,
//! each recognising its own magic and returning the entries inside.

use zeroize::Zeroizing;

use crate::error::Result;

/// One entry of a container: a name for the user and the bytes (PEM or DER) inside.
pub struct Entry {
    /// e.g. `client_cert id 0`.
    pub name: String,
    /// The entry's content.
    pub bytes: Zeroizing<Vec<u8>>,
}

/// A decoded container.
pub struct Decoded {
    /// Human name of the format, e.g. `ESP-AT PKI bin (AtPKI)`.
    pub format: String,
    /// Short code used in item origins, e.g. `atpki`.
    pub format_code: String,
    /// The entries in container order.
    pub entries: Vec<Entry>,
}

/// A decoder: `None` when the bytes are not its format, `Some(Err)` when they are but are malformed.
pub type Decoder = fn(&[u8]) -> Option<Result<Decoded>>;

/// The registered decoders, tried in order.
const DECODERS: &[Decoder] = &[
    crate::target::espressif::atpki::decode_container,
    crate::target::espressif::nvs::decode_container,
    crate::target::espressif::nonos::decode_container,
];

/// Try every registered decoder.
pub fn decode(bytes: &[u8]) -> Option<Result<Decoded>> {
    DECODERS.iter().find_map(|d| d(bytes))
}
