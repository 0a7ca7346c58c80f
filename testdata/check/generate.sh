#!/usr/bin/env bash
# Regenerates the `certpack check` test bundles under testdata/check/<case>/ (see testdata/check/README.md).
#
#   bash testdata/check/generate.sh
#
# Each case folder is a bundle that yields exactly the codes listed in README.md (core/tests/check.rs asserts
# them). Cases reuse testdata/aws, testdata/azure, testdata/aws-cli, testdata/messy, testdata/encrypted and
# testdata/roots (copied byte for byte); certificates that need other dates, keys or signatures are issued here with
# `openssl ca -startdate/-enddate` by throw-away CAs whose keys are not kept. Keys are random, so every run gives
# other bytes, but names, subjects, extensions and dates are fixed (tests assert on codes, not bytes).
# Kept, not regenerated: README.md, this script, and roots-extra/VeriSign-Class-3-Public-Primary-G5.pem (see README).
# Afterwards MANIFEST.sha256 is rewritten with testdata/gen/generate.sh --manifest-only.
# Needs: OpenSSL 3.x, GNU coreutils, sed, base64, python3 (JSON edit), Debian ca-certificates (Starfield root).
# All private keys written here are throw-away test keys.
set -euo pipefail

CK=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TD=$(cd "$CK/.." && pwd)
MOZ=/usr/share/ca-certificates/mozilla
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

case "$(openssl version)" in OpenSSL\ 3.*) ;; *) echo "need OpenSSL 3.x, have: $(openssl version)" >&2; exit 1;; esac

VERISIGN=$CK/roots-extra/VeriSign-Class-3-Public-Primary-G5.pem
VERISIGN_SHA256=9acfab7e43c8d880d06b262a94deeee4b4659989c3d0caf19baf6405e41ab7df
[ "$(openssl x509 -in "$VERISIGN" -outform DER | sha256sum | cut -d' ' -f1)" = "$VERISIGN_SHA256" ] \
    || { echo "$VERISIGN is missing or not VeriSign Class 3 G5 (sha256 $VERISIGN_SHA256)" >&2; exit 1; }

CNF=$TMP/ca.cnf
cat >"$CNF" <<CNFEOF
openssl_conf = openssl_init
[openssl_init]
stbl = stbl_sect
[stbl_sect]
OU = max:128

[ca]
default_ca = CA_default
[CA_default]
dir              = $TMP/db
database         = \$dir/index.txt
new_certs_dir    = \$dir/new
rand_serial      = yes
default_md       = sha256
policy           = policy_any
unique_subject   = no
copy_extensions  = none
email_in_dn      = no
[policy_any]
countryName            = optional
stateOrProvinceName    = optional
localityName           = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = optional

[req]
distinguished_name = req_dn
prompt             = no
[req_dn]
CN = unused

[v3_root]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
[v3_intermediate]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
# like an AWS IoT device certificate
[v3_aws_leaf]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
# like Azure's certGen.sh device certificate
[v3_azure_device]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
# a TLS server certificate (what users wrongly pin as the CA)
[v3_server]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth, clientAuth
subjectAltName         = DNS:*.azure-devices.net, DNS:azure-devices.net
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
CNFEOF
export OPENSSL_CONF=$CNF
mkdir -p "$TMP/db/new"
: >"$TMP/db/index.txt"

# sign KEY SUBJ EXT START END OUT [CACERT CAKEY [extra openssl ca options...]]   (no CA args = self-signed)
sign() {
    local key=$1 subj=$2 ext=$3 start=$4 end=$5 out=$6 cacert=${7:-} cakey=${8:-}
    shift 8 2>/dev/null || shift $#
    openssl req -new -config "$CNF" -key "$key" -subj "$subj" -out "$TMP/req.csr"
    if [ -z "$cacert" ]; then
        openssl ca -config "$CNF" -batch -notext -preserveDN -selfsign -keyfile "$key" \
            -extensions "$ext" -startdate "$start" -enddate "$end" -in "$TMP/req.csr" -out "$out" "$@" \
            2>"$TMP/ca.log" || { cat "$TMP/ca.log" >&2; exit 1; }
    else
        openssl ca -config "$CNF" -batch -notext -preserveDN -cert "$cacert" -keyfile "$cakey" \
            -extensions "$ext" -startdate "$start" -enddate "$end" -in "$TMP/req.csr" -out "$out" "$@" \
            2>"$TMP/ca.log" || { cat "$TMP/ca.log" >&2; exit 1; }
    fi
}
rsa_key() { openssl genrsa -traditional -out "$1" "${2:-2048}" 2>/dev/null; }
ec_key() { openssl ecparam -name "${2:-prime256v1}" -genkey -noout -out "$1"; }

