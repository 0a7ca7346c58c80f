#!/usr/bin/env bash
# Regenerates the generated inputs under testdata/ (see testdata/README.md).
#
#   bash testdata/gen/generate.sh                  # regenerate everything, then rewrite MANIFEST.sha256
#   bash testdata/gen/generate.sh --manifest-only  # only rewrite MANIFEST.sha256 (e.g. after editing README.md)
#
# Needs: OpenSSL 3.x, GNU coreutils, python3 (only for the aws-cli JSON), dpkg-query (only to record the
# ca-certificates version) and Debian's ca-certificates in /usr/share/ca-certificates/mozilla/.
# Keys are random, so every run gives different bytes, but the layout, names, subjects and validity dates are fixed
# (tests assert on them). Files whose names contain the AWS certificate-ID prefix are renamed accordingly.
# testdata/vectors/ is NOT touched (it is a copy of the reference vectors); MANIFEST.sha256 is rewritten at the end.
# All private keys written here are throw-away test keys.
set -euo pipefail

TD=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MOZ=/usr/share/ca-certificates/mozilla
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

command -v openssl >/dev/null || { echo "openssl not found" >&2; exit 1; }
case "$(openssl version)" in OpenSSL\ 3.*) ;; *) echo "need OpenSSL 3.x, have: $(openssl version)" >&2; exit 1;; esac

# ---------------------------------------------------------------------------------------------------------------
# Minimal CA config. "openssl ca -startdate/-enddate" is used because OpenSSL 3.0 "x509 -req" has no
# -not_before/-not_after. The [stbl_sect] string table raises the OU upper bound: the real AWS IoT issuing CA has ONE
# OU attribute "Amazon Web Services O=Amazon.com Inc. L=Seattle ST=Washington C=US" (66 chars), longer than the
# X.520 ub-organizational-unit-name of 64 that OpenSSL enforces by default.
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

# stand-in for the AWS IoT issuing CA and the Azure test root (self-signed)
[v3_root]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
# Azure certGen.sh-style intermediate
[v3_intermediate]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
# AWS IoT device certificate
[v3_aws_leaf]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
# Azure certGen.sh-style device certificate
[v3_azure_device]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
CNFEOF
export OPENSSL_CONF=$CNF
mkdir -p "$TMP/db/new"
: >"$TMP/db/index.txt"

# sign KEY SUBJ EXT START END OUT [CACERT CAKEY]   (no CA args = self-signed)
sign() {
    local key=$1 subj=$2 ext=$3 start=$4 end=$5 out=$6 cacert=${7:-} cakey=${8:-}
    openssl req -new -config "$CNF" -key "$key" -subj "$subj" -out "$TMP/req.csr"
    if [ -z "$cacert" ]; then
        openssl ca -config "$CNF" -batch -notext -preserveDN -selfsign -keyfile "$key" \
            -extensions "$ext" -startdate "$start" -enddate "$end" -in "$TMP/req.csr" -out "$out" 2>"$TMP/ca.log" \
            || { cat "$TMP/ca.log" >&2; exit 1; }
    else
        openssl ca -config "$CNF" -batch -notext -preserveDN -cert "$cacert" -keyfile "$cakey" \
            -extensions "$ext" -startdate "$start" -enddate "$end" -in "$TMP/req.csr" -out "$out" 2>"$TMP/ca.log" \
            || { cat "$TMP/ca.log" >&2; exit 1; }
    fi
}
der_sha256() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }

write_manifest() {
    # MANIFEST.sha256 over every file under testdata/ except itself (paths relative to testdata/, C-sorted)
    ( cd "$TD" && find . -type f ! -path ./MANIFEST.sha256 -printf '%P\0' | LC_ALL=C sort -z | xargs -0 sha256sum \
        >MANIFEST.sha256 )
}
if [ "${1:-}" = --manifest-only ]; then write_manifest; exit 0; fi

# ---------------------------------------------------------------------------------------------------------------
# clean previous generated output (vectors/ and README.md are kept)
rm -rf "$TD/aws" "$TD/aws-cli" "$TD/azure" "$TD/roots" "$TD/encrypted" "$TD/messy" "$TD/gen/aws-standin-ca.pem"
mkdir -p "$TD/aws/rsa" "$TD/aws/ec" "$TD/aws-cli" "$TD/azure/x509" "$TD/roots" "$TD/encrypted" "$TD/messy"

