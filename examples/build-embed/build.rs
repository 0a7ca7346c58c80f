//! Embeds the credential bundle at build time. In your own crate the folder is e.g. `"certs/"`; here it is the
//! throw-away AWS test bundle of this repository.

fn main() {
    certpack::build::Embed::new("../../testdata/aws/rsa")
        .require_leaf()
        .require_key()
        .require_root()
        .write_module();
}
