// Package credential issues and verifies proof that a learner completed a course version.
//
// It has five pieces, each usable on its own and none of which touches storage or HTTP:
//
//   - Build turns an Issue (learner, course version, issuer, dates, status list entry) into
//     an Open Badges 3.0 OpenBadgeCredential, a W3C Verifiable Credentials Data Model 2.0
//     document whose credentialSubject.achievement describes the course.
//   - Signer secures a credential as a VC-JWT signed with Ed25519 (alg EdDSA), following the
//     JSON Web Token proof format of Open Badges 3.0 (section 8.2, "Proofs"): the JWT payload
//     is the credential itself, with the registered claims iss (issuer.id), jti (id),
//     sub (credentialSubject.id) and nbf (validFrom) added. The JOSE header holds only
//     alg, kid and typ "JWT"; kid is a URI, the address of the issuer's JWKS followed by
//     "#" and the key's RFC 7638 thumbprint, and the JWKS lists every key under that kid.
//     Credentials from issuers that still wrap the credential in a "vc" claim (Data Model
//     1.1 style) are read too, as the specification allows verifiers to.
//   - KeySet holds the credential signing keys, apart from the keys that sign access
//     tokens: a PEM file of Ed25519 keys, the current one first. Rotation adds a new
//     current key and never drops a public key, so a credential issued years ago still
//     verifies. KeySet.JWKS and IssuerProfile build the documents the app publishes.
//   - StatusList is a W3C Bitstring Status List v1.0 for revocation: at least 131,072
//     entries, GZIP-compressed and multibase base64url encoded ("u" prefix).
//     NewStatusListCredential wraps it in a BitstringStatusListCredential.
//   - Verify checks a VC-JWT against a JWKS and, through a lookup callback, the status
//     list it points to, and tells apart malformed input, unknown keys, bad signatures
//     (which is how a tampered payload or signature shows), claims that disagree with the
//     credential, and revocation.
//
// RenderPDF draws the printable certificate in the learner's language (Finnish, Swedish or
// English; labels are in the labels map in pdf.go) with the Go fonts embedded, so every
// letter of Finnish and Swedish names is drawn and its text can be extracted. Everything
// on it is also in the credential and meant for the accessible verification page.
package credential