# Reused inputs
AWS_RSA_LEAF=$(ls "$TD"/aws/rsa/*-certificate.pem.crt)
AWS_RSA_KEY=$(ls "$TD"/aws/rsa/*-private.pem.key)
AWS_EC_LEAF=$(ls "$TD"/aws/ec/*-certificate.pem.crt)
AWS_EC_KEY=$(ls "$TD"/aws/ec/*-private.pem.key)
AZ=$TD/azure/x509
ROOT1=$TD/roots/Amazon_Root_CA_1.crt
G2=$TD/roots/DigiCert_Global_Root_G2.crt
BALTIMORE=$TD/roots/Baltimore_CyberTrust_Root.crt

# Every case folder listed in README.md is deleted and written again.
CASES="key-mismatch-rsa key-mismatch-ec names-swapped two-keys two-leaves no-key empty-key-file aws-json-id-mismatch
no-root device-ca-as-root intermediate-as-root server-cert-as-root retired-verisign-root azure-baltimore
not-yet-valid expired expiring-soon fresh-cert ec-key p384-key rsa4096-key rsa1024-key p521-key
encrypted-key sha1-signed chain-wrong-order missing-intermediate bad-signature pss-signature root-in-client-chain
crlf json-escaped flattened wrap76 trailing-spaces no-final-newline bom nul-terminated bag-attributes
ec-parameters no-armour label-mismatch der-named-pem"
for c in $CASES; do rm -rf "${CK:?}/$c"; mkdir -p "$CK/$c"; done
rm -f "$CK/roots-extra/Starfield_Services_Root_Certificate_Authority_-_G2.crt"
cp "$MOZ/Starfield_Services_Root_Certificate_Authority_-_G2.crt" "$CK/roots-extra/"

# Throw-away CAs (keys not kept). The AWS stand-in has the real AWS IoT issuer's name, so its leaves read as
# AWS-issued (the device sends them alone, no intermediate needed).
rsa_key "$TMP/aws-ca.key"
sign "$TMP/aws-ca.key" "/OU=Amazon Web Services O=Amazon.com Inc. L=Seattle ST=Washington C=US" v3_root \
    20240101000000Z 20491231235959Z "$TMP/aws-ca.pem"
# aws_leaf KEY START END OUT [extra openssl ca options]: an AWS-issued-looking device certificate
aws_leaf() {
    local key=$1 start=$2 end=$3 out=$4; shift 4
    sign "$key" "/CN=AWS IoT Certificate" v3_aws_leaf "$start" "$end" "$out" "$TMP/aws-ca.pem" "$TMP/aws-ca.key" "$@"
}
# case_folder CASE LEAF KEY ROOT: the usual three files of an AWS console download
case_folder() {
    cp "$2" "$CK/$1/certificate.pem.crt"
    cp "$3" "$CK/$1/private.pem.key"
    [ -z "${4:-}" ] || cp "$4" "$CK/$1/$(basename "$4" | sed 's/^Amazon_Root_CA_\([0-9]\)\.crt$/AmazonRootCA\1.pem/')"
}

# ---------------------------------------------------------------------------------------------------------------
# CP1xx key
rsa_key "$TMP/other-rsa.key"
case_folder key-mismatch-rsa "$AWS_RSA_LEAF" "$TMP/other-rsa.key" "$ROOT1"
ec_key "$TMP/other-ec.key"
case_folder key-mismatch-ec "$AWS_EC_LEAF" "$TMP/other-ec.key" "$ROOT1"
P=$(basename "$AWS_RSA_LEAF" -certificate.pem.crt)
cp "$AWS_RSA_LEAF" "$CK/names-swapped/$P-private.pem.key"
cp "$AWS_RSA_KEY" "$CK/names-swapped/$P-certificate.pem.crt"
cp "$ROOT1" "$CK/names-swapped/AmazonRootCA1.pem"
case_folder two-keys "$AWS_RSA_LEAF" "$AWS_RSA_KEY" "$ROOT1"
cp "$TMP/other-rsa.key" "$CK/two-keys/other-private.pem.key"
rsa_key "$TMP/second.key"
aws_leaf "$TMP/second.key" 20240101000000Z 20491231235959Z "$CK/two-leaves/second-certificate.pem.crt"
case_folder two-leaves "$AWS_RSA_LEAF" "$AWS_RSA_KEY" "$ROOT1"
cp "$AWS_RSA_LEAF" "$CK/no-key/certificate.pem.crt"
cp "$ROOT1" "$CK/no-key/AmazonRootCA1.pem"
cp "$AWS_RSA_LEAF" "$CK/empty-key-file/certificate.pem.crt"
cp "$ROOT1" "$CK/empty-key-file/AmazonRootCA1.pem"
: >"$CK/empty-key-file/private.pem.key"
python3 - "$TD/aws-cli/create-keys-and-certificate.json" >"$CK/aws-json-id-mismatch/create-keys-and-certificate.json" <<'PYEOF'
import json, sys
doc = json.load(open(sys.argv[1], encoding="ascii"))
wrong = "0" * 64  # not the sha256 of the certificate: as if the JSON of another certificate was pasted in
doc["certificateArn"] = doc["certificateArn"].rsplit("/", 1)[0] + "/" + wrong
doc["certificateId"] = wrong
print(json.dumps(doc, indent=4))
PYEOF
cp "$ROOT1" "$CK/aws-json-id-mismatch/AmazonRootCA1.pem"

# ---------------------------------------------------------------------------------------------------------------
# CP2xx roots and endpoint
case_folder no-root "$AWS_RSA_LEAF" "$AWS_RSA_KEY"
# JITP-style: leaf issued by the user's own device CA, and that CA given as the only root
rsa_key "$TMP/device-ca.key"
sign "$TMP/device-ca.key" "/O=Example Corp/CN=Example Device CA" v3_root 20240101000000Z 20440101000000Z \
    "$CK/device-ca-as-root/device-ca.pem"
rsa_key "$TMP/jitp.key"
sign "$TMP/jitp.key" "/CN=example-thing-0001" v3_aws_leaf 20240101000000Z 20340101000000Z \
    "$CK/device-ca-as-root/certificate.pem.crt" "$CK/device-ca-as-root/device-ca.pem" "$TMP/device-ca.key"
cp "$TMP/jitp.key" "$CK/device-ca-as-root/private.pem.key"
# an intermediate (stand-in for Amazon's "Server CA 1B") pinned as the CA; its root is not given
rsa_key "$TMP/srv-root.key"
sign "$TMP/srv-root.key" "/O=Example Trust/CN=Example Server Root" v3_root 20240101000000Z 20440101000000Z "$TMP/srv-root.pem"
rsa_key "$TMP/srv-int.key"
sign "$TMP/srv-int.key" "/O=Example Trust/CN=Example Server CA 1B" v3_intermediate 20240101000000Z 20340101000000Z \
    "$CK/intermediate-as-root/server-ca-1b.pem" "$TMP/srv-root.pem" "$TMP/srv-root.key"
case_folder intermediate-as-root "$AWS_RSA_LEAF" "$AWS_RSA_KEY"
# a TLS server certificate for *.azure-devices.net pinned as the CA, with an Azure device
rsa_key "$TMP/server.key"
sign "$TMP/server.key" "/CN=*.azure-devices.net" v3_server 20240101000000Z 20340101000000Z \
    "$CK/server-cert-as-root/azure-devices-net.pem" "$TMP/srv-root.pem" "$TMP/srv-root.key"
cp "$AZ/device-mydevice.cert.pem" "$AZ/device-mydevice.key.pem" "$AZ/azure-iot-test-only.intermediate.cert.pem" \
    "$CK/server-cert-as-root/"
case_folder retired-verisign-root "$AWS_RSA_LEAF" "$AWS_RSA_KEY" "$VERISIGN"
cp "$AZ/device-mydevice.cert.pem" "$AZ/device-mydevice.key.pem" "$AZ/azure-iot-test-only.intermediate.cert.pem" \
    "$CK/azure-baltimore/"
cp "$BALTIMORE" "$CK/azure-baltimore/BaltimoreCyberTrustRoot.crt.pem"

# ---------------------------------------------------------------------------------------------------------------
# CP3xx time (the tests check at 2026-01-15T00:00:00Z)
rsa_key "$TMP/t.key"
aws_leaf "$TMP/t.key" 20300101000000Z 20491231235959Z "$TMP/leaf.pem"
case_folder not-yet-valid "$TMP/leaf.pem" "$TMP/t.key" "$ROOT1"
aws_leaf "$TMP/t.key" 20240101000000Z 20250101000000Z "$TMP/leaf.pem"
case_folder expired "$TMP/leaf.pem" "$TMP/t.key" "$ROOT1"
aws_leaf "$TMP/t.key" 20240101000000Z 20260201000000Z "$TMP/leaf.pem"
case_folder expiring-soon "$TMP/leaf.pem" "$TMP/t.key" "$ROOT1"
aws_leaf "$TMP/t.key" 20260114120000Z 20491231235959Z "$TMP/leaf.pem"
case_folder fresh-cert "$TMP/leaf.pem" "$TMP/t.key" "$ROOT1"

# ---------------------------------------------------------------------------------------------------------------
# CP4xx algorithms and target
case_folder ec-key "$AWS_EC_LEAF" "$AWS_EC_KEY" "$ROOT1"
ec_key "$TMP/p384.key" secp384r1
aws_leaf "$TMP/p384.key" 20240101000000Z 20491231235959Z "$TMP/leaf.pem"
case_folder p384-key "$TMP/leaf.pem" "$TMP/p384.key" "$ROOT1"
rsa_key "$TMP/rsa4096.key" 4096
aws_leaf "$TMP/rsa4096.key" 20240101000000Z 20491231235959Z "$TMP/leaf.pem"
case_folder rsa4096-key "$TMP/leaf.pem" "$TMP/rsa4096.key" "$ROOT1"
rsa_key "$TMP/rsa1024.key" 1024
aws_leaf "$TMP/rsa1024.key" 20240101000000Z 20491231235959Z "$TMP/leaf.pem"
case_folder rsa1024-key "$TMP/leaf.pem" "$TMP/rsa1024.key" "$ROOT1"
ec_key "$TMP/p521.key" secp521r1
aws_leaf "$TMP/p521.key" 20240101000000Z 20491231235959Z "$TMP/leaf.pem"
case_folder p521-key "$TMP/leaf.pem" "$TMP/p521.key" "$ROOT1"
cp "$AWS_RSA_LEAF" "$CK/encrypted-key/certificate.pem.crt"
cp "$TD/encrypted/private.enc.pem" "$CK/encrypted-key/private.enc.pem"
cp "$ROOT1" "$CK/encrypted-key/AmazonRootCA1.pem"
aws_leaf "$TMP/t.key" 20240101000000Z 20491231235959Z "$TMP/leaf.pem" -md sha1
case_folder sha1-signed "$TMP/leaf.pem" "$TMP/t.key" "$ROOT1"

# ---------------------------------------------------------------------------------------------------------------
# CP5xx chain (Azure CA-signed device from testdata/azure/x509)
cat "$AZ/azure-iot-test-only.intermediate.cert.pem" "$AZ/device-mydevice.cert.pem" \
    >"$CK/chain-wrong-order/device-chain.cert.pem"
cp "$AZ/device-mydevice.key.pem" "$CK/chain-wrong-order/"
cp "$G2" "$CK/chain-wrong-order/DigiCertGlobalRootG2.crt.pem"
cp "$AZ/device-mydevice.cert.pem" "$AZ/device-mydevice.key.pem" "$CK/missing-intermediate/"
cp "$G2" "$CK/missing-intermediate/DigiCertGlobalRootG2.crt.pem"
# the test intermediate generated again: same name, other key, so it did not sign the device certificate
rsa_key "$TMP/int2.key"
sign "$TMP/int2.key" "/CN=Azure IoT Hub Intermediate Cert Test Only" v3_intermediate 20240101000000Z 20440101000000Z \
    "$CK/bad-signature/azure-iot-test-only.intermediate.cert.pem" "$TMP/srv-root.pem" "$TMP/srv-root.key"
cp "$AZ/device-mydevice.cert.pem" "$AZ/device-mydevice.key.pem" "$CK/bad-signature/"
cp "$G2" "$CK/bad-signature/DigiCertGlobalRootG2.crt.pem"
# a device certificate signed with RSASSA-PSS by a present intermediate (certpack verifies PKCS#1 v1.5 only)
rsa_key "$TMP/pss-int.key"
sign "$TMP/pss-int.key" "/O=Example Corp/CN=Example PSS Issuing CA" v3_intermediate 20240101000000Z 20440101000000Z \
    "$CK/pss-signature/issuing-ca.cert.pem" "$TMP/srv-root.pem" "$TMP/srv-root.key"
rsa_key "$TMP/pss-dev.key"
sign "$TMP/pss-dev.key" "/CN=pss-device" v3_azure_device 20240101000000Z 20340101000000Z \
    "$CK/pss-signature/device.cert.pem" "$CK/pss-signature/issuing-ca.cert.pem" "$TMP/pss-int.key" \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
cp "$TMP/pss-dev.key" "$CK/pss-signature/device.key.pem"
cp "$G2" "$CK/pss-signature/DigiCertGlobalRootG2.crt.pem"
cat "$AWS_RSA_LEAF" "$ROOT1" >"$CK/root-in-client-chain/certificate-and-root.pem.crt"
cp "$AWS_RSA_KEY" "$CK/root-in-client-chain/private.pem.key"

# ---------------------------------------------------------------------------------------------------------------
# CP6xx form (the damaged files of testdata/messy, each with the matching key/certificate and root)
form_case() { # CASE DAMAGED_LEAF [DAMAGED_KEY]
    cp "$TD/messy/$2" "$CK/$1/$2"
    if [ -n "${3:-}" ]; then cp "$TD/messy/$3" "$CK/$1/$3"; else cp "$AWS_RSA_KEY" "$CK/$1/private.pem.key"; fi
    cp "$ROOT1" "$CK/$1/AmazonRootCA1.pem"
}
form_case crlf leaf-crlf.pem
form_case json-escaped leaf-json-escaped.pem key-json-escaped.pem
form_case flattened leaf-one-line-spaces.pem
form_case wrap76 leaf-wrap76.pem
form_case trailing-spaces leaf-trailing-spaces.pem
form_case no-final-newline leaf-no-final-newline.pem
form_case bom leaf-bom.pem
form_case bag-attributes leaf-bag-attributes.pem key-bag-attributes.pem
form_case der-named-pem leaf-der-named.pem
# the leaf PEM with the NUL a C string (sizeof) adds
{ cat "$AWS_RSA_LEAF"; printf '\0'; } >"$CK/nul-terminated/certificate.pem.crt"
cp "$AWS_RSA_KEY" "$CK/nul-terminated/private.pem.key"
cp "$ROOT1" "$CK/nul-terminated/AmazonRootCA1.pem"
cp "$TD/messy/ec-key-with-params.pem" "$CK/ec-parameters/"
cp "$AWS_EC_LEAF" "$CK/ec-parameters/certificate.pem.crt"
cp "$ROOT1" "$CK/ec-parameters/AmazonRootCA1.pem"
# the leaf as bare base64 of its DER, 64 columns, no BEGIN/END lines
openssl x509 -in "$AWS_RSA_LEAF" -outform DER | base64 -w 64 >"$CK/no-armour/certificate.b64"
cp "$AWS_RSA_KEY" "$CK/no-armour/private.pem.key"
cp "$ROOT1" "$CK/no-armour/AmazonRootCA1.pem"
# a PKCS#8 body under a "BEGIN RSA PRIVATE KEY" (PKCS#1) label
openssl pkcs8 -topk8 -nocrypt -in "$AWS_RSA_KEY" \
    | sed 's/BEGIN PRIVATE KEY/BEGIN RSA PRIVATE KEY/; s/END PRIVATE KEY/END RSA PRIVATE KEY/' \
    >"$CK/label-mismatch/private.pem.key"
cp "$AWS_RSA_LEAF" "$CK/label-mismatch/certificate.pem.crt"
cp "$ROOT1" "$CK/label-mismatch/AmazonRootCA1.pem"

find "$CK" -type f ! -name generate.sh -exec chmod 644 {} +
bash "$TD/gen/generate.sh" --manifest-only
echo "testdata/check regenerated; MANIFEST.sha256 rewritten"
