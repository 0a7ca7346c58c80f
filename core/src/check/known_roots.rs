//! The cloud roots certpack knows by fingerprint: which cloud endpoint chains to each, how long it is valid, and
//! what replaces it when it is retired.
//!
//! Fingerprints are the SHA-256 (and SHA-1, the "thumbprint" Azure users pin) of the certificate DER. Every entry
//! present in `testdata/roots/` (Debian ca-certificates 20230311+deb12u1) is checked against that file by the tests;
//! Starfield Services Root G2 against Debian's `Starfield_Services_Root_Certificate_Authority_-_G2.crt` and VeriSign
//! Class 3 G5 against the copy in `testdata/check/` (both described in testdata/check/README.md).

use crate::cert::Certificate;

/// The service a root serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cloud {
    /// AWS IoT Core ATS endpoints (`<prefix>-ats.iot.<region>.amazonaws.com`).
    AwsAts,
    /// AWS IoT Core legacy endpoints (`<prefix>.iot.<region>.amazonaws.com`, Symantec/VeriSign chain).
    AwsLegacy,
    /// Azure IoT Hub and Device Provisioning Service (`*.azure-devices.net`, `*.azure-devices-provisioning.net`).
    Azure,
}

impl Cloud {
    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            Cloud::AwsAts => "AWS IoT ATS endpoint",
            Cloud::AwsLegacy => "AWS IoT legacy endpoint",
            Cloud::Azure => "Azure IoT Hub",
        }
    }
}

/// A well-known root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownRoot {
    /// Common name, as users know it.
    pub name: &'static str,
    /// The file name the cloud's documentation uses.
    pub file: &'static str,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: &'static str,
    /// SHA-1 of the DER (Azure/Windows thumbprint), lowercase hex.
    pub sha1: &'static str,
    /// Key algorithm and size (`RSA 2048`, `EC P-256`).
    pub key: &'static str,
    /// Start of validity, RFC 3339.
    pub not_before: &'static str,
    /// End of validity, RFC 3339.
    pub not_after: &'static str,
    /// The endpoints whose server certificates chain to it.
    pub cloud: Cloud,
    /// Why it must not be used any more, when it is retired.
    pub retired: Option<&'static str>,
    /// The root to use instead (a `name` of this table), when retired.
    pub successor: Option<&'static str>,
}

impl KnownRoot {
    /// True for EC roots (which need ECDSA cipher suites).
    pub fn is_ec(&self) -> bool {
        self.key.starts_with("EC")
    }
}