# ---------------------------------------------------------------------------------------------------------------
# roots/: byte-for-byte copies of Debian ca-certificates
for f in Amazon_Root_CA_1.crt Amazon_Root_CA_2.crt Amazon_Root_CA_3.crt Amazon_Root_CA_4.crt \
         DigiCert_Global_Root_G2.crt Baltimore_CyberTrust_Root.crt \
         Microsoft_RSA_Root_Certificate_Authority_2017.crt Microsoft_ECC_Root_Certificate_Authority_2017.crt; do
    if [ -f "$MOZ/$f" ]; then
        cp "$MOZ/$f" "$TD/roots/$f"
    elif [ "$f" = Baltimore_CyberTrust_Root.crt ]; then
        echo "note: $MOZ/$f not present (removed from newer ca-certificates after its 2025-05-12 expiry); skipped" >&2
    else
        echo "missing $MOZ/$f" >&2; exit 1
    fi
done
chmod 644 "$TD"/roots/*
dpkg-query -W ca-certificates >"$TD/roots/ca-certificates.version"

# ---------------------------------------------------------------------------------------------------------------
# stand-in AWS IoT issuing CA (self-signed; AWS never hands this one out)
AWS_CA_SUBJ="/OU=Amazon Web Services O=Amazon.com Inc. L=Seattle ST=Washington C=US"
openssl genrsa -traditional -out "$TMP/aws-ca.key" 2048 2>/dev/null
sign "$TMP/aws-ca.key" "$AWS_CA_SUBJ" v3_root 20240101000000Z 20491231235959Z "$TMP/aws-ca.pem"
cp "$TMP/aws-ca.pem" "$TD/gen/aws-standin-ca.pem"

# aws_folder DIR KEYFILE ROOTNAME ROOTSRC : leaf + key + public key + Amazon root, AWS console download names
aws_folder() {
    local dir=$1 key=$2 rootname=$3 rootsrc=$4 id p
    sign "$key" "/CN=AWS IoT Certificate" v3_aws_leaf 20240101000000Z 20491231235959Z "$TMP/leaf.pem" \
        "$TMP/aws-ca.pem" "$TMP/aws-ca.key"
    id=$(der_sha256 "$TMP/leaf.pem"); p=${id:0:10}
    cp "$TMP/leaf.pem" "$dir/$p-certificate.pem.crt"
    cp "$key" "$dir/$p-private.pem.key"
    openssl pkey -in "$key" -pubout -out "$dir/$p-public.pem.key"
    cp "$MOZ/$rootsrc" "$dir/$rootname"
    echo "$p"
}

# aws/rsa: RSA 2048, PKCS#1 "BEGIN RSA PRIVATE KEY" (as AWS gives)
openssl genrsa -traditional -out "$TMP/rsa.key" 2048 2>/dev/null
RSA_P=$(aws_folder "$TD/aws/rsa" "$TMP/rsa.key" AmazonRootCA1.pem Amazon_Root_CA_1.crt)

# aws/ec: EC P-256, SEC1 "BEGIN EC PRIVATE KEY" without an EC PARAMETERS block
openssl ecparam -name prime256v1 -genkey -noout -out "$TMP/ec.key"
EC_P=$(aws_folder "$TD/aws/ec" "$TMP/ec.key" AmazonRootCA3.pem Amazon_Root_CA_3.crt)

# ---------------------------------------------------------------------------------------------------------------
# aws-cli/: "aws iot create-keys-and-certificate" output for a fresh RSA 2048 leaf from the same stand-in CA
openssl genrsa -traditional -out "$TMP/cli.key" 2048 2>/dev/null
openssl pkey -in "$TMP/cli.key" -pubout -out "$TMP/cli.pub"
sign "$TMP/cli.key" "/CN=AWS IoT Certificate" v3_aws_leaf 20240101000000Z 20491231235959Z "$TMP/cli.pem" \
    "$TMP/aws-ca.pem" "$TMP/aws-ca.key"
CLI_ID=$(der_sha256 "$TMP/cli.pem")
python3 - "$CLI_ID" "$TMP/cli.pem" "$TMP/cli.pub" "$TMP/cli.key" >"$TD/aws-cli/create-keys-and-certificate.json" <<'PYEOF'
import json, sys
cid, crt, pub, key = sys.argv[1:5]
rd = lambda p: open(p, encoding="ascii").read()
print(json.dumps({
    "certificateArn": "arn:aws:iot:eu-west-1:123456789012:cert/" + cid,
    "certificateId": cid,
    "certificatePem": rd(crt),
    "keyPair": {"PublicKey": rd(pub), "PrivateKey": rd(key)},
}, indent=4))
PYEOF

# ---------------------------------------------------------------------------------------------------------------
# azure/x509: like Azure's certGen.sh (create_root_and_intermediate + create_device_certificate mydevice)
AZ=$TD/azure/x509
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$TMP/az-root.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$TMP/az-int.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$AZ/device-mydevice.key.pem" 2>/dev/null
sign "$TMP/az-root.key" "/CN=Azure IoT Hub CA Cert Test Only" v3_root 20240101000000Z 20440101000000Z \
    "$AZ/azure-iot-test-only.root.ca.cert.pem"
sign "$TMP/az-int.key" "/CN=Azure IoT Hub Intermediate Cert Test Only" v3_intermediate 20240101000000Z 20440101000000Z \
    "$AZ/azure-iot-test-only.intermediate.cert.pem" "$AZ/azure-iot-test-only.root.ca.cert.pem" "$TMP/az-root.key"
sign "$AZ/device-mydevice.key.pem" "/CN=mydevice" v3_azure_device 20240101000000Z 20340101000000Z \
    "$AZ/device-mydevice.cert.pem" "$AZ/azure-iot-test-only.intermediate.cert.pem" "$TMP/az-int.key"
cat "$AZ/device-mydevice.cert.pem" "$AZ/azure-iot-test-only.intermediate.cert.pem" \
    "$AZ/azure-iot-test-only.root.ca.cert.pem" >"$AZ/device-mydevice-full-chain.cert.pem"
cp "$MOZ/DigiCert_Global_Root_G2.crt" "$AZ/DigiCertGlobalRootG2.crt.pem"

# ---------------------------------------------------------------------------------------------------------------
# encrypted/: PKCS#8 PBES2 (PBKDF2-HMAC-SHA256, 2048 iterations, AES-256-CBC) of the aws/rsa key
printf 'correct horse\n' >"$TD/encrypted/passphrase.txt"
openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -iter 2048 -passout 'pass:correct horse' \
    -in "$TMP/rsa.key" -out "$TD/encrypted/private.enc.pem"

# ---------------------------------------------------------------------------------------------------------------
# messy/: damaged-but-recoverable variants of the aws/rsa leaf and key
M=$TD/messy
LEAF=$TD/aws/rsa/$RSA_P-certificate.pem.crt
KEY=$TD/aws/rsa/$RSA_P-private.pem.key
for kind in leaf key; do
    if [ $kind = leaf ]; then src=$LEAF; else src=$KEY; fi
    sed 's/$/\r/' "$src" >"$M/$kind-crlf.pem"                                   # CRLF line endings
    { printf '\357\273\277'; cat "$src"; } >"$M/$kind-bom.pem"                 # UTF-8 BOM
    sed 's/$/   /' "$src" >"$M/$kind-trailing-spaces.pem"                       # 3 trailing spaces on every line
    head -c -1 "$src" >"$M/$kind-no-final-newline.pem"                          # last \n removed
    { sed -z 's/\n/\\n/g' "$src"; echo; } >"$M/$kind-json-escaped.pem"          # one line, literal \n, then a real \n
    { tr '\n' ' ' <"$src" | sed 's/ $//'; echo; } >"$M/$kind-one-line-spaces.pem" # one line, spaces for newlines
    { head -n 1 "$src"; sed '1d;$d' "$src" | tr -d '\n' | fold -w 76; echo; tail -n 1 "$src"; } \
        >"$M/$kind-wrap76.pem"                                                  # body re-wrapped at 76 columns
done
# "openssl pkcs12 -nodes" output: Bag Attributes / subject= / issuer= lines before the PEM (key comes out as PKCS#8)
openssl pkcs12 -export -inkey "$KEY" -in "$LEAF" -name "AWS IoT Certificate" -passout pass:test -out "$TMP/p12"
openssl pkcs12 -in "$TMP/p12" -passin pass:test -nodes -clcerts -nokeys -out "$M/leaf-bag-attributes.pem"
openssl pkcs12 -in "$TMP/p12" -passin pass:test -nodes -nocerts -out "$M/key-bag-attributes.pem"
# EC PARAMETERS block before the aws/ec SEC1 key (what "openssl ecparam -genkey" without -noout writes)
{ openssl ecparam -name prime256v1; cat "$TD/aws/ec/$EC_P-private.pem.key"; } >"$M/ec-key-with-params.pem"
# the leaf as raw DER behind a .pem name (content sniffing)
openssl x509 -in "$LEAF" -outform DER -out "$M/leaf-der-named.pem"
# key + Amazon root + leaf concatenated in one file, key first
cat "$KEY" "$TD/aws/rsa/AmazonRootCA1.pem" "$LEAF" >"$M/bundle-key-root-leaf.pem"

# ---------------------------------------------------------------------------------------------------------------
# permissions: data files 0644, this script 0755
find "$TD/aws" "$TD/aws-cli" "$TD/azure" "$TD/roots" "$TD/encrypted" "$TD/messy" "$TD/gen/aws-standin-ca.pem" \
    -type f -exec chmod 644 {} +

write_manifest

echo "aws/rsa prefix: $RSA_P"
echo "aws/ec  prefix: $EC_P"
echo "aws-cli certificateId: $CLI_ID"
echo "NOTE: prefixes changed; update README.md / tests that name these files."
