//! Writing outputs safely lives in the core (shared with the Python package): see `certpack::output`.

pub use certpack::output::{write_files, Guard};