/// The table, Amazon roots first.
pub const KNOWN_ROOTS: &[KnownRoot] = &[
    KnownRoot {
        name: "Amazon Root CA 1",
        file: "AmazonRootCA1.pem",
        sha256: "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e",
        sha1: "8da7f965ec5efc37910f1c6e59fdc1cc6a6ede16",
        key: "RSA 2048",
        not_before: "2015-05-26T00:00:00Z",
        not_after: "2038-01-17T00:00:00Z",
        cloud: Cloud::AwsAts,
        retired: None,
        successor: None,
    },
    KnownRoot {
        name: "Amazon Root CA 2",
        file: "AmazonRootCA2.pem",
        sha256: "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4",
        sha1: "5a8cef45d7a69859767a8c8b4496b578cf474b1a",
        key: "RSA 4096",
        not_before: "2015-05-26T00:00:00Z",
        not_after: "2040-05-26T00:00:00Z",
        cloud: Cloud::AwsAts,
        retired: None,
        successor: None,
    },
    KnownRoot {
        name: "Amazon Root CA 3",
        file: "AmazonRootCA3.pem",
        sha256: "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4",
        sha1: "0d44dd8c3c8c1a1a58756481e90f2e2affb3d26e",
        key: "EC P-256",
        not_before: "2015-05-26T00:00:00Z",
        not_after: "2040-05-26T00:00:00Z",
        cloud: Cloud::AwsAts,
        retired: None,
        successor: None,
    },
    KnownRoot {
        name: "Amazon Root CA 4",
        file: "AmazonRootCA4.pem",
        sha256: "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092",
        sha1: "f6108407d6f8bb67980cc2e244c2ebae1cef63be",
        key: "EC P-384",
        not_before: "2015-05-26T00:00:00Z",
        not_after: "2040-05-26T00:00:00Z",
        cloud: Cloud::AwsAts,
        retired: None,
        successor: None,
    },
    KnownRoot {
        name: "Starfield Services Root Certificate Authority - G2",
        file: "SFSRootCAG2.pem",
        sha256: "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5",
        sha1: "925a8f8d2c6d04e0665f596aff22d863e8256f3f",
        key: "RSA 2048",
        not_before: "2009-09-01T00:00:00Z",
        not_after: "2037-12-31T23:59:59Z",
        cloud: Cloud::AwsAts,
        retired: None,
        successor: None,
    },
    KnownRoot {
        name: "VeriSign Class 3 Public Primary Certification Authority - G5",
        file: "VeriSign-Class 3-Public-Primary-Certification-Authority-G5.pem",
        sha256: "9acfab7e43c8d880d06b262a94deeee4b4659989c3d0caf19baf6405e41ab7df",
        sha1: "4eb6d578499b1ccf5f581ead56be3d9b6744a5e5",
        key: "RSA 2048",
        not_before: "2006-11-08T00:00:00Z",
        not_after: "2036-07-16T23:59:59Z",
        cloud: Cloud::AwsLegacy,
        retired: Some("it only ever served the legacy (non-ATS) AWS IoT endpoints, which AWS deprecated; ATS endpoints chain to Amazon Root CA 1"),
        successor: Some("Amazon Root CA 1"),
    },
    KnownRoot {
        name: "DigiCert Global Root G2",
        file: "DigiCertGlobalRootG2.crt.pem",
        sha256: "cb3ccbb76031e5e0138f8dd39a23f9de47ffc35e43c1144cea27d46a5ab1cb5f",
        sha1: "df3c24f9bfd666761b268073fe06d1cc8d4f82a4",
        key: "RSA 2048",
        not_before: "2013-08-01T12:00:00Z",
        not_after: "2038-01-15T12:00:00Z",
        cloud: Cloud::Azure,
        retired: None,
        successor: None,
    },
    KnownRoot {
        name: "Baltimore CyberTrust Root",
        file: "BaltimoreCyberTrustRoot.crt.pem",
        sha256: "16af57a9f676b0ab126095aa5ebadef22ab31119d644ac95cd4b93dbf3f26aeb",
        sha1: "d4de20d05e66fc53fe1a50882c78db2852cae474",
        key: "RSA 2048",
        not_before: "2000-05-12T18:46:00Z",
        not_after: "2025-05-12T23:59:00Z",
        cloud: Cloud::Azure,
        retired: Some("Azure IoT Hub moved every hub from Baltimore CyberTrust Root to DigiCert Global Root G2 (migration from 2023), and the root expired on 2025-05-12"),
        successor: Some("DigiCert Global Root G2"),
    },
    KnownRoot {
        name: "Microsoft RSA Root Certificate Authority 2017",
        file: "MicrosoftRSARootCertificateAuthority2017.crt",
        sha256: "c741f70f4b2a8d88bf2e71c14122ef53ef10eba0cfa5e64cfa20f418853073e0",
        sha1: "73a5e64a3bff8316ff0edccc618a906e4eae4d74",
        key: "RSA 4096",
        not_before: "2019-12-18T22:51:22Z",
        not_after: "2042-07-18T23:00:23Z",
        cloud: Cloud::Azure,
        retired: None,
        successor: None,
    },
    KnownRoot {
        name: "Microsoft ECC Root Certificate Authority 2017",
        file: "MicrosoftECCRootCertificateAuthority2017.crt",
        sha256: "358df39d764af9e1b766e9c972df352ee15cfac227af6ad1d70e8e4a6edcba02",
        sha1: "999a64c37ff47d9fab95f14769891460eec4c3c5",
        key: "EC P-384",
        not_before: "2019-12-18T23:06:45Z",
        not_after: "2042-07-18T23:16:04Z",
        cloud: Cloud::Azure,
        retired: None,
        successor: None,
    },
];

/// The known root this certificate is (by SHA-256 of its DER), if any.
pub fn identify(cert: &Certificate) -> Option<&'static KnownRoot> {
    let fingerprint = cert.sha256();
    KNOWN_ROOTS
        .iter()
        .find(|r| crate::cert::hex_matches(r.sha256, fingerprint))
}

/// A known root by name.
pub fn by_name(name: &str) -> Option<&'static KnownRoot> {
    KNOWN_ROOTS.iter().find(|r| r.name == name)
}

/// The roots whose chains `cloud`'s server certificates use today (first: the one to ship).
pub fn for_cloud(cloud: Cloud) -> impl Iterator<Item = &'static KnownRoot> {
    KNOWN_ROOTS.iter().filter(move |r| {
        r.cloud == cloud
            && r.retired.is_none()
            // IoT Hub serves an RSA chain: the ECC Microsoft root is not one its server certificates use.
            && !(cloud == Cloud::Azure && r.is_ec())
    })
}
